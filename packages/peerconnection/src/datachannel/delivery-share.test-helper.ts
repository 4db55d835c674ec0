/**
 * A receiver-side measure of a weighted stream scheduler, read from the order
 * in which a receiver delivered the equal-sized messages of two backlogged
 * channels, a "high" and a "low" one.
 *
 * The channels must be unordered: then a lost fragment holds back only its
 * own message until its retransmission, and every later message of the same
 * channel is delivered meanwhile, so the delivery order follows the order the
 * sender's scheduler sent them in to within the few messages being resent. On
 * an ordered channel one lost fragment holds back everything after it while
 * the other channel keeps being delivered: what the receiver then sees is the
 * loss, not the weights.
 * @module
 */

/** Messages of each channel a receiver delivered within a stretch of its delivery order. */
export interface DeliveryShare {
  /** High-channel messages in the stretch. */
  readonly high: number;
  /** Low-channel messages in the stretch. */
  readonly low: number;
  /** low / high: the low channel's weight over the high one's, where a weighted fair queue is honoured. */
  readonly share: number;
}

/**
 * Counts the low channel's messages delivered while the high channel's count
 * went from `from` to `to` messages (`order`: the label of every message of
 * the two, in delivery order). Measure in the middle of the race, not from
 * its start (both queues' first messages go out before the weights tell) nor
 * to its end (once the high channel's queue is empty at the sender, the low
 * one has the whole window). A high channel that never reached `to` gives
 * share Infinity, which no bound accepts.
 */
export function deliveryShare(
  order: readonly string[],
  labels: { high: string; low: string },
  from: number,
  to: number,
): DeliveryShare {
  let high = 0;
  let lowAtFrom: number | undefined;
  let low = 0;
  for (const label of order) {
    if (label === labels.low) low++;
    else if (label === labels.high) {
      high++;
      if (high === from) lowAtFrom = low;
      if (high === to) {
        const inStretch = low - (lowAtFrom ?? 0);
        return { high: to - from, low: inStretch, share: inStretch / (to - from) };
      }
    }
  }
  return { high: Math.max(0, high - from), low: low - (lowAtFrom ?? low), share: Number.POSITIVE_INFINITY };
}
