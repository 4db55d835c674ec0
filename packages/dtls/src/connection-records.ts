import { createDebug, type DatagramTransport } from "@purertc/socket";
import { type Alert, AlertDescription, AlertLevel, alertName, encodeAlert, parseAlert } from "./alert.js";
import { DtlsConnectionInfo } from "./connection-info.js";
import { DtlsError } from "./errors.js";
import { DTLS_1_3 } from "./extensions/tls13.js";
import { parseAck } from "./handshake/tls13.js";
import type { UnifiedRecord } from "./record/aead13.js";
import { ContentType, type DtlsRecord, parseDatagram } from "./record/header.js";

const log = createDebug("purertc:dtls");

/** Most epoch-1 records kept while the keys are not there yet (reordered Finished). */
const MAX_EARLY_RECORDS = 16;
/** Largest application datagram (TLS plaintext limit). */
const MAX_PLAINTEXT = 16384;

/**
 * The record I/O of a {@link DtlsConnection}: application data out (with the
 * DTLS 1.3 KeyUpdate trigger), alerts out, and every datagram in, demultiplexed
 * by record (1.2 records and 1.3 unified-header records) to the handshaker,
 * the `message` event or the alert handling. These are methods of the
 * connection itself (a base class, not a helper object) so that the per-record
 * path has no extra indirection. The lifecycle (connect, close) is in
 * connection.ts, which implements `shutdown`.
 */
export abstract class DtlsConnectionRecords extends DtlsConnectionInfo {
  protected alertSent = false;
  // The three buffers below are made only when a datagram comes early (rare).
  protected early: (DtlsRecord | UnifiedRecord)[] | undefined;
  protected earlyData: Uint8Array[] | undefined;
  protected beforeConnect: Uint8Array[] | undefined;
  /** When the last authenticated record came (for idleTimeoutMs). */
  protected lastHeard = 0;

  /**
   * A datagram that rides in front of the next one sent in this turn of the
   * event loop, or goes alone once the turn's I/O is done ({@link sendWithNext}).
   */
  private held: Uint8Array | undefined;
  private heldFlush: NodeJS.Immediate | undefined;

  constructor(
    role: "client" | "server",
    protected readonly transport: DatagramTransport,
    protected readonly idleTimeoutMs: number | undefined,
    protected readonly keyUpdateAfter: number,
    /** Largest datagram a held one is joined into. */
    private readonly mtu: number,
  ) {
    super(role);
  }

  /** Closes the connection (connection.ts): with `error` as the failure, close_notify first if `notify`. */
  protected abstract shutdown(error: DtlsError | undefined, notify: boolean): Promise<void>;

  /**
   * Sends one datagram of application data. Throws `ERR_DTLS_STATE` unless
   * connected and `ERR_DTLS_TOO_LARGE` above 16 384 bytes.
   */
  send(data: Uint8Array): void {
    if (this.st !== "connected") throw new DtlsError("ERR_DTLS_STATE", `send while ${this.st}`);
    if (data.length > MAX_PLAINTEXT)
      throw new DtlsError("ERR_DTLS_TOO_LARGE", `${data.length} bytes (max 16384)`);
    const records = this.records;
    this.sendDatagram(records.seal(ContentType.applicationData, data));
    // DTLS 1.3: a KeyUpdate once this epoch has carried keyUpdateAfterRecords records (RFC 8446 §4.6.3).
    if (records.writeEpoch >= 3 && records.writeSequence(records.writeEpoch) >= this.keyUpdateAfter)
      this.handshaker.requestKeyUpdate();
  }

  protected sendDatagram(d: Uint8Array): void {
    if (this.transport.closed) return;
    const held = this.held;
    if (held) {
      this.dropHeld();
      if (held.length + d.length <= this.mtu) {
        const both = new Uint8Array(held.length + d.length);
        both.set(held);
        both.set(d, held.length);
        d = both;
      } else this.sendDatagram(held);
    }
    this.counters.datagramsOut++;
    this.transport.send(d);
  }

