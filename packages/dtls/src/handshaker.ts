import { type CancelTimer, startTimer } from "@purertc/socket";
import {
  certificateFingerprint,
  matchesAnyFingerprint,
  type PeerCertificate,
  parsePeerCertificate,
} from "./certificate.js";
import type { ResolvedConfig } from "./config.js";
import type { HmacHash } from "./crypto/hmac.js";
import { DtlsError } from "./errors.js";
import { type FlightItem, packFlight } from "./flight-packer.js";
import { encodeCertificate } from "./handshake/certificate.js";
import {
  encodeHandshakeMessage,
  type HandshakeFragment,
  parseHandshakeFragments,
} from "./handshake/header.js";
import { type HandshakeMessage, Reassembler } from "./handshake/reassembler.js";
import { Transcript } from "./handshake/transcript.js";
import type { FlightState, HandshakeResult } from "./handshake-result.js";
import type { RecordLayer } from "./record/record-layer.js";

export type { FlightItem } from "./flight-packer.js";
export type { FlightState, HandshakeResult } from "./handshake-result.js";

/*
 * The flight state machine of RFC 6347 §4.2.4 (Figure 3), shared by client
 * and server:
 *
 *                   +-----------+
 *                   | PREPARING | <--------------------+
 *             +---> |           |                      |
 *             |     +-----------+                      |
 *             |           |  buffer next flight        |
 *             |           v                            |
 *             |     +-----------+                      |
 *             |     |  SENDING  | <--------+           | receive next
 *             |     |           |          | timer     | flight (not last)
 *             |     +-----------+          | expires   |
 *             |   send last flight  |  set retransmit  |
 *             |      |              v  timer           |
 *             |      |        +-----------+            |
 *             |      |        |  WAITING  |------------+
 *             |      |        |           | read retransmit: send again
 *             |      |        +-----------+
 *             |      v           | receive last flight
 *             |  +-----------+   v
 *             +--| FINISHED  |<--+  (server: on a retransmitted last
 *                +-----------+       client flight, send its last flight again)
 *
 * Flights: client 1 ClientHello · server 2 HelloVerifyRequest · client 3
 * ClientHello+cookie · server 4 ServerHello, Certificate, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone · client 5 Certificate,
 * ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished · server 6
 * ChangeCipherSpec, Finished. PREPARING is implicit here: a flight is built
 * synchronously when the peer's flight completes.
 */

/** What a handshake needs from its connection. */
export interface HandshakeHost extends HandshakeSwitch {
  readonly records: RecordLayer;
  /** Sends one datagram. */
  sendDatagram(datagram: Uint8Array): void;
  /** Sends whole records with the next datagram of this event-loop turn, or alone at its end. */
  sendWithNext(datagram: Uint8Array): void;
  /** The handshake finished: keys are in place, application data may flow. */
  handshakeComplete(): void;
  /** The handshake failed: the connection sends `error.alert` (if any) and closes. */
  handshakeFailed(error: DtlsError): void;
}

/** What the handshaker of a connection may ask of it beyond the flights (DTLS 1.3). */
export interface HandshakeSwitch {
  /** Replaces the connection's handshaker (version negotiated: 1.2 hands over to 1.3). */
  replaceHandshaker(next: Handshaker): void;
}

/**
 * Certificate message bodies by certificate DER: an endpoint presents the same
 * certificate in every handshake, so its body is encoded once.
 */
const certificateBodies = new WeakMap<Uint8Array, Uint8Array>();

/** Largest handshake message accepted (certificate chains of WebRTC are small). */
const MAX_MESSAGE = 64 * 1024;
/** A connected DTLS 1.3 client stops resending an unacknowledged last flight after this many sends. */
export const MAX_UNACKED_RETRANSMISSIONS = 8;
/** Minimum spacing of retransmissions triggered by the peer's retransmissions. */
const MIN_RETRANSMIT_SPACING_MS = 50;

