import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { CLI, type JsonChild, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { describe, expect, it } from "vitest";

if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

function cli(...args: string[]): JsonChild {
  return watchJsonChild(
    spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }),
  );
}

describe("purertc demo", () => {
  it("connects two PeerConnections, exchanges a message each way on a data channel, and leaves nothing", async () => {
    const demo = cli("demo", "--json");
    demo.end();
    expect(await demo.exit(30_000)).toBe(0);
    expect(demo.events.map((e) => e.event)).toEqual(["connected", "open", "message", "message", "closed"]);
    expect(demo.events[0]!.cipher).toBe("TLS_AES_128_GCM_SHA256"); // DTLS 1.3
    expect(demo.events[2]).toMatchObject({ to: "b", text: "hello from a" });
    expect(demo.events[3]).toMatchObject({ to: "a", text: "hello from b" });
    expect(demo.events[4]).toMatchObject({
      openSockets: 0,
      activeResources: [],
      report: "socket registry: no socket open",
    });
  });
});

describe("purertc pc", () => {
  it("two of them, each reading the other's stdout, connect and exchange --send texts over a data channel", async () => {
    const offerer = cli(
      "pc",
      "--offer",
      "--loopback",
      "--json",
      "--channel",
      "chat",
      "--channel",
      "lossy",
      "--unordered",
      "--max-retransmits",
      "0",
      "--priority",
      "high",
      "--send",
      "from offerer",
    );
    const answerer = cli("pc", "--answer", "--loopback", "--json", "--send", "from answerer");
    // Cross-wire: every line one prints is the other's input (non-signalling lines are ignored).
    const pipe = (from: JsonChild, to: JsonChild) =>
      from.child.stdout!.on("data", (d: Buffer) => to.child.stdin!.write(d));
    pipe(offerer, answerer);
    pipe(answerer, offerer);
    try {
      const offer = await offerer.next((e) => e.event === "offer");
      expect(offer.type).toBe("offer");
      expect(String(offer.sdp)).toContain("m=application 9 UDP/DTLS/SCTP webrtc-datachannel");
      expect((await answerer.next((e) => e.event === "answer")).type).toBe("answer");
      await offerer.next((e) => e.event === "candidate" && String(e.candidate).startsWith("candidate:"));
      await offerer.next((e) => e.event === "connectionstatechange" && e.state === "connected");
      await answerer.next((e) => e.event === "connectionstatechange" && e.state === "connected");
      expect(await answerer.next((e) => e.event === "datachannel" && e.label === "chat")).toMatchObject({
        id: 1, // the offerer is the DTLS server: odd ids (RFC 8832 §6)
      });
      expect(await answerer.next((e) => e.event === "datachannel" && e.label === "lossy")).toMatchObject({
        id: 3,
        ordered: false,
        maxRetransmits: 0,
        maxPacketLifeTime: null,
        priority: "high", // carried in DCEP's OPEN (RFC 8832 §5.1)
      });
      await offerer.next((e) => e.event === "open" && e.label === "chat");
      // --send goes over the first channel, both ways.
      expect(await answerer.next((e) => e.event === "message")).toMatchObject({
        label: "chat",
        text: "from offerer",
      });
      expect(await offerer.next((e) => e.event === "message")).toMatchObject({
        label: "chat",
        text: "from answerer",
      });
      // The offerer's stdin ends: it closes; the answerer sees close_notify and exits too.
      offerer.end();
      expect(await offerer.exit()).toBe(0);
      await answerer.next((e) => e.event === "close" && e.label === "chat");
      await answerer.next((e) => e.event === "dtlsstatechange" && e.state === "closed");
      expect(await answerer.exit()).toBe(0);
      expect(offerer.stderr()).toBe("");
    } finally {
      await offerer.stop();
      await answerer.stop();
    }
  });

  it("refuses channel options a browser would refuse, saying which", async () => {
    for (const [args, said] of [
      [["--max-retransmits", "1", "--max-packet-life-time", "100"], "not both"],
      [["--priority", "urgent"], "--priority wants one of very-low, low, medium, high"],
      [["--max-packet-life-time", "1.5"], "--max-packet-life-time wants 0..65535"],
    ] as const) {
      const bad = cli("pc", "--offer", "--loopback", "--json", "--channel", "x", ...args);
      expect(String((await bad.next((e) => e.event === "error")).message)).toContain(said);
      expect(await bad.exit()).toBe(1);
      expect(bad.stderr()).toContain("usage: purertc pc");
    }
  });

  it("wants exactly one of --offer and --answer", async () => {
    const bad = cli("pc", "--json");
    expect(await bad.exit()).toBe(1);
    expect(bad.events[0]).toMatchObject({ event: "error" });
  });

  it("exits 0 on SIGTERM while waiting for an answer", async () => {
    const offerer = cli("pc", "--offer", "--loopback", "--json");
    await offerer.next((e) => e.event === "offer");
    offerer.child.kill("SIGTERM");
    expect(await offerer.exit()).toBe(0);
    expect(offerer.events.at(-1)).toMatchObject({ event: "closed" });
  });
});