  /**
   * Sends `d` (whole records) with the next datagram this connection sends in
   * this turn of the event loop, or alone at the end of the turn (setImmediate:
   * after the datagrams already received are handled). The server's ACK of the
   * client's last flight goes this way: the client's first application data
   * (a data channel's SCTP INIT) usually came in the same turn, and the ACK
   * rides with the answer, one datagram (a send, and a receive on the peer) fewer.
   */
  protected sendWithNext(d: Uint8Array): void {
    const before = this.held;
    if (before) {
      // Never two held: the first goes now.
      this.dropHeld();
      this.sendDatagram(before);
    }
    this.held = d;
    this.heldFlush = setImmediate(this.flushHeld);
  }

  private readonly flushHeld = () => {
    this.heldFlush = undefined;
    const held = this.held;
    this.held = undefined;
    if (held && !this.isClosed()) this.sendDatagram(held);
  };

  /** Forgets a held datagram (sent with another, or the connection closed). */
  protected dropHeld(): void {
    this.held = undefined;
    if (this.heldFlush) clearImmediate(this.heldFlush);
    this.heldFlush = undefined;
  }

  protected sendAlert(level: number, description: number): void {
    this.alertSent = true;
    try {
      const epoch = this.records.writeEpoch;
      this.sendDatagram(this.records.seal(ContentType.alert, encodeAlert({ level, description }), epoch));
    } catch (error) {
      log("cannot send alert: %s", (error as Error).message);
    }
  }

  /** A datagram from the transport: never throws (a bad packet is counted and dropped). */
  protected onDatagram(data: Uint8Array): void {
    if (this.st === "closed") return;
    if (this.st === "new") {
      // A peer may start before connect() is called (the other side of an ICE pair): keep its
      // first datagrams rather than wait a retransmission timeout for them.
      this.beforeConnect ??= [];
      if (this.beforeConnect.length < MAX_EARLY_RECORDS) this.beforeConnect.push(new Uint8Array(data));
      return;
    }
    this.counters.datagramsIn++;
    try {
      // Connected DTLS 1.3: the one-record datagram of application data skips the general parse.
      const whole = this.st === "connected" ? this.records.openWhole13(data) : null;
      if (whole === null) {
        const { records, error } = parseDatagram(data);
        if (error) this.counters.malformed++;
        for (const r of records) {
          if (this.isClosed()) return;
          this.onRecord(r);
        }
      } else if (whole !== undefined) {
        const o = this.records.opened13;
        this.onOpened13(o.epoch, o.seq, o.type, whole);
      }
      if (!this.isClosed()) this.handshaker.afterDatagram();
    } catch (error) {
      const e = asDtlsError(error);
      if (this.st === "connecting") this.handshaker.fail(e);
      else {
        this.counters.malformed++;
        log("dropped a datagram: %s", e.message);
      }
    }
  }

  /** A fresh read of the state (it changes under handlers). */
  protected isClosed(): boolean {
    return this.st === "closed";
  }

  private onRecord(r: DtlsRecord | UnifiedRecord): void {
    if ("header" in r) {
      this.onRecord13(r);
      return;
    }
    if (!this.records.canRead(r.epoch)) {
      // Epoch-1 records can overtake the flight that brings their keys.
      if (r.epoch === 1 && this.st === "connecting") {
        this.early ??= [];
        if (this.early.length < MAX_EARLY_RECORDS) this.early.push(r);
      }
      return;
    }
    const body = this.records.open(r);
    if (!body) return;
    if (this.idleTimeoutMs !== undefined) this.lastHeard = performance.now();
    switch (r.type) {
      case ContentType.handshake:
        // DTLS 1.3 has no plaintext handshake after the handshake (and no renegotiation): dropped.
        if (this.st === "connected" && this.result?.version === DTLS_1_3) return;
        if (this.st === "connected" && this.isRenegotiation(body)) return;
        this.handshaker.receiveHandshakeRecord(body, r.epoch, r.sequence);
        this.replayEarly();
        return;
      case ContentType.changeCipherSpec:
        if (body.length !== 1 || body[0] !== 1)
          throw new DtlsError("ERR_DTLS_MALFORMED", "bad ChangeCipherSpec", { alert: 10 });
        return;
      case ContentType.alert:
        this.onAlert(parseAlert(body), r.epoch);
        return;
      case ContentType.applicationData:
        if (r.epoch !== 1) return;
        if (this.st === "connected") this.emit("message", body);
        // The peer may send data right after its last flight, which can overtake our view of
        // the end of the handshake (a client whose Finished from the server is late).
        else if (this.st === "connecting") {
          this.earlyData ??= [];
          if (this.earlyData.length < MAX_EARLY_RECORDS) this.earlyData.push(body);
        }
        return;
    }
  }

