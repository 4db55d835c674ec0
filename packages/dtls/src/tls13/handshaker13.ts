import { type CancelTimer, startTimer } from "@purertc/socket";
import type { PeerCertificate } from "../certificate.js";
import type { CipherSuite13 } from "../crypto/cipher-suites13.js";
import type { SignatureScheme } from "../crypto/groups.js";
import type { KeySchedule13 } from "../crypto/key-schedule13.js";
import type { SrtpProfileName } from "../extensions/use-srtp.js";
import { HandshakeType, parseHandshakeFragments } from "../handshake/header.js";
import type { HandshakeMessage } from "../handshake/reassembler.js";
import {
  certificate13Body,
  encodeAck,
  HandshakeType13,
  parseKeyUpdate,
  type RecordNumber,
} from "../handshake/tls13.js";
import { unexpectedMessage } from "../handshake/unexpected-message.js";
import {
  type FlightItem,
  type HandshakeResult,
  Handshaker,
  MAX_UNACKED_RETRANSMISSIONS,
} from "../handshaker.js";
import { RecordAead13 } from "../record/aead13.js";
import { ContentType, DTLS_1_2 } from "../record/header.js";
import {
  finished13,
  signCertificateVerify13,
  verifyCertificateVerify13,
  verifyFinished13,
} from "./authentication.js";

/** Most record numbers remembered to acknowledge. */
const MAX_TO_ACK = 32;

/**
 * What the DTLS 1.3 client and server share: the key schedule and epochs
 * (2 handshake, 3 application, +1 per KeyUpdate), ACKs (RFC 9147 §7) and
 * post-handshake messages (KeyUpdate both ways, NewSessionTicket ignored).
 */
export abstract class Handshaker13 extends Handshaker {
  protected ks: KeySchedule13 | undefined;
  protected suite: CipherSuite13 | undefined;
  protected group = 0;
  protected peer: PeerCertificate | undefined;
  protected srtp: SrtpProfileName | undefined;
  /** Record numbers of the peer's handshake records to acknowledge. */
  protected toAck: RecordNumber[] = [];
  private readSecret: Uint8Array | undefined;
  private writeSecret: Uint8Array | undefined;
  private readEpoch = 3;
  private writeEpoch = 3;
  /** Our KeyUpdate is sent and not yet acknowledged. */
  private updating = false;
  /** Server: drops the epoch-2 read keys once a retransmitted client Finished can no longer come. */
  private cancelEpoch2: CancelTimer | undefined;
  /** KeyUpdates received and sent (tests and stats). */
  keyUpdates = { sent: 0, received: 0 };

  protected override tls13 = true;

  override release(): void {
    super.release();
    this.ks = undefined;
    this.readSecret = undefined;
    this.writeSecret = undefined;
  }

  /**
   * Drops what the handshake needed and a connected connection does not: the
   * transcript (nothing hashes it after Finished: no post-handshake auth, no
   * tickets) and the schedule's HMAC keys and handshake secrets (a KeyUpdate
   * remakes the one key it needs). The last flight stays until acknowledged.
   */
  protected shed(): void {
    this.transcript.release();
    this.ks?.clear();
    if (this.ks) {
      this.ks.clientHandshake = undefined;
      this.ks.serverHandshake = undefined;
      this.ks.clientApplication = undefined;
      this.ks.serverApplication = undefined;
      this.ks.exporterMaster = undefined;
    }
  }

  /**
   * Client: the server acknowledged our last flight (an ACK, or epoch-3 data),
   * so neither side sends in epoch 2 again: its keys go.
   */
  override acknowledged(): void {
    const lastFlight = this.awaitingAck && this.done && !this.updating;
    super.acknowledged();
    if (lastFlight) {
      this.host.records.dropReadEpoch13(2);
      this.host.records.dropWriteEpoch13(2);
    }
  }

