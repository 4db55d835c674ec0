import { IceAgent } from "@purertc/ice";
import { Candidate as WeriftCandidate, Connection as WeriftConnection } from "werift";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * ICE on loopback: time from both agents starting (construction, gathering,
 * exchange of credentials and candidates, checks) to both connected, and
 * agents per second through a start–connect–close churn. Ours beside
 * werift's ICE `Connection` in the same run; both kept on 127.0.0.1 (no
 * STUN server, only loopback candidates and pairs).
 */

async function oursOnce(): Promise<number> {
  const start = performance.now();
  const a = new IceAgent({ role: "controlling", loopback: "only", ipv6: false });
  const b = new IceAgent({ role: "controlled", loopback: "only", ipv6: false });
  try {
    await Promise.all([a.gather(), b.gather()]);
    a.setRemoteCredentials(b.localCredentials);
    b.setRemoteCredentials(a.localCredentials);
    for (const c of b.localCandidates) a.addRemoteCandidate(c);
    for (const c of a.localCandidates) b.addRemoteCandidate(c);
    a.addRemoteCandidate(null);
    b.addRemoteCandidate(null);
    await Promise.all([a.connect(), b.connect()]);
    return performance.now() - start;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

function weriftAgent(controlling: boolean): WeriftConnection {
  const c = new WeriftConnection(controlling, {
    useIpv4: true,
    useIpv6: false,
    additionalHostAddresses: ["127.0.0.1"],
    // Only loopback pairs: no check ever leaves 127.0.0.1.
    filterCandidatePair: (pair) =>
      pair.remoteCandidate.host === "127.0.0.1" && pair.protocol.localCandidate?.host === "127.0.0.1",
  });
  // Without this werift asks a public STUN server (TOOLCHAIN.md).
  c.stunServer = undefined;
  return c;
}

async function weriftOnce(): Promise<number> {
  const start = performance.now();
  const a = weriftAgent(true);
  const b = weriftAgent(false);
  try {
    await Promise.all([a.gatherCandidates(), b.gatherCandidates()]);
    a.setRemoteParams({ iceLite: false, usernameFragment: b.localUsername, password: b.localPassword });
    b.setRemoteParams({ iceLite: false, usernameFragment: a.localUsername, password: a.localPassword });
    const loopbackOnly = (list: WeriftCandidate[]) => list.filter((c) => c.host === "127.0.0.1");
    for (const c of loopbackOnly(b.localCandidates))
      await a.addRemoteCandidate(WeriftCandidate.fromSdp(c.toSdp()));
    for (const c of loopbackOnly(a.localCandidates))
      await b.addRemoteCandidate(WeriftCandidate.fromSdp(c.toSdp()));
    await a.addRemoteCandidate(undefined);
    await b.addRemoteCandidate(undefined);
    await Promise.all([a.connect(), b.connect()]);
    return performance.now() - start;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function samples(fn: () => Promise<number>, n: number): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** Agents per second: pairs started, connected and closed back to back for about `ms`. */
async function churn(fn: () => Promise<number>, ms: number): Promise<number> {
  const start = performance.now();
  let agents = 0;
  for (let i = 0; i < 10_000 && performance.now() - start < ms; i++) {
    await fn();
    agents += 2;
  }
  return (agents * 1000) / (performance.now() - start);
}

export const suite: BenchSuite = {
  name: "ice",
  async run({ quick }) {
    const n = quick ? 15 : 60;
    const ours = percentiles(await samples(oursOnce, n));
    const theirs = percentiles(await samples(weriftOnce, n));
    const churnMs = quick ? 1000 : 3000;
    const oursChurn = await churn(oursOnce, churnMs);
    const weriftChurn = await churn(weriftOnce, churnMs);
    const rows: BenchRow[] = [
      {
        metric: "ICE start→connected, loopback (median)",
        unit: "ms",
        ours: ours.median,
        werift: theirs.median,
        higherIsBetter: false,
      },
      {
        metric: "ICE start→connected, loopback (p99)",
        unit: "ms",
        ours: ours.p99,
        werift: theirs.p99,
        higherIsBetter: false,
      },
      {
        metric: "ICE start–connect–close churn",
        unit: "agents/s",
        ours: oursChurn,
        werift: weriftChurn,
        higherIsBetter: true,
      },
    ];
    return rows;
  },
};