/**
 * Base of the client and server handshakes: reassembly, transcript, flights,
 * retransmission with doubling timeout and a total timeout. Subclasses
 * implement {@link Handshaker.handleMessage} as explicit state machines.
 */
export abstract class Handshaker {
  /** Current flight state. */
  state: FlightState = "preparing";
  /** Flights sent again (by timer or on the peer's retransmission). */
  retransmissions = 0;
  /** Handshake messages hashed into the transcript, in order. */
  protected readonly transcript = new Transcript();
  protected reassembler = new Reassembler();
  /** DTLS 1.3: the transcript hashes messages in their TLS form (RFC 9147 §5.2). */
  protected tls13 = false;
  /** DTLS 1.3 client: connected, and its last flight is retransmitted until acknowledged. */
  protected awaitingAck = false;
  protected nextSendSeq = 0;
  protected done = false;
  /** Set once the result is known. */
  result: HandshakeResult | undefined;
  private flight: FlightItem[] = [];
  private timeoutMs: number;
  private cancelRetransmit: CancelTimer | undefined;
  private cancelTotal: CancelTimer | undefined;
  protected retransmitWanted = false;
  private lastSent = 0;

  constructor(
    protected readonly host: HandshakeHost,
    protected readonly config: ResolvedConfig,
  ) {
    this.timeoutMs = config.retransmitInitialMs;
  }

  /** Starts the handshake (the client sends flight 1; the server waits) and the total timeout. */
  start(): void {
    this.cancelTotal = startTimer(this.totalTimedOut, Math.max(this.config.handshakeTimeoutMs, 1));
    this.begin();
  }

  /** The handshake that took over from this one (DTLS 1.3 negotiated). */
  private successor: Handshaker | undefined;

  /** The total timeout: it fails whichever handshaker holds the handshake by then. */
  private readonly totalTimedOut = () => {
    let h: Handshaker = this;
    while (h.successor) h = h.successor;
    h.fail(
      new DtlsError(
        "ERR_DTLS_TIMEOUT",
        `handshake did not finish within ${this.config.handshakeTimeoutMs} ms`,
      ),
    );
  };

  /**
   * Hands the handshake over to `next` (DTLS 1.3 negotiated): it takes the
   * reassembly state, the message numbering and the total timeout (the same
   * timer: a timer of a fresh fractional duration cost Node a timer list of
   * its own); this one stops its retransmissions and handles nothing more.
   */
  protected handOff(next: Handshaker, host: HandshakeSwitch): void {
    this.cancelRetransmit?.();
    this.done = true;
    this.successor = next;
    next.cancelTotal = this.cancelTotal;
    this.cancelTotal = undefined;
    next.reassembler = this.reassembler;
    next.nextSendSeq = this.nextSendSeq;
    next.lastRecordSeq = this.lastRecordSeq;
    next.retransmissions = this.retransmissions;
    // The successor keeps its own transcript.
    this.transcript.release();
    host.replaceHandshaker(next);
  }

  /** Releases complete messages already buffered (after a hand-over). */
  drainAfterHandOff(): void {
    for (let m = this.reassembler.pop(); m && !this.done; m = this.reassembler.pop()) this.handleMessage(m);
  }

  /** Role-specific start. */
  protected abstract begin(): void;
  /** Handles one complete handshake message, in message_seq order. Throws `DtlsError` to fail. */
  protected abstract handleMessage(message: HandshakeMessage): void;
  /**
   * Role-specific look at each fragment before reassembly (server: cookie
   * check and rebase on a new ClientHello). True when it consumed the fragment.
   */
  protected beforeFragment(_fragment: HandshakeFragment): boolean {
    return false;
  }