  /** A DTLS 1.3 protected record (epoch 2 and up). */
  private onRecord13(r: UnifiedRecord): void {
    const opened = this.records.open13(r);
    if (!opened) {
      // Epoch-2/3 records can overtake the ServerHello that brings their keys.
      if (this.st === "connecting" && !this.records.canReadBits13(r.epochBits)) {
        this.early ??= [];
        if (this.early.length < MAX_EARLY_RECORDS) this.early.push(r);
      }
      return;
    }
    this.onOpened13(opened.epoch, opened.seq, opened.type, opened.content);
  }

  /** An authenticated DTLS 1.3 record. */
  private onOpened13(epoch: number, seq: number, type: number, content: Uint8Array): void {
    if (this.idleTimeoutMs !== undefined) this.lastHeard = performance.now();
    switch (type) {
      case ContentType.handshake:
        if (epoch >= 3 && this.st === "connected") this.handshaker.receivePostHandshake(content, epoch, seq);
        else this.handshaker.receiveHandshakeRecord(content, epoch, seq);
        this.replayEarly();
        return;
      case ContentType.ack:
        this.handshaker.receiveAck(parseAck(content));
        return;
      case ContentType.alert:
        this.onAlert(parseAlert(content), epoch);
        return;
      case ContentType.applicationData:
        if (epoch < 3) return;
        // The server sends data in epoch 3 only once it has our Finished: an implicit ACK.
        this.handshaker.implicitAck();
        if (this.st === "connected") this.emit("message", content);
        else if (this.st === "connecting") {
          this.earlyData ??= [];
          if (this.earlyData.length < MAX_EARLY_RECORDS) this.earlyData.push(content);
        }
        return;
    }
  }

  /** Records that came before their keys, tried again once a handshake record was handled. */
  private replayEarly(): void {
    const early = this.early;
    if (!early) return;
    const ready = early.filter((e) =>
      "header" in e ? this.records.canReadBits13(e.epochBits) : this.records.canRead(e.epoch),
    );
    if (ready.length === 0) return;
    this.early = early.filter((e) => !ready.includes(e));
    for (const e of ready) if (!this.isClosed()) this.onRecord(e);
  }

  /** After the handshake, a new hello is refused with a no_renegotiation warning (RFC 5746). */
  private isRenegotiation(body: Uint8Array): boolean {
    const type = body[0];
    const seq = ((body[4] ?? 0) << 8) | (body[5] ?? 0);
    const fresh = seq >= this.handshaker.nextReceiveSeq;
    if (fresh && (type === 0 || type === 1)) {
      this.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return true;
    }
    return false;
  }

  private onAlert(alert: Alert, epoch: number): void {
    // Once keys are in use, only protected alerts count: a forged plaintext alert must not end the connection.
    if (this.st === "connected" && epoch === 0) return;
    if (alert.description === AlertDescription.close_notify) {
      log("%s: peer sent close_notify", this.role);
      void this.shutdown(undefined, true);
      return;
    }
    if (alert.level === AlertLevel.fatal) {
      const error = new DtlsError("ERR_DTLS_ALERT", `peer sent fatal alert ${alertName(alert.description)}`, {
        alert: alert.description as AlertDescription,
      });
      if (this.st === "connecting") this.handshaker.fail(error);
      else void this.shutdown(error, false);
    }
  }
}

/** Any thrown value as a DtlsError (an unexpected one is an internal_error, alert 80). */
export function asDtlsError(error: unknown): DtlsError {
  if (error instanceof DtlsError) return error;
  return new DtlsError(
    "ERR_DTLS_MALFORMED",
    `internal error: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
      alert: 80,
    },
  );
}
