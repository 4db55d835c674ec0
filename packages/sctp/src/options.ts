/** Options of an association with every default applied and every bound checked. */
import type { SctpAssociationOptions } from "./association-types.js";
import { KEY_ROTATION } from "./cookie.js";
import { SctpError } from "./errors.js";

function clamp(v: number | undefined, def: number, min: number, max: number, name: string): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new SctpError("ERR_INVALID_ARGUMENT", `${name} must be an integer in ${min}..${max}`);
  return v;
}

/** Resolved options (every default applied). */
export interface ResolvedOptions {
  localPort: number;
  remotePort: number;
  maxMessageSize: number;
  mtu: number;
  maxOutboundStreams: number;
  maxInboundStreams: number;
  rtoInitial: number;
  rtoMin: number;
  rtoMax: number;
  receiveWindow: number;
  cookieLifetime: number;
  heartbeatInterval: number;
  /** Offer I-DATA (RFC 8260); used when the peer offers it too. */
  interleaving: boolean;
}

/** Applies the defaults (documented in association-types.ts and the README); throws ERR_INVALID_ARGUMENT out of bounds. */
export function resolveOptions(options: SctpAssociationOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    localPort: clamp(options.localPort, 5000, 1, 65535, "localPort"),
    remotePort: clamp(options.remotePort, 5000, 1, 65535, "remotePort"),
    maxMessageSize: clamp(options.maxMessageSize, 262144, 1, 16 * 1024 * 1024, "maxMessageSize"),
    mtu: clamp(options.mtu, 1160, 256, 65535, "mtu"),
    maxOutboundStreams: clamp(options.maxOutboundStreams, 65535, 1, 65535, "maxOutboundStreams"),
    maxInboundStreams: clamp(options.maxInboundStreams, 65535, 1, 65535, "maxInboundStreams"),
    rtoInitial: clamp(options.rtoInitial, 500, 10, 60_000, "rtoInitial"),
    rtoMin: clamp(options.rtoMin, 200, 10, 60_000, "rtoMin"),
    rtoMax: clamp(options.rtoMax, 60_000, 10, 120_000, "rtoMax"),
    receiveWindow: clamp(options.receiveWindow, 1024 * 1024, 16 * 1024, 16 * 1024 * 1024, "receiveWindow"),
    cookieLifetime: clamp(options.cookieLifetime, 60_000, 1, KEY_ROTATION, "cookieLifetime"),
    heartbeatInterval: clamp(options.heartbeatInterval, 30_000, 0, 86_400_000, "heartbeatInterval"),
    interleaving: options.interleaving ?? true,
  };
  if (typeof o.interleaving !== "boolean")
    throw new SctpError("ERR_INVALID_ARGUMENT", "interleaving must be a boolean");
  // The window must hold one whole message, or an ordered message could never complete.
  o.receiveWindow = Math.max(o.receiveWindow, o.maxMessageSize + 64 * 1024);
  return o;
}