  /** Feeds the body of one handshake record (already opened) of `epoch`. */
  receiveHandshakeRecord(body: Uint8Array, epoch: number, recordSeq: number): void {
    if (this.done && this.state !== "finished" && !this.awaitingAck) return;
    for (const f of parseHandshakeFragments(body, MAX_MESSAGE)) {
      if (f.type === 0) continue; // HelloRequest: renegotiation is not supported, ignore (RFC 5246 §7.4.1.1)
      this.lastRecordSeq = recordSeq;
      if (this.beforeFragment(f)) continue;
      if (this.reassembler.add(f, epoch) === "old") this.retransmitWanted = true;
    }
    for (let m = this.reassembler.pop(); m && !this.done; m = this.reassembler.pop()) this.handleMessage(m);
  }

  /** DTLS 1.3: a handshake record of epoch 3 or later after the handshake (KeyUpdate, NewSessionTicket). */
  receivePostHandshake(_body: Uint8Array, _epoch: number, _recordSeq: number): void {}

  /** DTLS 1.3: sends a KeyUpdate (no-op in DTLS 1.2). */
  requestKeyUpdate(): void {}

  /** DTLS 1.3: an ACK from the peer. */
  receiveAck(_records: readonly { epoch: number; seq: number }[]): void {}

  /** message_seq of the next handshake message expected from the peer. */
  get nextReceiveSeq(): number {
    return this.reassembler.next;
  }

  /** Record sequence number of the latest handshake record (a HelloVerifyRequest echoes it). */
  protected lastRecordSeq = 0;

  /** Called after each datagram: answers a retransmitted peer flight with ours (rate-limited). */
  afterDatagram(): void {
    if (!this.retransmitWanted) return;
    this.retransmitWanted = false;
    if (this.state !== "waiting" && this.state !== "finished") return;
    if (this.flight.length === 0) return;
    if (performance.now() - this.lastSent < MIN_RETRANSMIT_SPACING_MS) return;
    this.retransmissions++;
    this.transmit();
  }

  /** Builds a handshake flight item with the next message_seq and hashes it into the transcript. */
  protected message(type: number, body: Uint8Array, epoch = 0, hash = true): FlightItem {
    const seq = this.nextSendSeq++;
    if (!hash) return { kind: "handshake", type, seq, body, epoch };
    if (this.tls13) {
      this.transcript.addTls(type, body);
      // Protected messages are written straight into their flight's record (flight-packer.ts).
      const whole = epoch >= 2 ? undefined : encodeHandshakeMessage(type, seq, body);
      return { kind: "handshake", type, seq, body, epoch, whole };
    }
    const whole = encodeHandshakeMessage(type, seq, body);
    this.transcript.add(whole);
    return { kind: "handshake", type, seq, body, epoch, whole };
  }

  /** The body of our Certificate message (encoded once per certificate). */
  protected certificateBody(): Uint8Array {
    const der = this.config.certificate.der;
    let body = certificateBodies.get(der);
    if (!body) {
      body = encodeCertificate([der]);
      certificateBodies.set(der, body);
    }
    return body;
  }

  /** Adds a received message to the transcript. */
  protected record(m: HandshakeMessage): void {
    // DTLS 1.3 hashes the TLS form: a 4-byte header and the body.
    if (this.tls13) this.transcript.addTls(m.type, m.body);
    else this.transcript.add(m.whole ?? encodeHandshakeMessage(m.type, m.messageSeq, m.body));
  }

  /** Hash of the transcript so far with the suite's hash. */
  protected transcriptHash(suite: { hash: HmacHash }): Uint8Array {
    return this.transcript.hash(suite.hash);
  }

  /**
   * Sends a new flight. With `last` the flight is final (FINISHED, no timer);
   * otherwise WAITING with the retransmission timer at its initial value.
   */
  protected sendFlight(items: FlightItem[], last: boolean): void {
    this.flight = items;
    this.timeoutMs = this.config.retransmitInitialMs;
    this.state = "sending";
    this.transmit();
    if (last) {
      this.cancelRetransmit?.();
      this.state = "finished";
    } else {
      this.state = "waiting";
      this.armTimer();
    }
  }

  /** Sends one datagram that is not part of a flight (a HelloVerifyRequest). */
  protected sendRaw(datagram: Uint8Array): void {
    this.host.sendDatagram(datagram);
  }

