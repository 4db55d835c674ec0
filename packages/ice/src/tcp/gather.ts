import { isIP } from "node:net";
import type { SessionState } from "../session-state.js";
import { decodeStun, StunClass, StunMethod } from "../stun-io.js";
import { TcpActiveBase } from "./active-base.js";
import { TcpPassiveBase } from "./passive-base.js";

/**
 * ICE over TCP (RFC 6544) in {@link IceAgentOptions.tcp}: which TCP host
 * candidates to gather, and the bounds of the passive listener.
 */
export interface IceTcpOptions {
  /**
   * Passive candidates: a listening socket per host address, announced as
   * `tcptype passive`; the peer connects to it. For servers. Default false.
   */
  passive?: boolean;
  /**
   * Active candidates: announced as `tcptype active` with port 9; a
   * connection is dialled to each of the peer's passive candidates when its
   * pair is checked. For clients. Default false.
   */
  active?: boolean;
  /** Accepted connections that have not yet sent an authenticated check, at once, per listener. Default 64. */
  maxPendingConnections?: number;
  /** How long an accepted connection has to send its first, authenticated check, ms. Default 5000. */
  authTimeoutMs?: number;
  /** Authenticated connections per listener. Default 64. */
  maxConnections?: number;
  /** Give up dialling a passive candidate after this long, ms. Default 5000. */
  connectTimeoutMs?: number;
}

/** A TCP base opened for one host address, with that address's rank. */
export interface OpenedTcpBase {
  address: string;
  base: TcpPassiveBase | TcpActiveBase;
  index: number;
}

/**
 * Local preference of a TCP host candidate (RFC 6544 §4.2):
 * `2^13 · direction-pref + other-pref`, direction-pref 6 for active and 4
 * for passive host candidates, other-pref distinct per interface (highest
 * first). Below UDP's (65535 for the first interface), so UDP is preferred
 * where both work, as RFC 6544 §4.2 asks.
 */
export function tcpLocalPreference(tcpType: "active" | "passive", index: number): number {
  const direction = tcpType === "active" ? 6 : 4;
  return direction * 2 ** 13 + Math.max(0, 8191 - index * 64);
}

/**
 * Whether `frame`, the first one on an accepted connection, is a Binding
 * request for this generation: USERNAME `ourUfrag:…` and a valid
 * MESSAGE-INTEGRITY with our password (and a valid FINGERPRINT if present).
 */
export function isAuthenticCheck(s: SessionState, frame: Uint8Array): boolean {
  const message = decodeStun(frame);
  if (!message || message.method !== StunMethod.Binding || message.messageClass !== StunClass.Request) {
    return false;
  }
  if (message.hasFingerprint && !message.checkFingerprint()) return false;
  let username: string | undefined;
  try {
    username = message.username;
  } catch {
    return false;
  }
  if (!username || !message.hasIntegrity) return false;
  const colon = username.indexOf(":");
  return colon > 0 && username.slice(0, colon) === s.local.ufrag && message.checkIntegrity(s.localKey);
}

/**
 * Opens the TCP bases of one generation: a listener per address for
 * passive candidates (through the registry, owned by the session), an
 * active base per address. Addresses the OS refuses are skipped.
 */
export async function openTcpBases(
  s: SessionState,
  addresses: string[],
  options: IceTcpOptions,
  signal: AbortSignal,
): Promise<OpenedTcpBase[]> {
  const out: OpenedTcpBase[] = [];
  const registry = s.host.registry;
  if (options.passive) {
    const maxPending = options.maxPendingConnections ?? 64;
    const maxConnections = options.maxConnections ?? 64;
    const limits = { maxPending, maxConnections, authTimeoutMs: options.authTimeoutMs ?? 5000 };
    const opened = await Promise.all(
      addresses.map(async (address, index) => {
        try {
          const server = await registry.listen(s, {
            label: "ice-tcp-passive",
            address,
            port: 0,
            // The OS-level bound beside the ICE-level ones.
            maxConnections: maxPending + maxConnections,
            signal,
          });
          const base = new TcpPassiveBase(server, (frame) => isAuthenticCheck(s, frame), limits);
          return { address, base, index };
        } catch {
          return undefined;
        }
      }),
    );
    for (const o of opened) if (o) out.push(o);
  }
  if (options.active) {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    for (const [index, address] of addresses.entries()) {
      const family = isIP(address) === 6 ? 6 : 4;
      out.push({ address, base: new TcpActiveBase(registry, address, family, { connectTimeoutMs }), index });
    }
  }
  return out;
}
