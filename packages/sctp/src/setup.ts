/**
 * Association setup (RFC 9260 §5): our INIT and its T1 retransmissions, the
 * answer to a peer's INIT (a signed cookie, no state kept), INIT-ACK →
 * COOKIE-ECHO, and the COOKIE-ECHO of the peer checked against §5.2.4
 * (simultaneous INIT, late or duplicate cookies, restart by tie-tags).
 */
import type { AssociationContext } from "./context.js";
import { type CookieContents, CookieSigner } from "./cookie.js";
import { SctpError } from "./errors.js";
import { cookieCase, type LocalInit, makeInit, negotiate, randomTagAndTsn } from "./handshake.js";
import { put32 } from "./packet/bytes.js";
import type { ErrorCause } from "./packet/causes.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import type { InitChunk } from "./packet/init.js";
import { Tcb } from "./tcb.js";
import { AssociationTimer } from "./timers.js";

/** Max.Init.Retransmits (RFC 9260 §16). */
const MAX_INIT_RETRANSMITS = 8;

export class Setup {
  private local: LocalInit | undefined;
  private init: InitChunk | undefined;
  private cookieEcho: Uint8Array | undefined;
  private retries = 0;
  private rto = 0;
  /** When the INIT or COOKIE-ECHO out was first sent (its answer, unless resent, times a round trip). */
  private sentAt = 0;
  private connecting = false;
  /**
   * The local parameters of the INIT-ACK we gave a peer's INIT while closed:
   * connect() then waits for its COOKIE-ECHO instead of sending an INIT of
   * its own (see connect()).
   */
  private answered: LocalInit | undefined;
  /** connect() held our INIT back; T1's first expiry sends it. */
  private initHeld = false;
  /** RFC 9653 Zero Checksum Acceptable in our INIT / INIT-ACK; dropped after an unanswered INIT. */
  private offerZeroChecksum = true;
  private readonly cookies: CookieSigner;
  private readonly t1: AssociationTimer;

  constructor(
    private readonly a: AssociationContext,
    cookieLifetime: number,
  ) {
    this.cookies = new CookieSigner(cookieLifetime);
    this.t1 = new AssociationTimer(this.onT1);
  }

  /** Our tag while setting up (before the TCB exists). */
  get localTag(): number | undefined {
    return this.local?.tag;
  }

  /**
   * Starts the association: our INIT, retransmitted on T1. When the peer's
   * INIT already came (in WebRTC both ends start the association once DTLS
   * is up, and the end whose DTLS connects second finds the peer's INIT
   * waiting), its INIT-ACK already went out with the tag we keep using: we
   * hold our INIT back and wait in COOKIE-WAIT for the peer's COOKIE-ECHO
   * (RFC 9260 §5.2.4 case B then makes the association from it). Sending ours as well would
   * only add an INIT, an INIT-ACK, a COOKIE-ECHO and a COOKIE-ACK to the
   * setup (both ends' CPU on a data channel's open path). If that COOKIE-ECHO
   * does not come (our INIT-ACK lost), T1 sends the INIT after one RTO, as a
   * plain connect would have retransmitted it.
   */
  connect(): void {
    if (this.a.state !== "closed" || this.connecting) return;
    this.connecting = true;
    const answered = this.answered;
    this.answered = undefined;
    this.local = answered ?? this.newLocal();
    this.init = makeInit(ChunkType.Init, this.local);
    this.a.setState("cookie-wait");
    this.rto = this.a.o.rtoInitial;
    if (answered) this.initHeld = true;
    else {
      this.a.sendControl(0, [this.init]);
      this.sentAt = performance.now();
    }
    this.t1.start(this.rto);
  }

  private newLocal(): LocalInit {
    return this.localWith(randomTagAndTsn());
  }

  private localWith(ids: { tag: number; initialTsn: number }): LocalInit {
    const o = this.a.o;
    return {
      tag: ids.tag,
      initialTsn: ids.initialTsn,
      aRwnd: o.receiveWindow,
      outboundStreams: o.maxOutboundStreams,
      inboundStreams: o.maxInboundStreams,
      interleaving: o.interleaving,
    };
  }

  onInit(init: InitChunk): void {
    const a = this.a;
    if (init.initiateTag === 0 || init.outboundStreams === 0 || init.inboundStreams === 0) {
      a.stats.packetsDropped++;
      return;
    }
    let local: LocalInit;
    let tie = { local: 0, peer: 0 };
    if (a.state === "closed") {
      // Kept for connect() (a repeated INIT gets the same tag: one COOKIE-ECHO fits whichever answer arrived).
      local = this.answered ?? this.newLocal();
      if (!this.connecting) this.answered = local;
    } else if (a.state === "cookie-wait" || a.state === "cookie-echoed") local = this.local!;
    else {
      // An INIT for an association that exists (§5.2.2): new tags, tie-tags to detect a restart.
      local = this.newLocal();
      tie = { local: a.tcb!.localTag, peer: a.tcb!.peerTag };
    }
    const cookie = this.cookies.sign(negotiate(local, init, tie));
    a.sendControl(init.initiateTag, [
      makeInit(ChunkType.InitAck, local, cookie, init.unrecognized, this.offerZeroChecksum),
    ]);
  }

