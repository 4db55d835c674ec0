import { chromiumAvailable } from "@purertc/interop/chromium";
import { inPage, pageUntil } from "@purertc/interop/chromium-page";
import { netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";
import { chromiumAndFixture, exchangeDescriptions } from "./chromium-and-fixture.test-helper.js";
import { type DeliveryShare, deliveryShare } from "./delivery-share.test-helper.js";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();

/** Chromium's field trial for dcsctp's enable_message_interleaving (I-DATA, RFC 8260). */
const TRIAL = "--force-fieldtrials=WebRTC-DataChannelMessageInterleaving/Enabled/";

/** What the page reports for a channel when RTCDataChannel has no priority attribute. */
const NO_ATTRIBUTE = "(no priority attribute)";

/** Messages per channel in each race, and their size: 4 MiB a channel. */
const COUNT = 256;
const SIZE = 16 * 1024;
const TOTAL = COUNT * SIZE;

/**
 * The fixture drops every packet of ours carrying the first TSN of our 1500th
 * DATA packet (about 100 high messages into our race, inside the stretch the
 * share is measured over), its retransmissions too, while 4000 more go out,
 * so until after our high channel's queue is empty (at about the 4000th of
 * some 7200). That is the loss a loaded CI machine gave (Chromium's socket
 * dropping a burst), in every run, and counted in packets, so as long on a
 * slow machine. On ordered channels it holds the high channel's delivery back
 * while the very-low one is delivered on (share 0.82–0.84 seen, loaded too).
 */
const HOLD = "1500,4000";

/** Our two backlogged channels. */
const OURS = { high: "bulk-p-high", low: "bulk-p-vl" };

/**
 * In the page: one RTCPeerConnection (globalThis.pc), every channel by label
 * (globalThis.dcs), bytes each received (globalThis.got), the label of every
 * message of ours in the order Chromium delivered them (globalThis.order), and
 * Chromium's two channels, "bulk-c-high" (high) and "bulk-c-vl" (very-low).
 */
const PAGE_SETUP = `(() => {
  const pc = new RTCPeerConnection();
  globalThis.pc = pc;
  globalThis.dcs = {};
  globalThis.got = {};
  globalThis.order = [];
  globalThis.track = (c) => {
    c.binaryType = "arraybuffer";
    dcs[c.label] = c;
    got[c.label] = 0;
    c.onmessage = (e) => {
      got[c.label] += e.data.byteLength;
      if (c.label.startsWith("bulk-p-")) order.push(c.label);
    };
  };
  pc.ondatachannel = (e) => track(e.channel);
  track(pc.createDataChannel("bulk-c-high", { priority: "high" }));
  track(pc.createDataChannel("bulk-c-vl", { priority: "very-low" }));
})()`;

interface Result {
  interleaving: unknown;
  /** What each side's channels say their priority is (the other side's OPEN, mapped). */
  atPurertc: Record<string, unknown>;
  atChromium: Record<string, unknown>;
  /** Sender side: bytes the very-low channel had handed over when the high one's queue emptied. */
  ourLowSent: number;
  /** Which of Chromium's two backlogged channels completed first at purertc. */
  chromiumFirstComplete: string;
  /** Chunks of ours the association sent again (both races). */
  retransmissions: number;
  /** The TSN of ours the fixture held back, how many packets with it it dropped, and for how long. */
  held: { tsn: unknown; dropped: unknown; ms: unknown };
  /** Receiver side: our very-low channel's messages per high one Chromium delivered in the middle half of the high one's. */
  chromiumShare: DeliveryShare;
  /** Very-low bytes purertc had received when Chromium's high channel was complete there. */
  purertcGotLow: number;
  /** Very-low bytes purertc had received when Chromium's high channel had half its bytes there. */
  purertcLowAtHalf: number;
}

/**
 * Chromium offers "bulk-c-high" (high) and "bulk-c-vl" (very-low); purertc
 * answers and opens "bulk-p-high" (high), "bulk-p-vl" (very-low), both
 * unordered, and "p-medium" (medium). Each side then queues 4 MiB on its high
 * and very-low channels in turns, and we see what share the very-low one got
 * while both were backlogged.
 */
async function race(trial: boolean): Promise<Result> {
  await using peers = await chromiumAndFixture(
    trial ? "pri1" : "pri0",
    ["--answer", "--hold-data", HOLD],
    trial ? [TRIAL] : [],
  );
  const { page, child } = peers;
  let stop: (() => Promise<void>) | undefined;
  try {
    await page.evaluate(PAGE_SETUP);
    stop = await exchangeDescriptions(page, child, false);
    const high = await child.next((e) => e.event === "datachannel" && e.label === "bulk-c-high", 30_000);
    const vl = await child.next((e) => e.event === "datachannel" && e.label === "bulk-c-vl", 10_000);
    // Unordered, so that a lost fragment holds back its own message only (delivery-share.test-helper.ts).
    for (const [label, init] of [
      ["bulk-p-high", { priority: "high", ordered: false }],
      ["bulk-p-vl", { priority: "very-low", ordered: false }],
      ["p-medium", { priority: "medium" }],
    ] as const)
      child.send({ cmd: "create", label, init });
    await pageUntil(
      page,
      `["bulk-p-high", "bulk-p-vl", "p-medium"].every((l) => dcs[l]?.readyState === "open")`,
    );
    await pageUntil(
      page,
      `dcs["bulk-c-high"].readyState === "open" && dcs["bulk-c-vl"].readyState === "open"`,
    );
    const atChromium = await inPage<Record<string, unknown>>(
      page,
      `return Object.fromEntries(Object.values(dcs).map((c) => [c.label, c.priority ?? "${NO_ATTRIBUTE}"]));`,
    );

    // purertc → Chromium.
    child.send({ cmd: "race", labels: ["bulk-p-high", "bulk-p-vl"], count: COUNT, size: SIZE });
    const ours = await child.next((e) => e.event === "race", 30_000);
    await pageUntil(page, `got["bulk-p-high"] === ${TOTAL} && got["bulk-p-vl"] === ${TOTAL}`, 60_000);
    const order = await inPage<string[]>(page, "return order;");
    const held = await child.next((e) => e.event === "held", 10_000);

    // Chromium → purertc, on the channels purertc opened: does Chromium weigh its
    // streams by the priority in our DATA_CHANNEL_OPEN? Counted at purertc when
    // the first channel is complete (its own bufferedAmount empties at once
    // into dcsctp's queue, so the page cannot count at the sender).
    for (const label of ["bulk-p-high", "bulk-p-vl"]) child.send({ cmd: "expect", label, total: TOTAL });
    await inPage(
      page,
      `const [h, l] = [dcs["bulk-p-high"], dcs["bulk-p-vl"]];
       const m = new Uint8Array(${SIZE});
       for (let i = 0; i < ${COUNT}; i++) { l.send(m); h.send(m); }`,
    );
    const theirsHalf = await child.next((e) => e.event === "bulk-half", 60_000);
    const theirsFirst = await child.next((e) => e.event === "bulk-done", 60_000);
    await child.next((e) => e.event === "bulk-done" && e.label !== theirsFirst.label, 60_000);
    child.send({ cmd: "sctp" });
    const { interleaving, retransmissions } = await child.next((e) => e.event === "sctp");
    const sent = ours.sent as Record<string, number>;
    return {
      interleaving,
      retransmissions: Number(retransmissions ?? 0),
      held: { tsn: held.tsn, dropped: held.dropped, ms: held.ms },
      atPurertc: { "bulk-c-high": high.priority, "bulk-c-vl": vl.priority },
      atChromium,
      ourLowSent: sent["bulk-p-vl"]!,
      chromiumShare: deliveryShare(order, OURS, COUNT / 4, (3 * COUNT) / 4),
      chromiumFirstComplete: String(theirsFirst.label),
      purertcGotLow: (theirsFirst.all as Record<string, number>)["bulk-p-vl"]!,
      purertcLowAtHalf:
        theirsHalf.label === "bulk-p-high" ? (theirsHalf.all as Record<string, number>)["bulk-p-vl"]! : TOTAL,
    };
  } finally {
    await stop?.();
  }
}

describe.skipIf(!netns.available || !chromium)("headless Chromium data channel priorities", () => {
  for (const trial of [false, true])
    it(`${trial ? "with" : "without"} I-DATA: DCEP priorities cross both ways; our high channel's backlog gets 8 times our very-low one's share${trial ? ", and Chromium weighs by our OPEN's priority too" : ""}`, {
      timeout: 120_000,
    }, async () => {
      const r = await race(trial);
      console.log(`Chromium ${trial ? `with ${TRIAL}` : "without the trial"}: ${JSON.stringify(r)}`);
      expect(r.interleaving).toBe(trial);
      // Chromium 156 has no RTCDataChannel.priority and ignores RTCDataChannelInit.priority
      // (even with --enable-blink-features=RTCDataChannelPriority): its OPEN says "low"
      // (256) for every channel, and that is what ours report. Should it start to
      // expose the attribute, the two must agree, and ours must reach it.
      for (const label of ["bulk-c-high", "bulk-c-vl"] as const) {
        const theirs = r.atChromium[label];
        expect(r.atPurertc[label]).toBe(theirs === NO_ATTRIBUTE ? "low" : theirs);
      }
      if (r.atChromium["p-medium"] !== NO_ATTRIBUTE)
        expect(r.atChromium).toMatchObject({
          "bulk-p-high": "high",
          "bulk-p-vl": "very-low",
          "p-medium": "medium",
        });
      // Ours, counted where the scheduler works: 1024 : 128 within a couple of messages.
      expect(TOTAL / r.ourLowSent).toBeGreaterThan(6.5);
      expect(TOTAL / r.ourLowSent).toBeLessThan(10);
      // At a real receiver, whatever the loss: of our messages Chromium delivered while our high
      // channel's count went from a quarter to three quarters, the very-low one's number 128 per
      // 1024 high ones by the weights (a stream's share is counted per fragment with I-DATA, per
      // message without; all are 16 KiB), where equal weights give 1 and a strict priority 0.
      // The channels are unordered, so a retransmission holds back only its own message (see
      // delivery-share.test-helper.ts; on ordered ones a dropped high fragment held the high
      // channel back while the very-low one had the window: 2.1 of 4 MiB by the high one's half).
      // Every run has such a loss (HOLD): the share is checked with it.
      expect(r.held.dropped).toBeGreaterThan(0);
      expect(r.chromiumShare.share).toBeGreaterThan(1 / 16);
      expect(r.chromiumShare.share).toBeLessThan(1 / 4);
      if (!trial) return;
      // dcsctp weighs the streams by the priority of OUR DATA_CHANNEL_OPEN (1024 and 128):
      // the high one completes first at purertc, and when half of it is there the very-low
      // one has about a sixteenth (an eighth at the end in quiet runs: counted at half, as once
      // the high queue is empty the very-low one has the whole window). The channels being
      // unordered, a fragment our socket dropped holds back its own message only.
      expect(r.chromiumFirstComplete).toBe("bulk-p-high");
      expect(r.purertcLowAtHalf).toBeLessThan(TOTAL / 3);
      expect(r.purertcGotLow).toBeLessThan(TOTAL);
    });
});
