import { describe, expect, it } from "vitest";
import { CongestionControl, RtoEstimator } from "./congestion.js";

// The arithmetic of RFC 9260 §6.3.1 (RTO) and §7.2 (cwnd, ssthresh, partial_bytes_acked), number by number.
// End to end, transfer.test.ts and sack.test.ts show what it does to a transfer under loss.

describe("RTO from measured RTT (RFC 9260 §6.3.1, RTO.Alpha 1/8, RTO.Beta 1/4)", () => {
  it("C1: RTO.Initial until DATA is measured; the handshake's round trip is not a sample", () => {
    const rto = new RtoEstimator(1000, 200, 60_000);
    expect(rto.rto).toBe(1000);
    rto.handshakeSample(30);
    expect(rto.handshakeRtt).toBe(30);
    expect(rto.srtt).toBeUndefined();
    expect(rto.rto).toBe(1000);
  });

  it("C2 then C3: SRTT = R, RTTVAR = R/2, then the smoothed updates; RTO = SRTT + 4 RTTVAR within [min, max]", () => {
    const rto = new RtoEstimator(1000, 200, 60_000);
    rto.sample(100);
    expect(rto.srtt).toBe(100);
    expect(rto.rto).toBe(300); // 100 + 4 * 50
    rto.sample(200);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
    expect(rto.srtt).toBe(112.5);
    expect(rto.rto).toBe(362.5);
    rto.sample(1); // still above RTO.Min
    expect(rto.rto).toBeGreaterThanOrEqual(200);
    const low = new RtoEstimator(1000, 200, 60_000);
    low.sample(1);
    expect(low.rto).toBe(200); // RTO.Min
  });

  it("a steady RTT keeps RTTVAR's term at 1 ms at least (clock granularity G), never RTO = SRTT", () => {
    const rto = new RtoEstimator(1000, 10, 60_000);
    for (let i = 0; i < 200; i++) rto.sample(20);
    expect(rto.srtt).toBeCloseTo(20, 6);
    expect(rto.rto).toBeCloseTo(21, 6);
  });

  it("E2: T3 doubles the RTO up to RTO.Max; an ack without a sample (Karn) drops the backoff; reset starts over", () => {
    const rto = new RtoEstimator(1000, 200, 60_000);
    rto.sample(100);
    rto.backoff();
    expect(rto.rto).toBe(600);
    for (let i = 0; i < 20; i++) rto.backoff();
    expect(rto.rto).toBe(60_000);
    rto.clearBackoff();
    expect(rto.rto).toBe(300);
    rto.reset();
    expect([rto.srtt, rto.handshakeRtt, rto.rto]).toEqual([undefined, undefined, 1000]);
    rto.clearBackoff(); // nothing measured: stays at RTO.Initial
    expect(rto.rto).toBe(1000);
  });
});

describe("congestion control (RFC 9260 §7.2)", () => {
  const MTU = 1200;

  it("§7.2.1: initial cwnd min(4 MTU, max(2 MTU, 4380)), ssthresh the peer's a_rwnd", () => {
    expect(new CongestionControl(MTU, 100_000)).toMatchObject({ cwnd: 4380, ssthresh: 100_000 });
    expect(new CongestionControl(1000, 100_000).cwnd).toBe(4000);
    expect(new CongestionControl(3000, 100_000).cwnd).toBe(6000);
  });

  it("slow start: cwnd grows by min(bytes acked, MTU) per SACK that moves the cumulative ack with cwnd in use", () => {
    const cc = new CongestionControl(MTU, 100_000);
    cc.onAck(3000, 4380, true);
    expect(cc.cwnd).toBe(4380 + MTU);
    cc.onAck(500, 5580, true);
    expect(cc.cwnd).toBe(5580 + 500);
    cc.onAck(3000, 6080, false); // only gap blocks: no growth
    cc.onAck(3000, 100, true); // application-limited: the window was not in use
    cc.onAck(0, 6080, true);
    expect(cc.cwnd).toBe(6080);
  });

  it("congestion avoidance: one MTU per cwnd of bytes acked (partial_bytes_acked), reset when all is acked", () => {
    const cc = new CongestionControl(MTU, 6000);
    cc.onAck(MTU, 4380, true);
    cc.onAck(MTU, 5580, true);
    expect(cc.cwnd).toBe(6780); // now above ssthresh
    cc.onAck(3000, 6780, true);
    expect(cc.cwnd).toBe(6780); // partial_bytes_acked 3000 < cwnd
    cc.onAck(4000, 6780, true);
    expect(cc.cwnd).toBe(7980); // 7000 ≥ 6780: +MTU, 220 carried over
    cc.onAck(7800, 7980, true); // 220 + 7800 ≥ 7980
    expect(cc.cwnd).toBe(7980 + MTU);
    // The same 220 + 7800 with everything acked in between: no growth.
    const carried = new CongestionControl(MTU, 6000);
    Object.assign(carried, { cwnd: 7980 });
    carried.onAck(220, 7980, true);
    carried.onAllAcked(); // §7.2.2: partial_bytes_acked = 0
    carried.onAck(7800, 7980, true);
    expect(carried.cwnd).toBe(7980);
  });

  it("§7.2.4 fast retransmit: ssthresh = max(cwnd/2, 4 MTU), cwnd = ssthresh, once per recovery, no growth inside it", () => {
    const cc = new CongestionControl(MTU, 100_000);
    Object.assign(cc, { cwnd: 20_000 });
    cc.onFastRetransmit(42);
    expect(cc).toMatchObject({ ssthresh: 10_000, cwnd: 10_000, fastRecoveryExit: 42 });
    cc.onFastRetransmit(50); // still recovering: no second halving
    cc.onAck(5000, 10_000, true);
    expect(cc).toMatchObject({ ssthresh: 10_000, cwnd: 10_000, fastRecoveryExit: 42 });
    const small = new CongestionControl(MTU, 100_000);
    small.onFastRetransmit(1);
    expect(small.ssthresh).toBe(4 * MTU);
  });

  it("§7.2.3 T3-rtx: ssthresh = max(cwnd/2, 4 MTU), cwnd = 1 MTU, fast recovery over", () => {
    const cc = new CongestionControl(MTU, 100_000);
    Object.assign(cc, { cwnd: 20_000 });
    cc.onFastRetransmit(7);
    cc.onTimeout();
    expect(cc).toMatchObject({ ssthresh: 5000, cwnd: MTU, fastRecoveryExit: undefined });
    cc.onAck(MTU, MTU, true); // slow start again from one MTU
    expect(cc.cwnd).toBe(2 * MTU);
  });
});

