import { chromiumAvailable } from "@purertc/interop/chromium";
import { pageUntil } from "@purertc/interop/chromium-page";
import type { JsonEvent } from "@purertc/interop/json-child";
import { netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";
import { chromiumAndFixture, exchangeDescriptions } from "./chromium-and-fixture.test-helper.js";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();

/** One SCTP packet as the fixture's --trace-sctp prints it, in the order seen. */
interface Packet {
  dir: "in" | "out";
  chunks: string[];
}

/**
 * Each side creates a channel before the connection is up (Chromium "early-c",
 * purertc "early-p"); returns the first SCTP packets each way, in order, and
 * the stream purertc's channel got.
 */
async function setupPackets(purertcOffers: boolean): Promise<{ packets: Packet[]; ourStream: number }> {
  const args = [purertcOffers ? "--offer" : "--answer", "--trace-sctp"];
  if (purertcOffers) args.push("--create", "early-p");
  await using peers = await chromiumAndFixture(purertcOffers ? "opk1" : "opk0", args);
  const { page, child } = peers;
  let stop: (() => Promise<void>) | undefined;
  try {
    await page.evaluate(`(() => {
      const pc = new RTCPeerConnection();
      globalThis.pc = pc;
      globalThis.dcs = { "early-c": pc.createDataChannel("early-c") };
      pc.ondatachannel = (e) => { dcs[e.channel.label] = e.channel; };
    })()`);
    if (!purertcOffers) child.send({ cmd: "create", label: "early-p" });
    stop = await exchangeDescriptions(page, child, purertcOffers);
    await pageUntil(
      page,
      `dcs["early-c"].readyState === "open" && dcs["early-p"]?.readyState === "open"`,
      30_000,
    );
    const opened = await child.next((e) => e.event === "open" && e.label === "early-p", 10_000);
    const packets = child.events
      .filter((e: JsonEvent) => e.event === "sctp-packet")
      .map((e) => ({ dir: e.dir as Packet["dir"], chunks: e.chunks as string[] }));
    return { packets, ourStream: Number(opened.id) };
  } finally {
    await stop?.();
  }
}

const has = (p: Packet | undefined, chunk: string) => p?.chunks.includes(chunk) ?? false;

describe.skipIf(!netns.available || !chromium)(
  "headless Chromium: the packets that open a data channel",
  () => {
    for (const purertcOffers of [false, true])
      it(`${purertcOffers ? "purertc" : "Chromium"} offers: a channel made before the association is up sends its DATA_CHANNEL_OPEN in the first packet it may (with our COOKIE-ACK)`, {
        timeout: 90_000,
      }, async () => {
        const { packets, ourStream } = await setupPackets(purertcOffers);
        console.log(
          `SCTP setup with Chromium (${purertcOffers ? "purertc" : "Chromium"} offers): ${packets.map((p) => `${p.dir === "in" ? "<-" : "->"} ${p.chunks.join("+")}`).join(" | ")}`,
        );
        const open = `DATA:50:${ourStream}`;
        const ourOpen = packets.find((p) => p.dir === "out" && has(p, open));
        expect(ourOpen).toBeDefined();
        const echoIn = packets.findIndex((p) => p.dir === "in" && has(p, "COOKIE-ECHO"));
        if (echoIn >= 0) {
          // We answer the COOKIE-ECHO: the association is up as we send COOKIE-ACK, and the OPEN rides with it.
          expect(has(ourOpen, "COOKIE-ACK")).toBe(true);
        } else {
          // We sent the COOKIE-ECHO: DATA waits for ESTABLISHED (no bundling with COOKIE-ECHO,
          // see the README), then the OPEN is in the first packet after the COOKIE-ACK.
          const ackIn = packets.findIndex((p) => p.dir === "in" && has(p, "COOKIE-ACK"));
          expect(ackIn).toBeGreaterThanOrEqual(0);
          expect(packets.slice(ackIn).find((p) => p.dir === "out")).toBe(ourOpen);
        }
        // What Chromium 156 does, for the record (not ours to assert): its COOKIE-ECHO carries no
        // DATA and its DATA_CHANNEL_OPEN follows our COOKIE-ACK.
        if (echoIn >= 0) expect(packets[echoIn]!.chunks).toEqual(["COOKIE-ECHO"]);
      });
  },
);
