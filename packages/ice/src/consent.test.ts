import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { CONSENT_LIMITS, consentTiming, IceAgent, type IceAgentOptions } from "./index.js";
import { connectedPair, nextDatagram, text, untext } from "./test/pair.test-helper.js";

/** Blocks the event loop for `ms` (a stand-in for a burst of handshakes or a long GC). */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** The bases of an agent's current generation (test access to its sockets). */
function basesOf(
  agent: IceAgent,
): Array<{ onPacket: ((d: Uint8Array, a: string, p: number) => void) | undefined }> {
  return (agent as unknown as { current: { bases: [] } }).current.bases;
}

const hex = (d: Uint8Array) => Buffer.from(d.subarray(8, 20)).toString("hex");

/**
 * The lag a server under load sees (RFC 7675 consent under a stalled event
 * loop): a consent check's last transmission is answered, and the loop
 * stalls before the answer is read, longer than the transaction's last wait
 * and longer than the whole consent timeout. In the next loop turn the
 * transaction's timer fires before the poll phase reads the answer; consent
 * must still count the answer and judge silence after the read.
 */
describe("consent freshness under event-loop lag", () => {
  it("a late authenticated answer keeps the pair connected through a stall longer than the consent timeout", async () => {
    await withLeakCheck(async () => {
      // a (the lagging side): checks every ~100 ms, transactions give up after
      // ~350 ms, disconnected after 600 ms and lost after 1200 ms of silence.
      const lagging: IceAgentOptions = {
        consentIntervalMs: 100,
        disconnectedTimeoutMs: 600,
        consentTimeoutMs: 1200,
      };
      // b shares the thread, so it stalls too; its own consent is patient.
      const patient: IceAgentOptions = { disconnectedTimeoutMs: 10_000, consentTimeoutMs: 20_000 };
      const [a, b] = await connectedPair({ a: lagging, b: patient });
      const states: string[] = [];
      a.on("statechange", (s) => states.push(s));

      // b drops a's checks until one arrives for the third (last) time; it
      // answers that one, and the loop stalls right after, with the answer
      // queued at a's socket.
      const base = basesOf(b)[0]!;
      const handler = base.onPacket!;
      const seen = new Map<string, number>();
      let stalled = false;
      const stall = new Promise<void>((resolve) => {
        base.onPacket = (data, address, port) => {
          const request = data.length >= 20 && data[0] === 0 && data[1] === 1;
          if (stalled || !request) {
            handler(data, address, port);
            return;
          }
          const id = hex(data);
          const count = (seen.get(id) ?? 0) + 1;
          seen.set(id, count);
          if (count < 3) return;
          stalled = true;
          handler(data, address, port);
          setImmediate(() => {
            busyWait(1500);
            resolve();
          });
        };
      });
      await stall;
      // A few loop turns at normal pace: the answer is read, consent judged.
      await new Promise((r) => setTimeout(r, 200));
      expect(states).toEqual([]);
      expect(["connected", "completed"]).toContain(a.state);
      const got = nextDatagram(b);
      a.send(text("still here"));
      expect(untext(await got)).toBe("still here");
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("a peer that is really gone is still failed in bounded time (late answers only count when they come)", async () => {
    await withLeakCheck(async () => {
      const timing: IceAgentOptions = {
        consentIntervalMs: 50,
        disconnectedTimeoutMs: 300,
        consentTimeoutMs: 900,
      };
      const [a, b] = await connectedPair({ a: timing, b: timing });
      const states: string[] = [];
      a.on("statechange", (s) => states.push(s));
      const t0 = performance.now();
      // b's socket goes deaf: nothing it receives is answered.
      basesOf(b)[0]!.onPacket = () => {};
      // A stall in the middle changes nothing: no answer is queued.
      setTimeout(() => busyWait(400), 100);
      await new Promise<void>((resolve) => a.on("statechange", (s) => s === "failed" && resolve()));
      const elapsed = performance.now() - t0;
      expect(states.slice(-2)).toEqual(["disconnected", "failed"]);
      // 900 ms of silence, judged every ≤ 75 ms (+ a loaded machine's slack).
      expect(elapsed).toBeGreaterThanOrEqual(850);
      expect(elapsed).toBeLessThan(5000);
      await Promise.all([a.close(), b.close()]);
    });
  });
});

describe("consent timing options", () => {
  it("defaults to RFC 7675's 5 s checks and 30 s consent (disconnected at 10 s)", () => {
    expect(consentTiming({})).toEqual({ intervalMs: 5000, timeoutMs: 30_000, disconnectedMs: 10_000 });
    expect(CONSENT_LIMITS.interval).toEqual([10, 60_000]);
  });

  it.each([
    [{ consentIntervalMs: 5 }, /consentIntervalMs must be/],
    [{ consentIntervalMs: Number.POSITIVE_INFINITY }, /consentIntervalMs must be/],
    [{ consentTimeoutMs: 10_000_000 }, /consentTimeoutMs must be/],
    [
      { consentIntervalMs: 2000, consentTimeoutMs: 1500, disconnectedTimeoutMs: 1000 },
      /longer than consentIntervalMs/,
    ],
    [{ consentTimeoutMs: 8000 }, /disconnectedTimeoutMs \(10000\) must not exceed/],
    [{ disconnectedTimeoutMs: "9" as unknown as number }, /disconnectedTimeoutMs must be/],
  ])("the agent refuses %o with IceError ERR_OPTIONS", (options, message) => {
    expect(() => new IceAgent(options)).toThrow(
      expect.objectContaining({ name: "IceError", code: "ERR_OPTIONS" }),
    );
    expect(() => consentTiming(options)).toThrow(message);
  });
});
