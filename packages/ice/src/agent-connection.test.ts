import { describe, expect, it } from "vitest";
import { AgentConnection } from "./agent-connection.js";
import { IceError, type IceTransportState } from "./index.js";
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
