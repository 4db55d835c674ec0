import { describe, expect, it, vi } from "vitest";
import {
  decodeMessage,
  StunClass,
  StunError,
  StunKey,
  StunMessageBuilder,
  StunMethod,
  StunTransactionManager,
  type TransportAddress,
} from "./index.js";

const REMOTE: TransportAddress = { address: "127.0.0.1", port: 3478 };

function request() {
  return new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode({ fingerprint: true });
}

function successFor(req: Uint8Array, key?: StunKey, cls: StunClass = StunClass.SuccessResponse) {
  const m = decodeMessage(req);
  return new StunMessageBuilder(StunMethod.Binding, cls, m.transactionId)
    .xorMappedAddress({ family: "IPv4", address: "127.0.0.1", port: 40000 })
    .encode({ integrity: key, fingerprint: true });
}

async function rejection(p: Promise<unknown>): Promise<StunError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(StunError);
    return error as StunError;
  }
  throw new Error("expected a rejection");
}

describe("StunTransactionManager", () => {
  it("retransmits Rc times with doubling RTO, then times out after Rm × RTO (RFC 8489 §6.2.1)", async () => {
    const times: number[] = [];
    const manager = new StunTransactionManager({
      send: () => times.push(performance.now()),
      rto: 10,
      rc: 5,
      rm: 4,
    });
    const start = performance.now();
    const error = await rejection(manager.request(request(), REMOTE));
    const end = performance.now();
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(times.length).toBe(5);
    // Timers never fire early: each gap is at least the scheduled RTO (10, 20, 40, 80 ms).
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(10 * 2 ** i - 1);
    expect(end - times[4]!).toBeGreaterThanOrEqual(4 * 10 - 1);
    expect(end - start).toBeGreaterThanOrEqual(10 + 20 + 40 + 80 + 40 - 5);
    expect(manager.stats).toMatchObject({ started: 1, sent: 5, retransmissions: 4, timedOut: 1 });
    expect(manager.size).toBe(0);
    manager.close();
  });

  it("schedule with fake timers: sends at 0, 500, 1500, …, 31500 ms, fails at 39500 ms (RFC 8489 §6.2.1)", async () => {
    vi.useFakeTimers();
    try {
      const times: number[] = [];
      const manager = new StunTransactionManager({ send: () => times.push(Date.now()) });
      const start = Date.now();
      let error: StunError | undefined;
      manager.request(request(), REMOTE).catch((e: StunError) => {
        error = e;
      });
      await vi.advanceTimersByTimeAsync(39_499);
      expect(error).toBeUndefined();
      expect(times.map((t) => t - start)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
      await vi.advanceTimersByTimeAsync(1);
      expect(error?.code).toBe("ERR_TIMEOUT");

      // rtoMax caps the doubling; a reliable transport sends once and waits Ti = 39.5 s.
      times.length = 0;
      const t0 = Date.now();
      manager.request(request(), REMOTE, { rtoMax: 1000 }).catch(() => {});
      await vi.advanceTimersByTimeAsync(60_000);
      expect(times.map((t) => t - t0)).toEqual([0, 500, 1500, 2500, 3500, 4500, 5500]);
      times.length = 0;
      error = undefined;
      manager.request(request(), REMOTE, { reliable: true }).catch((e: StunError) => {
        error = e;
      });
      await vi.advanceTimersByTimeAsync(39_499);
      expect(error).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      // (A cast: TypeScript cannot see the assignment in the callback above.)
      expect((error as StunError | undefined)?.code).toBe("ERR_TIMEOUT");
      expect(times).toHaveLength(1);
      manager.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("defaults to RTO 500 ms, Rc 7, Rm 16", async () => {
    const sent: number[] = [];
    const manager = new StunTransactionManager({ send: () => sent.push(performance.now()) });
    const controller = new AbortController();
    const p = manager.request(request(), REMOTE, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.length).toBe(1); // nothing retransmitted before 500 ms
    controller.abort();
    expect((await rejection(p)).code).toBe("ERR_ABORTED");
    manager.close();
  });

  it("matches the response by transaction id and reports RTT", async () => {
    let last: Uint8Array | undefined;
    const manager = new StunTransactionManager({ send: (d) => (last = d) });
    const a = request();
    const b = request();
    const pa = manager.request(a, REMOTE);
    const pb = manager.request(b, REMOTE);
    expect(manager.size).toBe(2);
    expect(last).toBe(b);
    // Unmatched and malformed are ignored and counted.
    expect(manager.handle(successFor(request()), REMOTE)).toBe(false);
    expect(manager.handle(new Uint8Array([1, 2, 3]), REMOTE)).toBe(false);
    expect(manager.handle(a, REMOTE)).toBe(false); // a request, not a response
    expect(manager.handle(successFor(b), { address: "127.0.0.2", port: 1 })).toBe(true);
    const rb = await pb;
    expect(rb.remote).toEqual({ address: "127.0.0.2", port: 1 });
    expect(rb.response.xorMappedAddress?.port).toBe(40000);
    expect(rb.rttMs).toBeGreaterThanOrEqual(0);
    expect(rb.retransmissions).toBe(0);
    manager.handle(decodeMessage(successFor(a, undefined, StunClass.ErrorResponse)), REMOTE);
    expect((await pa).response.messageClass).toBe(StunClass.ErrorResponse);
    expect(manager.stats).toMatchObject({ unmatched: 1, malformed: 1, succeeded: 1, errorResponses: 1 });
    manager.close();
  });

  it("discards responses with a bad fingerprint or integrity, then accepts a good one", async () => {
    const manager = new StunTransactionManager({ send: () => {} });
    const key = StunKey.shortTerm("secret");
    const req = request();
    const p = manager.request(req, REMOTE, { key, requireFingerprint: true });
    const corrupted = new Uint8Array(successFor(req, key));
    corrupted[corrupted.length - 1]! ^= 1;
    expect(manager.handle(corrupted, REMOTE)).toBe(true);
    expect(manager.handle(successFor(req, StunKey.shortTerm("wrong")), REMOTE)).toBe(true);
    expect(manager.handle(successFor(req), REMOTE)).toBe(true); // no integrity at all
    expect(manager.stats.rejected).toBe(3);
    expect(manager.size).toBe(1);
    manager.handle(successFor(req, key), REMOTE);
    expect((await p).response.checkIntegrity(key)).toBe(true);
    manager.close();
  });

  it("fails on unknown comprehension-required attributes in the response", async () => {
    const manager = new StunTransactionManager({ send: () => {} });
    const req = request();
    const p = manager.request(req, REMOTE);
    const response = new StunMessageBuilder(
      StunMethod.Binding,
      StunClass.SuccessResponse,
      decodeMessage(req).transactionId,
    )
      .attribute(0x7fff, new Uint8Array(4))
      .encode();
    manager.handle(response, REMOTE);
    expect((await rejection(p)).code).toBe("ERR_UNKNOWN_ATTRIBUTES");
    manager.close();
  });

  it("overall timeoutMs, cancel(), close() and a parent signal settle everything", async () => {
    const parent = new AbortController();
    const manager = new StunTransactionManager({ send: () => {}, signal: parent.signal });
    expect((await rejection(manager.request(request(), REMOTE, { timeoutMs: 20 }))).code).toBe("ERR_TIMEOUT");
    const req = request();
    const p1 = manager.request(req, REMOTE);
    expect(manager.cancel(decodeMessage(req).transactionId)).toBe(true);
    expect((await rejection(p1)).code).toBe("ERR_ABORTED");
    const p2 = manager.request(request(), REMOTE);
    const p3 = manager.request(request(), REMOTE);
    parent.abort();
    expect((await rejection(p2)).code).toBe("ERR_CLOSED");
    expect((await rejection(p3)).code).toBe("ERR_CLOSED");
    expect(manager.closed).toBe(true);
    expect((await rejection(manager.request(request(), REMOTE))).code).toBe("ERR_CLOSED");
    manager.close();
  });

  it("refuses bad arguments and duplicate ids", async () => {
    const manager = new StunTransactionManager({ send: () => {} });
    expect((await rejection(manager.request(new Uint8Array(3), REMOTE))).code).toBe("ERR_INVALID_ARGUMENT");
    expect((await rejection(manager.request(request(), REMOTE, { rc: 0 }))).code).toBe(
      "ERR_INVALID_ARGUMENT",
    );
    const req = request();
    const p = manager.request(req, REMOTE);
    expect((await rejection(manager.request(req, REMOTE))).code).toBe("ERR_INVALID_ARGUMENT");
    manager.close();
    expect((await rejection(p)).code).toBe("ERR_CLOSED");
    expect(() => new StunTransactionManager({ send: () => {}, rto: 0 })).toThrow(StunError);
  });

  it("a send function that throws fails the transaction instead of the process", async () => {
    const manager = new StunTransactionManager({
      send: () => {
        throw new Error("socket gone");
      },
    });
    expect((await rejection(manager.request(request(), REMOTE))).message).toMatch(/socket gone/);
    manager.close();
  });
});
