import { IceAgent, type IceAgentOptions } from "../index.js";

/** Exchanges credentials and candidates between two agents, as signalling would. */
export function signal(a: IceAgent, b: IceAgent, endOfCandidates = true): void {
  a.setRemoteCredentials(b.localCredentials);
  b.setRemoteCredentials(a.localCredentials);
  for (const c of b.localCandidates) a.addRemoteCandidate(c);
  for (const c of a.localCandidates) b.addRemoteCandidate(c);
  if (endOfCandidates) {
    a.addRemoteCandidate(null);
    b.addRemoteCandidate(null);
  }
}

/** Two loopback agents, gathered and signalled. */
export async function connectedPair(
  options: { a?: IceAgentOptions; b?: IceAgentOptions } = {},
): Promise<[IceAgent, IceAgent]> {
  const a = new IceAgent({ role: "controlling", loopback: "only", ipv6: false, ...options.a });
  const b = new IceAgent({ role: "controlled", loopback: "only", ipv6: false, ...options.b });
  await Promise.all([a.gather(), b.gather()]);
  signal(a, b);
  await Promise.all([a.connect(), b.connect()]);
  return [a, b];
}

/** The next datagram an agent receives. */
export function nextDatagram(agent: IceAgent): Promise<Uint8Array> {
  return new Promise((resolve) => {
    agent.onDatagram = (data) => {
      agent.onDatagram = undefined;
      resolve(data);
    };
  });
}

/** Resolves when the agent reaches `state`. */
export function waitForState(agent: IceAgent, state: IceAgent["state"]): Promise<void> {
  if (agent.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (s: IceAgent["state"]) => {
      if (s !== state) return;
      agent.off("statechange", on);
      resolve();
    };
    agent.on("statechange", on);
  });
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (d: Uint8Array) => new TextDecoder().decode(d);
