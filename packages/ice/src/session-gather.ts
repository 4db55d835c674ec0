import type { Closer } from "@purertc/socket";
import { StunError } from "@purertc/stun";
import { candidateFoundation, candidatePriority } from "./candidate.js";
import type { IceError } from "./errors.js";
import type { CandidateBase } from "./gather/base.js";
import { hostAddresses, localPreference, openHostBases } from "./gather/host.js";
import type { CandidateGatherer, GatherContext } from "./gather/index.js";
import type { UdpMux } from "./mux/udp-mux.js";
import type { SessionState } from "./session-state.js";
import { type IceTcpOptions, openTcpBases, tcpLocalPreference } from "./tcp/gather.js";

/** What gathering is asked to do (a subset of the agent options). */
export interface SessionGatherOptions {
  loopback?: boolean | "only" | undefined;
  addresses?: string[] | undefined;
  ipv4?: boolean | undefined;
  ipv6?: boolean | undefined;
  /** Announce host candidates (false for relay-only). */
  hostCandidates: boolean;
  gatherers: CandidateGatherer[];
  /** Host candidates on these shared sockets instead of a socket of our own per address. */
  udpMux?: UdpMux[] | undefined;
  /** TCP host candidates (RFC 6544), when asked for. */
  tcp?: IceTcpOptions | undefined;
  /** Turns a host IP into an mDNS name (published), when mDNS is on. */
  mdnsName?: ((address: string, signal: AbortSignal) => Promise<string>) | undefined;
}

type OpenedBase = { address: string; base: CandidateBase; index: number };
type HostBase = { base: CandidateBase; localPreference: number };

/**
 * Gathers the candidates of one session: host bases (own sockets or routes on
 * shared UdpMux sockets) and their candidates, then the other gatherers.
 * Returns early once `gathering` closes or the session does; the caller looks
 * at both before it calls gathering complete. An AbortSignal is made (from
 * `gathering`) only for what takes one: mDNS, TCP, other gatherers.
 */
export async function gatherCandidates(
  s: SessionState,
  options: SessionGatherOptions,
  gathering: Closer,
): Promise<void> {
  const opened =
    options.udpMux && options.udpMux.length > 0
      ? options.hostCandidates
        ? attachMuxes(s, options.udpMux)
        : []
      : await openHostBases(
          s.host.registry,
          s,
          options.hostCandidates ? hostAddresses(options) : [],
          // No signal: a UDP bind takes a tick, and what it opens after a stop is closed just below.
          undefined,
          () => {},
        );
  if (gathering.closed || s.closed) {
    await Promise.all(opened.map((o) => o.base.close()));
    return;
  }
  const hostBases: HostBase[] = [];
  const names = new Map<string, string>();
  const nameOf = async (address: string): Promise<string> => {
    let name = names.get(address);
    if (name !== undefined || !options.mdnsName) return name ?? address;
    try {
      name = await options.mdnsName(address, gathering.signal);
    } catch {
      name = address; // Not published (mDNS unusable): the candidate keeps its IP.
    }
    names.set(address, name);
    return name;
  };
  // A wildcard mux gives one base (route) and a candidate per announced address.
  for (const base of new Set(opened.map((o) => o.base))) s.addBase(base);
  for (const { address, base, index } of opened) {
    const pref = localPreference(index);
    if (!hostBases.some((h) => h.base === base)) hostBases.push({ base, localPreference: pref });
    const name = await nameOf(address);
    if (gathering.closed) return;
    s.addLocalCandidate(
      {
        foundation: candidateFoundation("host", address),
        component: s.component,
        transport: "udp",
        priority: candidatePriority("host", pref, s.component),
        address: name,
        port: base.port,
        type: "host",
        extensions: [],
      },
      base,
    );
  }
  if (options.tcp && (options.tcp.passive || options.tcp.active)) {
    await gatherTcp(s, options, options.tcp, gathering, nameOf);
    if (gathering.closed || s.closed) return;
  }
  await Promise.all(
    options.gatherers.map((g) =>
      g.gather(gatherContext(s, gathering, hostBases)).catch((error: unknown) => {
        if (gathering.closed) return;
        const errorText = (error as Error)?.message ?? String(error);
        s.host.onCandidateError({ address: "", port: 0, url: g.name, errorCode: 701, errorText });
      }),
    ),
  );
}

/** TCP host candidates (RFC 6544 §4): passive ones on listeners, active ones with port 9. */
async function gatherTcp(
  s: SessionState,
  options: SessionGatherOptions,
  tcp: IceTcpOptions,
  gathering: Closer,
  nameOf: (address: string) => Promise<string>,
): Promise<void> {
  const opened = await openTcpBases(s, hostAddresses(options), tcp, gathering.signal);
  if (gathering.closed || s.closed) {
    await Promise.all(opened.map((o) => o.base.close()));
    return;
  }
  for (const { base } of opened) s.addBase(base);
  for (const { address, base, index } of opened) {
    const name = await nameOf(address);
    if (gathering.closed) return;
    s.addLocalCandidate(
      {
        foundation: candidateFoundation("host", address, "", "tcp"),
        component: s.component,
        transport: "tcp",
        priority: candidatePriority("host", tcpLocalPreference(base.tcpType, index), s.component),
        address: name,
        port: base.port,
        type: "host",
        tcpType: base.tcpType,
        extensions: [],
      },
      base,
    );
  }
}

/**
 * One route per mux under our ufrag, with a host candidate per address the
 * mux announces; a closed mux fails the agent with its error.
 */
function attachMuxes(s: SessionState, muxes: UdpMux[]): OpenedBase[] {
  const out: OpenedBase[] = [];
  for (const mux of muxes) {
    try {
      const base = mux.attach(s.local.ufrag, (error) => s.host.onTransportLost(error));
      for (const address of mux.addresses) out.push({ address, base, index: out.length });
    } catch (error) {
      s.host.onTransportLost(error as IceError);
    }
  }
  return out;
}

function gatherContext(s: SessionState, gathering: Closer, hostBases: HostBase[]): GatherContext {
  return {
    get signal() {
      return gathering.signal;
    },
    registry: s.host.registry,
    owner: s,
    component: s.component,
    ufrag: s.local.ufrag,
    hostBases,
    addBase: (base) => {
      if (s.closed) void base.close();
      else s.addBase(base);
    },
    addCandidate: (candidate, base) => {
      if (!gathering.closed) s.addLocalCandidate(candidate, base);
    },
    reportError: (error) => {
      if (!gathering.closed) s.host.onCandidateError(error);
    },
    stunRequest: async (base, address, port, transactionId, bytes) => {
      const { result } = s.request(base, bytes, transactionId, { address, port }, s.timing.server);
      const { response, remote } = await result;
      if (remote.address !== address || remote.port !== port) {
        throw new StunError("ERR_TIMEOUT", "the answer came from another address");
      }
      return response;
    },
  };
}
