/**
 * Association setup pieces that need no association state: our INIT and
 * INIT-ACK chunks, the stream counts and features negotiated from the
 * peer's INIT, and the RFC 9260 §5.2.4 table that decides what a
 * COOKIE-ECHO means for an association that already exists.
 */
import type { CookieContents } from "./cookie.js";
import { ChunkType, EDMID_DTLS } from "./packet/constants.js";
import type { InitChunk } from "./packet/init.js";
import { randomUint32 } from "./random.js";

/** Chunk types we support beyond RFC 9260 (Supported Extensions, RFC 5061 §4.2.7). */
export const SUPPORTED_EXTENSIONS = [ChunkType.ForwardTsn, ChunkType.ReConfig];
/** The same with message interleaving (RFC 8260 §2.2: I-DATA and, for PR-SCTP with it, I-FORWARD-TSN). */
export const SUPPORTED_EXTENSIONS_INTERLEAVING = [
  ...SUPPORTED_EXTENSIONS,
  ChunkType.IData,
  ChunkType.IForwardTsn,
];

/**
 * A random nonzero Initiate Tag and a random Initial TSN (RFC 9260 §5.3.1),
 * from the pooled CSPRNG (random.ts): a CSPRNG call per association costs
 * microseconds on a data channel's open path.
 */
export function randomTagAndTsn(): { tag: number; initialTsn: number } {
  let tag = randomUint32();
  while (tag === 0) tag = randomUint32();
  return { tag, initialTsn: randomUint32() };
}

export interface LocalInit {
  tag: number;
  initialTsn: number;
  aRwnd: number;
  outboundStreams: number;
  inboundStreams: number;
  /** Offer I-DATA (RFC 8260). */
  interleaving: boolean;
}

/**
 * Our INIT or INIT-ACK (with the cookie) advertising what WebRTC uses;
 * `zeroChecksum: false` leaves out the Zero Checksum Acceptable parameter
 * (RFC 9653), which some peers (pion/sctp of Debian 12) cannot parse.
 */
export function makeInit(
  type: InitChunk["type"],
  l: LocalInit,
  cookie?: Uint8Array,
  unrecognized: Uint8Array[] = [],
  zeroChecksum = true,
): InitChunk {
  const c: InitChunk = {
    type,
    initiateTag: l.tag,
    aRwnd: l.aRwnd,
    outboundStreams: l.outboundStreams,
    inboundStreams: l.inboundStreams,
    initialTsn: l.initialTsn,
    supportedExtensions: l.interleaving ? SUPPORTED_EXTENSIONS_INTERLEAVING : SUPPORTED_EXTENSIONS,
    forwardTsnSupported: true,
    unrecognized,
  };
  if (zeroChecksum) c.zeroChecksumEdmid = EDMID_DTLS;
  if (cookie) c.stateCookie = cookie;
  return c;
}

/** What we learn from the peer's INIT or INIT-ACK, in the cookie's shape. */
export function negotiate(
  l: LocalInit,
  peer: InitChunk,
  tieTags: { local: number; peer: number } = { local: 0, peer: 0 },
): CookieContents {
  const ext = peer.supportedExtensions ?? [];
  return {
    localTag: l.tag,
    peerTag: peer.initiateTag,
    localInitialTsn: l.initialTsn,
    peerInitialTsn: peer.initialTsn,
    peerArwnd: peer.aRwnd,
    outboundStreams: Math.min(l.outboundStreams, peer.inboundStreams),
    inboundStreams: Math.min(l.inboundStreams, peer.outboundStreams),
    peerForwardTsn: peer.forwardTsnSupported || ext.includes(ChunkType.ForwardTsn),
    peerReconfig: ext.includes(ChunkType.ReConfig),
    peerZeroChecksum: peer.zeroChecksumEdmid === EDMID_DTLS,
    peerInterleaving: ext.includes(ChunkType.IData) && ext.includes(ChunkType.IForwardTsn),
    localTieTag: tieTags.local,
    peerTieTag: tieTags.peer,
  };
}

/** RFC 9260 §5.2.4 Table 7: what a valid COOKIE-ECHO means when an association exists. */
export type CookieCase = "restart" | "collision" | "late" | "duplicate" | "discard";

export function cookieCase(c: CookieContents, localTag: number, peerTag: number): CookieCase {
  const localMatch = c.localTag === localTag;
  const peerMatch = c.peerTag === peerTag;
  if (!localMatch && !peerMatch && c.localTieTag === localTag && c.peerTieTag === peerTag) return "restart"; // A
  if (localMatch && !peerMatch) return "collision"; // B
  if (!localMatch && peerMatch && c.localTieTag === 0 && c.peerTieTag === 0) return "late"; // C
  if (localMatch && peerMatch) return "duplicate"; // D
  return "discard";
}
