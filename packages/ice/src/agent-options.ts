import type { ConsentOptions } from "./consent.js";
import { generateCredentials, type IceCredentials, validateCredentials } from "./credentials.js";
import { IceError } from "./errors.js";
import type { CandidateGatherer } from "./gather/index.js";
import { createMdnsProvider, type MdnsProvider } from "./gather/mdns.js";
import { SrflxGatherer } from "./gather/srflx.js";
import type { UdpMux } from "./mux/udp-mux.js";
import type { IceAgentOptions } from "./options.js";
import type { SessionGatherOptions } from "./session-gather.js";
import type { SessionTiming } from "./session-state.js";

/**
 * What an {@link IceAgent} derives from its options: checks of the
 * combination, the mDNS provider, session timing, the gathering plan (the
 * ICE-lite restrictions included) and consent timing.
 */

/** @throws IceError `ERR_STATE` for options that exclude each other. */
export function checkAgentOptions(options: IceAgentOptions): void {
  if (options.lite && options.relayOnly) {
    throw new IceError(
      "ERR_STATE",
      "an ICE-lite agent has host candidates only: lite and relayOnly exclude each other",
    );
  }
}

/**
 * The local ufrag and pwd of a generation: `given` once validated, else new random ones.
 * @throws IceError `ERR_CREDENTIALS` for invalid ones.
 */
export function localCredentials(given: IceCredentials | undefined): IceCredentials {
  return given ? validateCredentials(given) : generateCredentials();
}

/** The mDNS provider of the agent, and whether the agent made it (and so closes it). */
export function agentMdns(options: IceAgentOptions): { mdns: MdnsProvider | undefined; owns: boolean } {
  const mdns = options.mdns;
  if (mdns && typeof mdns === "object" && "publish" in mdns) return { mdns, owns: false };
  const made = mdns ? createMdnsProvider(mdns === true ? {} : mdns) : undefined;
  return { mdns: made, owns: made !== undefined };
}

/** Check pacing and retransmission of each session, defaults filled in. */
export function sessionTiming(o: IceAgentOptions): SessionTiming {
  const check = { rto: 200, maxRto: 1600, attempts: 7, ...o.checkRetransmit };
  const server = { rto: 250, maxRto: 1000, attempts: 4, ...o.serverRetransmit };
  return { ta: o.ta ?? 50, check, server, nominationTimeoutMs: o.nominationTimeoutMs ?? 300 };
}

/** Timing of the never-gathered session a closed agent keeps for its getters. */
export const CLOSED_TIMING: SessionTiming = {
  ta: 50,
  check: { rto: 200, maxRto: 1600, attempts: 1 },
  server: { rto: 250, maxRto: 1000, attempts: 1 },
  nominationTimeoutMs: 300,
};

/** What a session gathers: host candidates, then srflx and the other gatherers unless ICE-lite. */
export function gatherPlan(
  options: IceAgentOptions,
  udpMux: UdpMux[] | undefined,
  mdns: MdnsProvider | undefined,
): SessionGatherOptions {
  const gatherers: CandidateGatherer[] = [];
  if (options.stunServers?.length && !options.lite) {
    gatherers.push(new SrflxGatherer(options.stunServers, options.keepRedundantCandidates ?? false));
  }
  // ICE-lite: host candidates only (RFC 8445 §5.1.1).
  if (!options.lite) gatherers.push(...(options.gatherers ?? []));
  return {
    loopback: options.loopback,
    addresses: options.addresses,
    ipv4: options.ipv4,
    ipv6: options.ipv6,
    hostCandidates: !options.relayOnly && options.udp !== false,
    tcp: options.relayOnly ? undefined : options.tcp,
    udpMux,
    gatherers,
    mdnsName: mdns ? (address, signal) => mdns.publish(address, signal) : undefined,
  };
}

/** Consent freshness timing (RFC 7675), defaults filled in. */
export function consentTiming(options: IceAgentOptions): ConsentOptions {
  const { consentIntervalMs = 5000, consentTimeoutMs = 30000, disconnectedTimeoutMs = 10000 } = options;
  return {
    intervalMs: consentIntervalMs,
    timeoutMs: consentTimeoutMs,
    disconnectedMs: disconnectedTimeoutMs,
  };
}
