import { SocketRegistry, startTimer } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent, type IceAgentOptions } from "./index.js";
import { text, waitForState } from "./test/pair.test-helper.js";
import { relay } from "./test/relay.test-helper.js";
import { loopback } from "./test/slow-nomination.test-helper.js";

/** Consent on both agents, fast: checks every 20 ms, `disconnected` after 300 ms, lost after 800 ms. */
const FAST_CONSENT = {
  consentIntervalMs: 20,
  disconnectedTimeoutMs: 300,
  consentTimeoutMs: 800,
} satisfies IceAgentOptions;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles within `ms`; the timer is cleared either way (no pending timer for the leak check). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let cancel = () => {};
  const timeout = new Promise<boolean>((resolve) => {
    cancel = startTimer(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    cancel();
  }
}

/**
 * a (controlling, never nominating within a test: a better-ranked remote
 * candidate that never answers holds nomination back a minute) and b
 * (controlled), each reaching the other through {@link relay}.
 */
async function agentsViaRelay() {
  const silent = await SocketRegistry.default.open(TEST_OWNER, { label: "silent", address: "127.0.0.1" });
  // a's own consent is not under test: a long disconnected timeout keeps it `connected` through a stall.
  const a = new IceAgent({
    role: "controlling",
    ...loopback,
    nominationTimeoutMs: 60_000,
    ...FAST_CONSENT,
    disconnectedTimeoutMs: 10_000,
    consentTimeoutMs: 30_000,
  });
  const b = new IceAgent({ role: "controlled", ...loopback, ...FAST_CONSENT });
  await Promise.all([a.gather(), b.gather()]);
  const path = await relay(a, b);
  a.setRemoteCredentials(b.localCredentials);
  b.setRemoteCredentials(a.localCredentials);
  a.addRemoteCandidate(path.bForA);
  a.addRemoteCandidate({
    ...path.bForA,
    foundation: "9999",
    port: silent.address().port,
    priority: path.bForA.priority + 1,
  });
  b.addRemoteCandidate(path.aForB);
  a.addRemoteCandidate(null);
  b.addRemoteCandidate(null);
  a.start();
  b.start();
  return {
    a,
    b,
    path,
    close: async () => {
      await a.close();
      await b.close();
      await path.close();
      await silent.close();
    },
  };
}

describe("consent lost before nomination is final until an ICE restart (RFC 7675 §5.1)", () => {
  it("the peer's checks on the pair after b lost consent on it do not bring it back: failed, no datagram sent", async () => {
    await withLeakCheck(async () => {
      const { a, b, path, close } = await agentsViaRelay();
      try {
        await waitForState(b, "connected");
        expect(b.selectedPair).toBeUndefined();
        const states: string[] = [];
        b.on("statechange", (s) => states.push(s));
        let reachedA = 0;
        a.onDatagram = () => reachedA++;
        // b's consent checks go unanswered from now on; a's own checks of b still arrive.
        path.state.dropAnswersToB = true;
        // Lost after 800 ms of silence; a's checks meanwhile are no consent (they once renewed it).
        const failed = await within(waitForState(b, "failed"), 2000);
        expect(failed).toBe(true);
        const checksBefore = path.state.requestsToB;
        await sleep(300);
        // a kept checking the pair (its consent checks, every 20 ms), and b answered them…
        expect(path.state.requestsToB - checksBefore).toBeGreaterThan(3);
        // …but b's consent on it is gone: b stays failed and sends nothing on it.
        expect(states.slice(states.indexOf("failed"))).toEqual(["failed"]);
        expect(b.state).toBe("failed");
        expect(a.state).toBe("connected");
        expect(b.dataPair).toBeUndefined();
        expect(b.getStats().pairs.map((p) => p.state)).toEqual(["failed"]);
        const dropped = b.getStats().dropped;
        b.send(text("after consent loss"));
        expect(b.getStats().dropped).toBe(dropped + 1);
        await sleep(50);
        expect(reachedA).toBe(0);
      } finally {
        await close();
      }
    });
  });
});
