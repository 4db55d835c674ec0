import type { Candidate } from "@purertc/ice";

/**
 * The SDP model (RFC 8866) as WebRTC endpoints exchange it: the attributes
 * ICE, DTLS and data channels need are typed; every other line is kept, in
 * order, so a description parsed and serialized again says the same thing.
 */

/** `o=` (RFC 8866 §5.2). Session id and version are digit strings (they exceed 2^53). */
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=` (RFC 8866 §5.7). */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

/** A line kept as it was: an attribute (`type` "a") or another letter. */
export interface SdpLine {
  /** The line's letter, e.g. "a", "b", "i". */
  type: string;
  /** For `a=` lines the attribute name, else "". */
  name: string;
  /** The rest: for `a=name:value` the value (undefined for a flag), else the text after `=`. */
  value: string | undefined;
}

/** `a=fingerprint` (RFC 8122 §5): hash function name (lower case) and the colon-separated hex digest. */
export interface SdpFingerprint {
  algorithm: string;
  /** Upper-case hex pairs separated by colons, as written on the wire. */
  value: string;
}

/** `a=setup` (RFC 4145 §4, RFC 5763 §5). */
export type SdpSetup = "actpass" | "active" | "passive" | "holdconn";

/** `a=group` (RFC 5888), e.g. BUNDLE with its mids (RFC 9143). */
export interface SdpGroup {
  semantics: string;
  mids: string[];
}

/**
 * `a=candidate` (RFC 8839 §5.1): @purertc/ice's candidate, parsed and
 * written by its parser and serializer (Chromium's `generation`, `ufrag`,
 * `network-id`, `network-cost` typed; other extensions kept in order).
 */
export type SdpCandidate = Candidate;

/** The ICE and DTLS attributes that may appear at session or media level. */
export interface SdpTransportAttributes {
  iceUfrag?: string;
  icePwd?: string;
  /** `a=ice-options` tokens, e.g. ["trickle"]. */
  iceOptions?: string[];
  /** `a=ice-lite` (session level only in practice). */
  iceLite?: boolean;
  /** Several are allowed (RFC 8122 §5); any one matching the certificate is enough. */
  fingerprints: SdpFingerprint[];
  setup?: SdpSetup;
}

/** One `m=` section (RFC 8866 §5.14) and its lines. */
export interface SdpMediaSection extends SdpTransportAttributes {
  /** "audio", "video", "application", … */
  kind: string;
  port: number;
  /** `m=` port count (`port/count`), rarely used. */
  portCount?: number;
  /** e.g. "UDP/DTLS/SCTP", "UDP/TLS/RTP/SAVPF". */
  protocol: string;
  /** Formats, e.g. ["webrtc-datachannel"] or payload types. */
  formats: string[];
  connection?: SdpConnection;
  mid?: string;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
  /** `a=sctp-port` (RFC 8841 §5). */
  sctpPort?: number;
  /** `a=max-message-size` (RFC 8841 §6). */
  maxMessageSize?: number;
  /** Every other line of the section (b=, i=, other attributes), in order. */
  otherLines: SdpLine[];
}

/** A whole session description. */
export interface SdpSession extends SdpTransportAttributes {
  /** Always 0. */
  version: 0;
  origin: SdpOrigin;
  sessionName: string;
  /** The first `t=` value, usually "0 0". */
  timing: string;
  connection?: SdpConnection;
  groups: SdpGroup[];
  /** Every other session line, in order. */
  otherLines: SdpLine[];
  media: SdpMediaSection[];
}