describe("HyStart++ in the initial slow start (RFC 9406)", () => {
  const MTU = 1200;

  /**
   * Drives `cc` through rounds of ten SACKs (a round ends when the cumulative ack passes the highest
   * TSN sent when it began), each SACK acking one MTU with the window in use and the RTT `rtt(round)`.
   */
  function drive(cc: CongestionControl, rounds: number, rtt: (round: number) => number, from = { tsn: 0 }) {
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < 10; i++) {
        from.tsn += 10;
        cc.onSackRtt(rtt(r), from.tsn, from.tsn + 100);
        cc.onAck(MTU, cc.cwnd, true);
      }
    return from;
  }

  it("a steady round trip: slow start goes on (cwnd + 1 MTU a SACK)", () => {
    const cc = new CongestionControl(MTU, 10_000_000);
    drive(cc, 6, () => 1);
    expect(cc.slowStartExit.phase).toBe("slow-start");
    expect(cc.cwnd).toBe(4380 + 60 * MTU);
  });

  it("a round whose smallest RTT is 4 ms (MIN_RTT_THRESH) above the last: conservative slow start, then ssthresh = cwnd after 5 rounds", () => {
    const cc = new CongestionControl(MTU, 10_000_000);
    const at = drive(cc, 2, () => 1);
    const before = cc.cwnd;
    // Still within the threshold (1 + 4 ms is needed): slow start.
    drive(cc, 1, () => 4.9, at);
    expect(cc.slowStartExit.phase).toBe("slow-start");
    // From the 8th sample of a round at 6 ms: CSS, a quarter of the growth.
    drive(cc, 1, () => 10, at);
    expect(cc.slowStartExit.phase).toBe("css");
    const css = cc.cwnd;
    drive(cc, 1, () => 10, at);
    expect(cc.cwnd - css).toBe(10 * (MTU / 4));
    drive(cc, 4, () => 10, at);
    expect(cc.slowStartExit.phase).toBe("done");
    expect(cc.ssthresh).toBeLessThanOrEqual(cc.cwnd);
    expect(cc.cwnd).toBeGreaterThan(before);
    // Congestion avoidance now: about one MTU per cwnd acknowledged.
    const ca = cc.cwnd;
    drive(cc, 1, () => 10, at);
    expect(cc.cwnd - ca).toBeLessThanOrEqual(MTU);
  });

  it("during conservative slow start an RTT back below the baseline resumes slow start", () => {
    const cc = new CongestionControl(MTU, 10_000_000);
    const at = drive(cc, 2, () => 1);
    drive(cc, 1, () => 20, at);
    expect(cc.slowStartExit.phase).toBe("css");
    drive(cc, 1, () => 2, at);
    expect(cc.slowStartExit.phase).toBe("slow-start");
  });

  it("after a loss (or a timeout) slow start is the classic one: no HyStart++ again", () => {
    const cc = new CongestionControl(MTU, 10_000_000);
    drive(cc, 2, () => 1);
    cc.onFastRetransmit(1);
    expect(cc.slowStartExit.phase).toBe("done");
    const t3 = new CongestionControl(MTU, 10_000_000);
    t3.onTimeout();
    const at = drive(t3, 2, () => 1);
    drive(t3, 2, () => 50, at);
    expect(t3.slowStartExit.phase).toBe("done");
    expect(t3.ssthresh).toBe(4 * MTU); // §7.2.3's, not moved by a growing RTT
  });
});