  onInitAck(ack: InitChunk): void {
    const a = this.a;
    if (a.state !== "cookie-wait" || !ack.stateCookie || ack.initiateTag === 0) return;
    if (this.retries === 0) a.rto.handshakeSample(performance.now() - this.sentAt);
    a.tcb = new Tcb(this.local!.tag, ack.initiateTag, negotiate(this.local!, ack), a.o, a.sink, a.rto);
    this.cookieEcho = ack.stateCookie.slice();
    a.setState("cookie-echoed");
    this.retries = 0;
    a.sendControl(ack.initiateTag, [{ type: ChunkType.CookieEcho, cookie: this.cookieEcho }]);
    this.sentAt = performance.now();
    this.t1.start(this.rto);
  }

  onCookieEcho(cookie: Uint8Array, vtag: number): void {
    const a = this.a;
    let c: CookieContents;
    try {
      c = this.cookies.verify(cookie);
    } catch (e) {
      if (!(e instanceof SctpError)) throw e;
      a.stats.packetsDropped++;
      if (e.code === "ERR_STALE_COOKIE") {
        // Stale Cookie error (§5.2.6) to the tag the (authentic) cookie names as the peer's.
        const staleness = new Uint8Array(4);
        put32(staleness, 0, (e.cause as { staleness: number }).staleness);
        const peerTag = ((cookie[4]! << 24) | (cookie[5]! << 16) | (cookie[6]! << 8) | cookie[7]!) >>> 0;
        a.sendControl(peerTag, [
          { type: ChunkType.Error, causes: [{ code: CauseCode.StaleCookie, value: staleness }] },
        ]);
      }
      return;
    }
    if (vtag !== c.localTag) {
      a.stats.packetsDropped++;
      return;
    }
    if (a.state === "closed") {
      this.establishFrom(c);
      return;
    }
    const tcb = a.tcb;
    switch (cookieCase(c, this.local?.tag ?? tcb?.localTag ?? 0, tcb?.peerTag ?? 0)) {
      case "restart":
      case "collision":
        this.establishFrom(c);
        return;
      case "duplicate":
        if (a.state === "cookie-wait" || a.state === "cookie-echoed") this.establishFrom(c);
        else a.tx.control({ type: ChunkType.CookieAck });
        return;
      default:
        a.stats.packetsDropped++;
    }
  }

  /** Makes the TCB from a verified cookie and enters ESTABLISHED (§5.1 D, §5.2.4 A, B, D). */
  private establishFrom(c: CookieContents): void {
    const a = this.a;
    const restart = a.tcb !== undefined && a.state !== "cookie-wait" && a.state !== "cookie-echoed";
    a.tcb?.clear();
    if (restart) a.rto.reset();
    this.local = this.localWith({ tag: c.localTag, initialTsn: c.localInitialTsn });
    a.tcb = new Tcb(c.localTag, c.peerTag, c, a.o, a.sink, a.rto);
    a.tx.control({ type: ChunkType.CookieAck });
    if (!restart) this.established();
  }

  onCookieAck(): void {
    if (this.a.state !== "cookie-echoed") return;
    if (this.retries === 0) this.a.rto.handshakeSample(performance.now() - this.sentAt);
    this.established();
  }

  private established(): void {
    this.t1.stop();
    this.initHeld = false;
    this.init = undefined;
    this.cookieEcho = undefined;
    this.a.setState("established");
    this.a.dispatchEvent(new Event("open"));
    this.a.tx.schedule();
  }

  private readonly onT1 = (): void => {
    const a = this.a;
    if (this.initHeld) {
      // The peer's COOKIE-ECHO did not come: our own INIT now, retransmitted from here on.
      this.initHeld = false;
      if (a.state !== "cookie-wait" || !this.init) return;
      a.sendControl(0, [this.init]);
      this.sentAt = performance.now();
      this.t1.start(this.rto);
      return;
    }
    if (++this.retries > MAX_INIT_RETRANSMITS) {
      a.end(
        new SctpError("ERR_TOO_MANY_RETRANSMISSIONS", "no answer to INIT / COOKIE-ECHO (RFC 9260 §5.1)"),
        false,
      );
      return;
    }
    this.rto = Math.min(a.o.rtoMax, this.rto * 2);
    if (a.state === "cookie-wait" && this.init && this.offerZeroChecksum && this.local) {
      // No answer: the peer may be one that drops an INIT with a parameter it does not know
      // (pion/sctp before 1.8 refuses RFC 9653's), so the INIT and INIT-ACKs go without it.
      this.offerZeroChecksum = false;
      this.init = makeInit(ChunkType.Init, this.local, undefined, [], false);
    }
    if (a.state === "cookie-wait" && this.init) a.sendControl(0, [this.init]);
    else if (a.state === "cookie-echoed" && this.cookieEcho)
      a.sendControl(a.tcb!.peerTag, [{ type: ChunkType.CookieEcho, cookie: this.cookieEcho }]);
    else return;
    this.t1.start(this.rto);
  };

  /** A Stale Cookie answer to our COOKIE-ECHO: start over with a new INIT (§5.2.6). */
  onError(causes: ErrorCause[]): void {
    if (this.a.state !== "cookie-echoed" || !causes.some((c) => c.code === CauseCode.StaleCookie)) return;
    this.a.tcb = undefined;
    this.a.setState("closed");
    this.connecting = false;
    this.initHeld = false;
    this.t1.stop();
    this.connect();
  }

  dispose(): void {
    this.t1.dispose();
    this.answered = undefined;
    this.init = undefined;
    this.cookieEcho = undefined;
  }
}
