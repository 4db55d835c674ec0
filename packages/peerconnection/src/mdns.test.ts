import { existsSync } from "node:fs";
import { CLI, type JsonChild, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createVethPair, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";

// Under CI=true a missing `ip` throws: this test never skips silently there.
const netns = netnsAvailable();
if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

describe.skipIf(!netns.available)("Node ↔ Node with mDNS candidates", () => {
  it("two `purertc pc --mdns` on the two ends of a veth pair connect through .local names only", async () => {
    await using lan = await createVethPair({ prefix: "pcmdns" });
    const offerer = watchJsonChild(
      lan.a.spawn(process.execPath, [CLI, "pc", "--offer", "--mdns", "--json", "--send", "over mdns"], {
        cwd: ROOT,
      }),
    );
    const answerer = watchJsonChild(
      lan.b.spawn(process.execPath, [CLI, "pc", "--answer", "--mdns", "--json"], { cwd: ROOT }),
    );
    const pipe = (from: JsonChild, to: JsonChild) =>
      from.child.stdout!.on("data", (d: Buffer) => {
        if (!to.child.stdin!.destroyed) to.child.stdin!.write(d);
      });
    pipe(offerer, answerer);
    pipe(answerer, offerer);
    try {
      await answerer.next((e) => e.event === "connectionstatechange" && e.state === "connected", 30_000);
      // --send goes over a data channel (the offerer's "data").
      expect(await answerer.next((e) => e.event === "message")).toMatchObject({
        label: "data",
        text: "over mdns",
      });
      // Only .local names went over signalling: no address of either side.
      for (const side of [offerer, answerer]) {
        const candidates = side.events
          .filter((e) => e.event === "candidate" && e.candidate)
          .map((e) => String(e.candidate));
        expect(candidates.length).toBeGreaterThan(0);
        for (const c of candidates) expect(c).toMatch(/ [0-9a-f-]{36}\.local \d+ typ host/);
        const sdp = String(side.events.find((e) => e.event === "offer" || e.event === "answer")?.sdp);
        expect(sdp).not.toContain(lan.a.address);
        expect(sdp).not.toContain(lan.b.address);
      }
      offerer.end();
      expect(await offerer.exit()).toBe(0);
      expect(await answerer.exit()).toBe(0);
    } finally {
      await offerer.stop();
      await answerer.stop();
    }
  });
});
