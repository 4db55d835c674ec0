import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { TEST_OWNER } from "@purertc/socket/testing";
import type { Candidate, IceAgent } from "../index.js";

/** STUN Binding request and success response types (RFC 8489 §5, first two bytes). */
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

function stunType(data: Uint8Array): number {
  return data.length >= 20 ? (data[0]! << 8) | data[1]! : -1;
}

/**
 * A middlebox on loopback between a and b: each agent sees the other at one
 * of its two sockets (a at `towardB`, b at `towardA`), and every datagram is
 * forwarded, so both agents run over one real UDP path each way. Setting
 * `dropAnswersToB` loses the Binding success responses on their way to b
 * (b's checks go unanswered) while a's checks still reach b: a path that
 * loses b's consent and nothing else. `requestsToB` counts a's checks
 * forwarded to b.
 */
export async function relay(a: IceAgent, b: IceAgent) {
  const open = (label: string) => SocketRegistry.default.open(TEST_OWNER, { label, address: "127.0.0.1" });
  const [towardA, towardB] = await Promise.all([open("relay-a"), open("relay-b")]);
  const hostOf = (agent: IceAgent) =>
    agent.localCandidates.find((c) => c.type === "host" && c.transport === "udp")!;
  const realA = hostOf(a);
  const realB = hostOf(b);
  const state = { dropAnswersToB: false, requestsToB: 0 };
  const forward = (from: ManagedSocket, to: ManagedSocket, dest: Candidate, toB: boolean) => {
    from.on("message", (data) => {
      const type = stunType(data);
      if (toB && state.dropAnswersToB) {
        if (type === BINDING_SUCCESS) return;
        if (type === BINDING_REQUEST) state.requestsToB++;
      }
      if (!to.closed) to.send(data, dest.port, dest.address);
    });
  };
  // a's datagrams reach the relay at towardA and leave towardB for b; b's the other way.
  forward(towardA, towardB, realB, true);
  forward(towardB, towardA, realA, false);
  /** The candidates to signal: each agent's host candidate moved to the relay's socket facing the other. */
  const via = (c: Candidate, socket: ManagedSocket): Candidate => ({ ...c, port: socket.address().port });
  return {
    state,
    /** a's host candidate as b must see it (the relay's socket that forwards to a). */
    aForB: via(realA, towardB),
    /** b's host candidate as a must see it. */
    bForA: via(realB, towardA),
    close: async () => {
      await towardA.close();
      await towardB.close();
    },
  };
}
