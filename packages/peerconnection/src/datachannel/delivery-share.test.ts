import { describe, expect, it } from "vitest";
import { deliveryShare } from "./delivery-share.test-helper.js";

const LABELS = { high: "h", low: "l" };

/** The order a weighted fair queue sends 256 + 256 equal messages in, `per` high ones per low one while both are backlogged. */
function sent(per: number): string[] {
  const order: string[] = [];
  let high = 0;
  let low = 0;
  while (high < 256 || low < 256) {
    for (let i = 0; i < per && high < 256; i++, high++) order.push("h");
    if (low < 256) {
      order.push("l");
      low++;
    }
  }
  return order;
}

/** The high message at `at` (its index among the high ones) delivered last: a retransmission on an unordered channel. */
function heldUnordered(order: readonly string[], at: number): string[] {
  let seen = -1;
  const index = order.findIndex((label) => label === "h" && ++seen === at);
  return [...order.slice(0, index), ...order.slice(index + 1), "h"];
}

/** Every high message from `at` on delivered last: the same retransmission on an ordered channel. */
function heldOrdered(order: readonly string[], at: number): string[] {
  let seen = -1;
  const held = order.map((label) => label === "h" && ++seen >= at);
  return [...order.filter((_, i) => !held[i]), ...order.filter((_, i) => held[i])];
}

describe("deliveryShare", () => {
  it("reads the weights' ratio from the middle half of the high channel's messages", () => {
    expect(deliveryShare(sent(8), LABELS, 64, 192)).toEqual({ high: 128, low: 16, share: 1 / 8 });
    expect(deliveryShare(sent(1), LABELS, 64, 192).share).toBe(1);
  });

  it("stays at 1/8 when a high message is delivered last (unordered), and falls to 0 when all after it are (ordered)", () => {
    for (const at of [10, 70, 128, 190]) {
      const unordered = deliveryShare(heldUnordered(sent(8), at), LABELS, 64, 192).share;
      expect(Math.abs(unordered - 1 / 8)).toBeLessThanOrEqual(1 / 128);
    }
    // Ordered, held before the stretch: every low message comes before it starts; held within
    // it: all those left come inside it. Either way the loss shows, not the weights.
    expect(deliveryShare(heldOrdered(sent(8), 40), LABELS, 64, 192).share).toBe(0);
    expect(deliveryShare(heldOrdered(sent(8), 100), LABELS, 64, 192).share).toBeGreaterThan(1);
  });

  it("gives Infinity when the high channel never reaches the end of the stretch", () => {
    const order = sent(8).filter((label, i) => label === "l" || i < 500);
    expect(deliveryShare(order, LABELS, 64, 300).share).toBe(Number.POSITIVE_INFINITY);
    expect(deliveryShare([], LABELS, 64, 192).share).toBe(Number.POSITIVE_INFINITY);
  });
});
