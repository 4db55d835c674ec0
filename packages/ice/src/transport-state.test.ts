import { describe, expect, it } from "vitest";
import type { EarlyState } from "./early-pair.js";
import type { IceSession } from "./session.js";
import { type TransportFacts, transportState } from "./transport-state.js";

/**
 * The facts of a started agent with nothing selected, in one generation
 * whose checklist has a succeeded pair and, when `pending`, a pair still to
 * check. The session is the part `transportState` reads (the two-agent
 * tests in early-consent.test.ts reach these states over real sockets).
 */
function facts(
  early: EarlyState | undefined,
  opts: { pending?: boolean; remoteEnded?: boolean; nominating?: boolean } = {},
) {
  const session = {
    remoteKey: {},
    remoteEnded: opts.remoteEnded ?? true,
    gatheringState: "complete",
    pendingResolves: 0,
    localCandidates: [],
    remoteCandidates: [{}],
    checklist: {
      all: [{ state: "succeeded", nominating: opts.nominating ?? false }],
      pending: opts.pending ?? false,
      size: 1,
    },
  } as unknown as IceSession;
  return {
    closing: false,
    lost: false,
    started: true,
    session,
    selectedSession: undefined,
    early,
    consentState: "fresh",
    assumeRemoteEnded: () => false,
  } satisfies TransportFacts;
}

describe("transport state before nomination (RFC 8445 §12.1, RFC 7675)", () => {
  it("follows the consent of the valid pair data goes on, as for a selected pair", () => {
    expect(transportState(facts("fresh"))).toBe("connected");
    expect(transportState(facts("stale"))).toBe("disconnected");
    expect(transportState(facts("lost"))).toBe("failed");
  });

  it("consent lost while other pairs are checked or candidates may come: disconnected (failed is final), then failed", () => {
    expect(transportState(facts("lost", { pending: true }))).toBe("disconnected");
    expect(transportState(facts("lost", { remoteEnded: false }))).toBe("disconnected");
    expect(transportState(facts("lost"))).toBe("failed");
  });

  it("a pair that failed a check: disconnected while pairs are checked or candidates may come, then failed", () => {
    expect(transportState(facts("gone", { pending: true }))).toBe("disconnected");
    expect(transportState(facts("gone", { remoteEnded: false }))).toBe("disconnected");
    expect(transportState(facts("gone"))).toBe("failed");
  });

  it("a nomination in flight on a valid pair may still select it: disconnected, not failed (failed is terminal)", () => {
    expect(transportState(facts("lost", { nominating: true }))).toBe("disconnected");
    expect(transportState(facts("gone", { nominating: true }))).toBe("disconnected");
  });

  it("no pair has carried data yet: checking (a succeeded pair too old to use is not a failure)", () => {
    expect(transportState(facts(undefined))).toBe("checking");
  });
});