  private armTimer(): void {
    this.cancelRetransmit?.();
    this.cancelRetransmit = startTimer(() => this.onTimer(), this.timeoutMs);
  }

  private onTimer(): void {
    if (this.state !== "waiting") return;
    if (this.done && (!this.awaitingAck || this.retransmissions >= MAX_UNACKED_RETRANSMISSIONS)) return;
    this.retransmissions++;
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.config.retransmitMaxMs);
    this.transmit();
    this.armTimer();
  }

  /** Packs the current flight into records and datagrams of at most `mtu` bytes, and sends them. */
  private transmit(): void {
    packFlight(this.flight, this.host.records, this.config.mtu, this.host.sendDatagram);
    this.lastSent = performance.now();
  }

  /** Marks the handshake as successful and stops its timers. */
  protected complete(result: HandshakeResult): void {
    this.result = result;
    this.done = true;
    this.cancelTotal?.();
    // The cancel function's closure holds the timer: not needed once it has run.
    this.cancelTotal = undefined;
    // Nothing hashes the transcript after Finished; a last flight to resend is kept whole in `flight`.
    this.transcript.release();
    if (this.state !== "finished") {
      // The side that received the last flight never sends its own again (RFC 6347 §4.2.4).
      this.cancelRetransmit?.();
      this.flight = [];
      this.state = "finished";
    }
    this.host.handshakeComplete();
  }

  /**
   * DTLS 1.3 client: connected after sending its last flight, which is
   * retransmitted until the server acknowledges it (RFC 9147 §5.8.3).
   */
  protected completeAwaitingAck(result: HandshakeResult): void {
    this.result = result;
    this.done = true;
    this.awaitingAck = true;
    this.cancelTotal?.();
    this.cancelTotal = undefined;
    this.host.handshakeComplete();
  }

  /** Application data of the next epoch came from the peer: it has our last flight. */
  implicitAck(): void {
    this.acknowledged();
  }

  /** The peer acknowledged our last flight (an ACK, or a record of the next epoch): stop sending it. */
  acknowledged(): void {
    if (!this.awaitingAck) return;
    this.awaitingAck = false;
    this.cancelRetransmit?.();
    this.flight = [];
    this.state = "finished";
  }

  /** Fails the handshake (once). */
  fail(error: DtlsError): void {
    if (this.done) return;
    this.done = true;
    this.stop();
    this.host.handshakeFailed(error);
  }

  /** Cancels the timers and drops buffered state (close). */
  stop(): void {
    this.cancelTotal?.();
    this.cancelRetransmit?.();
    this.reassembler.clear();
  }

  /**
   * Drops what only the handshake needed (transcript, flight, key share,
   * peer messages) once the connection is closed; `result` stays for the
   * getters. A closed connection then holds little: the young-generation GC
   * copies whatever a dead connection still reaches when something old still
   * points at it, so a small shell keeps those pauses short.
   */
  release(): void {
    this.transcript.release();
    this.flight = [];
    this.reassembler.clear();
  }

  /** Parses and checks a peer certificate chain against the expected fingerprints. */
  protected verifyPeerCertificate(chain: Uint8Array[]): PeerCertificate {
    const leaf = chain[0];
    if (!leaf) throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", "peer sent no certificate", { alert: 42 });
    // A copy: `leaf` is a view of the whole Certificate message, which the result would keep otherwise.
    const der = new Uint8Array(leaf);
    const fingerprint = certificateFingerprint(der);
    const expected = this.config.peerFingerprints;
    // The fingerprint first: a certificate we were not told of is refused before its key is imported.
    if (expected && !matchesAnyFingerprint(der, fingerprint, expected)) {
      throw new DtlsError(
        "ERR_DTLS_BAD_CERTIFICATE",
        `peer certificate fingerprint ${fingerprint} does not match the expected ${expected.join(" or ")}`,
        { alert: 42 },
      );
    }
    return parsePeerCertificate(der, fingerprint);
  }
}
