import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER } from "@purertc/socket/testing";
import { IceAgent, type IceAgentOptions } from "../index.js";
import { signal } from "./pair.test-helper.js";

export const loopback = { loopback: "only", ipv6: false } as const;

/**
 * a (controlling) and b (controlled) on loopback, where a also knows a
 * better-ranked remote candidate of b that never answers (a socket that
 * reads nothing): a waits `nominationTimeoutMs` for it before nominating the
 * pair that works, so there is a window with valid pairs and no selection.
 * With a long `nominationTimeoutMs`, a nominates only once its checks of the
 * silent candidate give up (about 8 s with the default retransmissions): a
 * controlling peer that never nominates, as far as a shorter test can tell.
 * It is a real configuration: no real peer at hand omits nomination (aioice
 * 0.8 nominates aggressively, or regularly when the remote is lite).
 */
export async function slowNomination(a: IceAgentOptions, b: IceAgentOptions = {}) {
  const silent = await SocketRegistry.default.open(TEST_OWNER, { label: "silent", address: "127.0.0.1" });
  const agentA = new IceAgent({ role: "controlling", ...loopback, ...a });
  const agentB = new IceAgent({ role: "controlled", ...loopback, ...b });
  await Promise.all([agentA.gather(), agentB.gather()]);
  const real = agentB.localCandidates[0]!;
  agentA.addRemoteCandidate({
    ...real,
    foundation: "9999",
    port: silent.address().port,
    priority: real.priority + 1,
  });
  signal(agentA, agentB);
  agentA.start();
  agentB.start();
  return {
    a: agentA,
    b: agentB,
    close: async () => {
      await agentA.close();
      await agentB.close();
      await silent.close();
    },
  };
}
