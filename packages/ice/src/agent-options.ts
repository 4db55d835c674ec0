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

/**
 * @throws IceError `ERR_STATE` for options that exclude each other,
 *   `ERR_OPTIONS` for consent timing out of range (see {@link consentTiming}).
 */
export function checkAgentOptions(options: IceAgentOptions): void {
  if (options.lite && options.relayOnly) {
    throw new IceError(
      "ERR_STATE",
      "an ICE-lite agent has host candidates only: lite and relayOnly exclude each other",
    );
  }
  consentTiming(options);
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

/** Bounds of the consent timing options, ms. */
export const CONSENT_LIMITS = {
  /** `consentIntervalMs`: 10 ms (tests) to 60 s. */
  interval: [10, 60_000],
  /** `consentTimeoutMs`: above the interval, at most 10 minutes. */
  timeout: [20, 600_000],
  /** `disconnectedTimeoutMs`: above the interval, at most the consent timeout. */
  disconnected: [10, 600_000],
} as const;

/**
 * Consent freshness timing (RFC 7675), defaults filled in: checks every
 * 5 s (±20 %), `disconnected` after 10 s and consent lost after 30 s
 * without an answer.
 * @throws IceError `ERR_OPTIONS` when a value is not a finite number in
 *   {@link CONSENT_LIMITS}, the timeout is not longer than the interval, or
 *   `disconnected` comes after the timeout.
 */
export function consentTiming(options: {
  consentIntervalMs?: number | undefined;
  consentTimeoutMs?: number | undefined;
  disconnectedTimeoutMs?: number | undefined;
}): ConsentOptions {
  const { consentIntervalMs = 5000, consentTimeoutMs = 30000, disconnectedTimeoutMs = 10000 } = options;
  inRange("consentIntervalMs", consentIntervalMs, CONSENT_LIMITS.interval);
  inRange("consentTimeoutMs", consentTimeoutMs, CONSENT_LIMITS.timeout);
  inRange("disconnectedTimeoutMs", disconnectedTimeoutMs, CONSENT_LIMITS.disconnected);
  if (consentTimeoutMs <= consentIntervalMs) {
    throw new IceError(
      "ERR_OPTIONS",
      `consentTimeoutMs (${consentTimeoutMs}) must be longer than consentIntervalMs (${consentIntervalMs}): consent would lapse between two checks (RFC 7675 §5.1)`,
    );
  }
  if (disconnectedTimeoutMs > consentTimeoutMs) {
    throw new IceError(
      "ERR_OPTIONS",
      `disconnectedTimeoutMs (${disconnectedTimeoutMs}) must not exceed consentTimeoutMs (${consentTimeoutMs})`,
    );
  }
  return {
    intervalMs: consentIntervalMs,
    timeoutMs: consentTimeoutMs,
    disconnectedMs: disconnectedTimeoutMs,
  };
}

function inRange(name: string, value: number, [min, max]: readonly [number, number]): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new IceError(
      "ERR_OPTIONS",
      `${name} must be a number of ms in ${min}-${max}, got ${String(value)}`,
    );
  }
}