  /**
   * Server, handshake done: nothing is sent in epoch 2 again (ACKs go in
   * epoch 3). The read keys stay as long as the client may retransmit its
   * last flight (its whole retransmission schedule, RFC 9147 §5.8), so that
   * a lost ACK is sent again; then they go too.
   */
  protected holdHandshakeEpoch(): void {
    this.host.records.dropWriteEpoch13(2);
    const { retransmitInitialMs, retransmitMaxMs } = this.config;
    let span = 0;
    for (
      let i = 0, t = retransmitInitialMs;
      i <= MAX_UNACKED_RETRANSMISSIONS;
      i++, t = Math.min(2 * t, retransmitMaxMs)
    )
      span += t;
    this.cancelEpoch2 = startTimer(this.dropReadEpoch2, span);
  }

  private readonly dropReadEpoch2 = () => {
    this.cancelEpoch2 = undefined;
    this.host.records.dropReadEpoch13(2);
  };

  override stop(): void {
    super.stop();
    this.cancelEpoch2?.();
    this.cancelEpoch2 = undefined;
  }

  /** Installs epoch 2 from the handshake traffic secrets. */
  protected installHandshakeEpoch(role: "client" | "server"): void {
    const ks = this.ks!;
    const suite = this.suite!;
    const mine = role === "client" ? ks.clientHandshake! : ks.serverHandshake!;
    const theirs = role === "client" ? ks.serverHandshake! : ks.clientHandshake!;
    this.host.records.setEpoch13(
      2,
      new RecordAead13(suite.aead, ks.trafficKeys(theirs, suite.keyLength)),
      new RecordAead13(suite.aead, ks.trafficKeys(mine, suite.keyLength)),
    );
  }

  /** Installs epoch 3 from the application traffic secrets. */
  protected installApplicationEpoch(role: "client" | "server"): void {
    const ks = this.ks!;
    const suite = this.suite!;
    const write = role === "client" ? ks.clientApplication! : ks.serverApplication!;
    const read = role === "client" ? ks.serverApplication! : ks.clientApplication!;
    this.host.records.setEpoch13(
      3,
      new RecordAead13(suite.aead, ks.trafficKeys(read, suite.keyLength)),
      new RecordAead13(suite.aead, ks.trafficKeys(write, suite.keyLength)),
    );
    // Copies kept: a derived secret can be a view of Node's shared 8 KB Buffer pool, kept whole by it.
    this.writeSecret = new Uint8Array(write);
    this.readSecret = new Uint8Array(read);
  }

  /** Checks the peer's CertificateVerify (authentication.ts) and records it once it verifies. */
  protected verifyCertificateVerify(m: HandshakeMessage, peerRole: "client" | "server"): void {
    verifyCertificateVerify13(this.config, this.peer!, m.body, peerRole, this.transcriptHash(this.suite!));
    this.record(m);
  }

  /** Checks the peer's Finished and records it. */
  protected verifyFinished(m: HandshakeMessage, peerRole: "client" | "server"): void {
    verifyFinished13(this.ks!, m.body, peerRole, this.transcriptHash(this.suite!));
    this.record(m);
  }

  /** Our Certificate and CertificateVerify (epoch 2), the second signing the transcript through the first. */
  protected certificateItems(
    context: Uint8Array,
    scheme: SignatureScheme,
    role: "client" | "server",
  ): FlightItem[] {
    const c = this.config;
    const certificate = this.message(
      HandshakeType.certificate,
      certificate13Body(context, c.certificate.der),
      2,
    );
    const cv = signCertificateVerify13(c, scheme, role, this.transcriptHash(this.suite!));
    return [certificate, this.message(HandshakeType.certificate_verify, cv, 2)];
  }

  /** Our Finished (epoch 2) over the transcript so far. */
  protected finishedItem(role: "client" | "server"): FlightItem {
    return this.message(
      HandshakeType.finished,
      finished13(this.ks!, role, this.transcriptHash(this.suite!)),
      2,
    );
  }

  /** The result both sides report. */
  protected result13(clientRandom: Uint8Array, serverRandom: Uint8Array): HandshakeResult {
    const ks = this.ks!;
    return {
      suite: this.suite!,
      version: 0xfefc,
      group: this.group,
      master: new Uint8Array(0),
      clientRandom,
      serverRandom,
      extendedMasterSecret: true,
      srtpProfile: this.srtp,
      peerCertificate: this.peer,
      exporterMaster: ks.exporterMaster && new Uint8Array(ks.exporterMaster),
    };
  }

