/**
 * The State Cookie (RFC 9260 §5.1.3): everything the INIT-ACK's sender needs
 * to set up the association when the COOKIE-ECHO comes back, so it keeps no
 * state for an INIT (SYN-flood resistance). Signed with HMAC-SHA-256, dated,
 * and checked for age (§5.1.5).
 *
 * The key is per process, rotated every hour, as §5.1.3 suggests for an
 * endpoint ("changed reasonably frequently"; the cookie's timestamp says
 * which key made it). What the key protects is that only a cookie we issued
 * makes a TCB, with the values we signed: a per-process key does that as
 * well as a per-association one did, and saves a CSPRNG read per association
 * on a data channel's open path. So that a cookie one association issued
 * still makes no TCB at another (in WebRTC each association has its own
 * DTLS peer), every signer writes its own id into the signed body and
 * verifies it.
 */
import { timingSafeEqual } from "node:crypto";
import { SctpError } from "./errors.js";
import { HmacSha256Key } from "./hmac-sha256.js";
import { put16, put32, u16, u32 } from "./packet/bytes.js";
import { randomFill } from "./random.js";

/** What the cookie carries. */
export interface CookieContents {
  /** Our tag, as written in the INIT-ACK. */
  localTag: number;
  /** The peer's tag (its INIT's Initiate Tag). */
  peerTag: number;
  localInitialTsn: number;
  peerInitialTsn: number;
  peerArwnd: number;
  /** Negotiated outbound / inbound stream counts. */
  outboundStreams: number;
  inboundStreams: number;
  peerForwardTsn: boolean;
  peerReconfig: boolean;
  peerZeroChecksum: boolean;
  /** The peer listed I-DATA and I-FORWARD-TSN in Supported Extensions (RFC 8260 §2.2). */
  peerInterleaving: boolean;
  /** Tie-tags (RFC 9260 §5.2.2): the tags of the association that existed when the INIT came, or 0. */
  localTieTag: number;
  peerTieTag: number;
}

const BODY = 48;
const MAC = 32;
/** Cookie size on the wire. */
export const COOKIE_SIZE = BODY + MAC;

/**
 * How long one key signs (ms); a key verifies for this long after it stops
 * signing, so it must be at least the longest cookie lifespan (options.ts
 * caps `cookieLifetime` at it).
 */
export const KEY_ROTATION = 3_600_000;

/** Keys by epoch (floor(time / KEY_ROTATION)): the signing one and the one before (3 at most, if the clock steps back). */
const keys = new Map<number, HmacSha256Key>();

function keyOf(epoch: number, create: boolean): HmacSha256Key | undefined {
  let key = keys.get(epoch);
  if (key || !create) return key;
  key = new HmacSha256Key(randomFill(new Uint8Array(32)));
  keys.set(epoch, key);
  if (keys.size > 2) {
    const oldest = Math.min(...keys.keys());
    if (oldest < epoch - 1 || keys.size > 3) keys.delete(oldest);
  }
  return key;
}

/** Distinguishes the signers of one process (not secret: it is under the MAC). */
let nextSignerId = 1;

/** Signs and verifies the cookies of one association. */
export class CookieSigner {
  private readonly id = nextSignerId++ >>> 0;

  constructor(
    /** Valid.Cookie.Life in ms (RFC 9260 §16: 60 s). */
    readonly lifespan = 60_000,
  ) {}

  sign(c: CookieContents, now = Date.now()): Uint8Array {
    const b = new Uint8Array(COOKIE_SIZE);
    put32(b, 0, c.localTag);
    put32(b, 4, c.peerTag);
    put32(b, 8, c.localInitialTsn);
    put32(b, 12, c.peerInitialTsn);
    put32(b, 16, c.peerArwnd);
    put16(b, 20, c.outboundStreams);
    put16(b, 22, c.inboundStreams);
    b[24] =
      (c.peerForwardTsn ? 1 : 0) |
      (c.peerReconfig ? 2 : 0) |
      (c.peerZeroChecksum ? 4 : 0) |
      (c.peerInterleaving ? 8 : 0);
    put32(b, 28, c.localTieTag);
    put32(b, 32, c.peerTieTag);
    // Creation time in ms since the epoch, 64 bits as two halves.
    put32(b, 36, Math.floor(now / 2 ** 32));
    put32(b, 40, now >>> 0);
    put32(b, 44, this.id);
    b.set(keyOf(Math.floor(now / KEY_ROTATION), true)!.mac(b.subarray(0, BODY)), BODY);
    return b;
  }

  /**
   * The cookie's contents; throws SctpError `ERR_BAD_COOKIE` (forged,
   * truncated) or `ERR_STALE_COOKIE` (older than the lifespan; `staleness`
   * in µs on the error's cause, for the Stale Cookie error cause).
   */
  verify(cookie: Uint8Array, now = Date.now()): CookieContents {
    if (cookie.length !== COOKIE_SIZE)
      throw new SctpError("ERR_BAD_COOKIE", "State Cookie has the wrong size (RFC 9260 §5.1.5)");
    // The timestamp picks the key (§5.1.3); it is trusted only once the MAC verifies under it.
    const created = u32(cookie, 36) * 2 ** 32 + u32(cookie, 40);
    const key = keyOf(Math.floor(created / KEY_ROTATION), false);
    if (!key || !timingSafeEqual(key.mac(cookie.subarray(0, BODY)), cookie.subarray(BODY)))
      throw new SctpError("ERR_BAD_COOKIE", "State Cookie MAC does not verify (RFC 9260 §5.1.5)");
    if (u32(cookie, 44) !== this.id)
      throw new SctpError("ERR_BAD_COOKIE", "State Cookie made by another association");
    const age = now - created;
    if (age > this.lifespan)
      throw new SctpError("ERR_STALE_COOKIE", "State Cookie expired (RFC 9260 §5.1.5)", {
        cause: { staleness: Math.min(0xffffffff, Math.round((age - this.lifespan) * 1000)) },
      });
    if (age < -1000) throw new SctpError("ERR_BAD_COOKIE", "State Cookie made in the future");
    const flags = cookie[24]!;
    return {
      localTag: u32(cookie, 0),
      peerTag: u32(cookie, 4),
      localInitialTsn: u32(cookie, 8),
      peerInitialTsn: u32(cookie, 12),
      peerArwnd: u32(cookie, 16),
      outboundStreams: u16(cookie, 20),
      inboundStreams: u16(cookie, 22),
      peerForwardTsn: (flags & 1) !== 0,
      peerReconfig: (flags & 2) !== 0,
      peerZeroChecksum: (flags & 4) !== 0,
      peerInterleaving: (flags & 8) !== 0,
      localTieTag: u32(cookie, 28),
      peerTieTag: u32(cookie, 32),
    };
  }
}
