import { describe, expect, it } from "vitest";
import { AgentConnection } from "./agent-connection.js";
import { type CandidatePair, IceError, type IceTransportState } from "./index.js";
import type { IceSession } from "./session.js";
import { session, sleep, valid } from "./test/early-session.test-helper.js";

/**
 * The connection of a full agent with nothing selected, over the session of
 * early-session.test-helper.ts (its consent checks counted). The two-agent
 * form of a lost transport is in mux/udp-mux.test.ts.
 */
function connection() {
  const fake = session(true);
  const states: IceTransportState[] = [];
  const conn = new AgentConnection(
    () => ({ closing: false, started: true, session: fake.s }),
    {
      emit: ((event: string, state: IceTransportState) =>
        event === "statechange" && states.push(state)) as never,
    },
    { lite: false, consent: { intervalMs: 10, timeoutMs: 1000, disconnectedMs: 500 } },
  );
  return { ...fake, conn, states };
}

/**
 * A settled generation for the transport state: candidates gathered and
 * ended on both sides, nothing left to resolve (a fake session's remaining
 * fields, as transport-state.test.ts gives them).
 */
function settled() {
  const fake = session(true);
  Object.assign(fake.s, {
    remoteKey: {},
    remoteEnded: true,
    gatheringState: "complete",
    pendingResolves: 0,
    localCandidates: [],
    remoteCandidates: [{}],
  });
  return fake;
}

describe("AgentConnection: failed is terminal until an ICE restart (W3C RTCIceTransportState)", () => {
  it("neither a later nomination nor a fresh valid pair of that generation moves failed; a new generation does", () => {
    const first = settled();
    let current: IceSession = first.s;
    const states: IceTransportState[] = [];
    const conn = new AgentConnection(
      () => ({ closing: false, started: true, session: current }),
      {
        emit: ((event: string, state: IceTransportState) =>
          event === "statechange" && states.push(state)) as never,
      },
      { lite: false, consent: { intervalMs: 5000, timeoutMs: 1000, disconnectedMs: 500 } },
    );
    const timing = { intervalMs: 5000, timeoutMs: 30_000, disconnectedMs: 10_000 };
    try {
      const [carrier, other, third] = first.pairs as [CandidatePair, CandidatePair, CandidatePair];
      valid(carrier);
      // Valid, but its last answer too old to carry data.
      valid(other, performance.now() - 2000);
      third.state = "failed";
      conn.update();
      expect(states).toEqual(["connected"]);
      expect(conn.dataPair(first.s)).toBe(carrier);
      // The pair carrying data fails its check; none other can carry data and nothing is left to check.
      carrier.state = "failed";
      conn.update();
      expect(states).toEqual(["connected", "failed"]);
      // The peer's USE-CANDIDATE on the other (still succeeded) pair, then our check on it answered.
      conn.nominated(first.s, other, timing);
      valid(other);
      conn.update();
      expect(conn.state).toBe("failed");
      expect(conn.selection.pair).toBeUndefined();
      expect(conn.dataPair(first.s)).toBeUndefined();
      expect(states).toEqual(["connected", "failed"]);
      // An ICE restart: the new generation's valid pair carries data.
      conn.restarted();
      const second = settled();
      current = second.s;
      valid(second.pairs[0]!);
      conn.update();
      expect(states).toEqual(["connected", "failed", "connected"]);
      expect(conn.dataPair(second.s)).toBe(second.pairs[0]);
    } finally {
      conn.close();
    }
  });
});

describe("AgentConnection before nomination", () => {
  it("a valid pair carries data, with consent checks on it", async () => {
    const { conn, pairs, checks, states, s } = connection();
    valid(pairs[0]!);
    conn.update();
    expect(states).toEqual(["connected"]);
    expect(conn.dataPair(s)).toBe(pairs[0]);
    await sleep(60);
    expect(checks()).toBeGreaterThan(0);
    conn.close();
  });

  it("the peer's datagram moving data to a pair with stale consent moves the state at once", () => {
    const { conn, pairs, states, s } = connection();
    valid(pairs[0]!);
    // Valid, its last answer older than the disconnected timeout (500 ms).
    valid(pairs[1]!, performance.now() - 600);
    conn.update();
    expect(conn.dataPair(s)).toBe(pairs[0]);
    conn.received(s, pairs[1]!);
    expect(conn.dataPair(s)).toBe(pairs[1]);
    expect(states).toEqual(["connected", "disconnected"]);
    conn.close();
  });

  it("once its transport is lost, no pair is taken again and no consent check is sent", async () => {
    const { conn, pairs, checks, states, s } = connection();
    conn.transportLost(new IceError("ERR_CLOSED", "the UdpMux was closed"));
    expect(states).toEqual(["failed"]);
    // A check answered after the loss (it was in flight) and anything that looks at the state again.
    valid(pairs[0]!);
    conn.update();
    conn.received(s, pairs[0]!);
    conn.update();
    expect(conn.dataPair(s)).toBeUndefined();
    await sleep(60);
    expect(checks()).toBe(0);
    expect(conn.state).toBe("failed");
    conn.close();
  });
});