  override receiveHandshakeRecord(body: Uint8Array, epoch: number, recordSeq: number): void {
    if (epoch >= 2 && this.toAck.length < MAX_TO_ACK) this.toAck.push({ epoch, seq: recordSeq });
    super.receiveHandshakeRecord(body, epoch, recordSeq);
  }

  /**
   * Sends an ACK of `records` in the current write epoch; `withNext`: in front
   * of the next datagram sent in this event-loop turn (HandshakeHost.sendWithNext).
   */
  protected sendAck(records: readonly RecordNumber[], withNext = false): void {
    const r = this.host.records;
    const ack = r.seal(ContentType.ack, encodeAck(records), r.writeEpoch);
    if (withNext) this.host.sendWithNext(ack);
    else this.host.sendDatagram(ack);
  }

  override receivePostHandshake(body: Uint8Array, epoch: number, recordSeq: number): void {
    for (const f of parseHandshakeFragments(body, 1024)) this.reassembler.add(f, epoch);
    for (let m = this.reassembler.pop(); m; m = this.reassembler.pop()) {
      if (m.type === HandshakeType13.key_update) this.onKeyUpdate(parseKeyUpdate(m.body));
      else if (m.type !== HandshakeType13.new_session_ticket)
        throw unexpectedMessage(`post-handshake message ${m.type}`);
    }
    // Acknowledge every post-handshake record, duplicates too (the peer retransmits until it hears).
    this.sendAck([{ epoch, seq: recordSeq }]);
  }

  private onKeyUpdate(requested: boolean): void {
    const ks = this.ks!;
    const suite = this.suite!;
    this.keyUpdates.received++;
    this.readSecret = ks.nextTrafficSecret(this.readSecret!);
    const next = this.readEpoch + 1;
    this.host.records.setEpoch13(
      next,
      new RecordAead13(suite.aead, ks.trafficKeys(this.readSecret, suite.keyLength)),
      undefined,
    );
    // Keep the previous epoch for records still in flight; forget the one before it.
    if (this.readEpoch - 1 > 2) this.host.records.dropReadEpoch13(this.readEpoch - 1);
    this.readEpoch = next;
    if (requested && !this.updating) this.requestKeyUpdate(false);
  }

  /**
   * Sends a KeyUpdate (RFC 8446 §4.6.3) in the current epoch; our records move
   * to the next epoch once it is acknowledged (RFC 9147 §8).
   */
  override requestKeyUpdate(askPeer = true): void {
    if (this.updating || !this.done || !this.ks) return;
    this.updating = true;
    this.keyUpdates.sent++;
    const item = this.message(
      HandshakeType13.key_update,
      Uint8Array.of(askPeer ? 1 : 0),
      this.writeEpoch,
      false,
    );
    this.awaitingAck = true;
    this.sendFlight([item], false);
  }

  override receiveAck(_records: readonly RecordNumber[]): void {
    if (!this.awaitingAck) return;
    this.acknowledged();
    if (!this.updating) return;
    this.updating = false;
    const ks = this.ks!;
    const suite = this.suite!;
    this.writeSecret = ks.nextTrafficSecret(this.writeSecret!);
    const next = this.writeEpoch + 1;
    const records = this.host.records;
    records.setEpoch13(
      next,
      undefined,
      new RecordAead13(suite.aead, ks.trafficKeys(this.writeSecret, suite.keyLength)),
    );
    records.dropWriteEpoch13(this.writeEpoch);
    records.writeEpoch = next;
    this.writeEpoch = next;
  }

  /** Application data from the peer acknowledges our last handshake flight, not a KeyUpdate. */
  override implicitAck(): void {
    if (!this.updating) this.acknowledged();
  }
}

/** Record version of DTLS 1.3's plaintext records. */
export const LEGACY_VERSION = DTLS_1_2;
