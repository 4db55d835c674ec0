import { EventEmitter } from "node:events";
import { type CancelTimer, createDebug, type DatagramTransport, startTimer } from "@purertc/socket";
import { type Alert, AlertDescription, AlertLevel, alertName, encodeAlert, parseAlert } from "./alert.js";
import type { DtlsVersion } from "./config.js";
import { resolveConfig } from "./config.js";
import type {
  DtlsConnectionEvents,
  DtlsConnectionOptions,
  DtlsConnectionState,
  DtlsConnectionStats,
} from "./connection-types.js";
import type { CipherSuiteName } from "./crypto/cipher-suites.js";
import type { CipherSuite13Name } from "./crypto/cipher-suites13.js";
import { CookieAuthority } from "./crypto/cookie.js";
import { groupName, type NamedGroupName } from "./crypto/groups.js";
import { exporter13 } from "./crypto/key-schedule13.js";
import { exportKeyingMaterial } from "./crypto/prf.js";
import { DtlsError } from "./errors.js";
import { DTLS_1_3 } from "./extensions/tls13.js";
import type { SrtpProfileName } from "./extensions/use-srtp.js";
import { ClientHandshaker } from "./flights/client.js";
import { ServerHandshaker } from "./flights/server.js";
import { parseAck } from "./handshake/tls13.js";
import type { HandshakeHost, HandshakeResult, Handshaker } from "./handshaker.js";
import type { UnifiedRecord } from "./record/aead13.js";
import { ContentType, type DtlsRecord, parseDatagram } from "./record/header.js";
import { RecordLayer } from "./record/record-layer.js";

const log = createDebug("purertc:dtls");

export type { DtlsConnectionEvents, DtlsConnectionOptions, DtlsConnectionState, DtlsConnectionStats };

let sharedCookies: CookieAuthority | undefined;
/** The process-wide cookie authority of server connections not given one (random secret per process). */
function defaultCookies(): CookieAuthority {
  sharedCookies ??= new CookieAuthority();
  return sharedCookies;
}

/** The abort reason of a connection closed normally (shared: it carries no stack of interest). */
const CLOSED = Object.freeze(new DtlsError("ERR_DTLS_CLOSED", "connection closed"));

/** Most epoch-1 records kept while the keys are not there yet (reordered Finished). */
const MAX_EARLY_RECORDS = 16;
/** Largest application datagram (TLS plaintext limit). */
const MAX_PLAINTEXT = 16384;
/** Labels RFC 5705 §4 forbids for export (they are used by TLS itself). */
const RESERVED_LABELS = new Set([
  "client finished",
  "server finished",
  "master secret",
  "key expansion",
  "extended master secret",
]);

/**
 * A DTLS 1.2 connection, client or server, over any {@link DatagramTransport}
 * (a UDP socket, or an ICE candidate pair). Application data is sent and
 * received as whole datagrams.
 *
 * ```ts
 * const conn = new DtlsConnection(transport, { role: "client", certificate, peerFingerprint });
 * conn.on("message", (data) => console.log(new TextDecoder().decode(data)));
 * await conn.connect();
 * conn.send(new TextEncoder().encode("hello"));
 * await conn.close();
 * ```
 *
 * `close()` is the root of everything the connection starts: it cancels the
 * connection's few timers (handshake, retransmission, idle), sends
 * close_notify when connected, rejects a pending `connect()`, aborts
 * {@link DtlsConnection.signal} if it was handed out, and closes the transport
 * (when owned). A fatal alert or a handshake failure closes the connection the
 * same way. (Unlike purertc's other objects, a connection makes its
 * AbortSignal only on demand: one per handshake cost young-GC time.)
 */
export class DtlsConnection extends EventEmitter<DtlsConnectionEvents> implements AsyncDisposable {
  /** `client` or `server`. */
  readonly role: "client" | "server";
  private readonly counters = { datagramsIn: 0, datagramsOut: 0, malformed: 0 };
  private st: DtlsConnectionState = "new";
  /** Made with the first `signal` request (see there). */
  private controller: AbortController | undefined;
  private readonly records = new RecordLayer();
  private handshaker: Handshaker;
  private readonly ownsTransport: boolean;
  private connectPromise: Promise<void> | undefined;
  /** The pending connect() promise's own settle functions (not a closure over `this`: see `receive`). */
  private resolveConnect: (() => void) | undefined;
  private rejectConnect: ((error: DtlsError) => void) | undefined;
  private closing: Promise<void> | undefined;
  private failure: DtlsError | undefined;
  private result: HandshakeResult | undefined;
  private alertSent = false;
  // The three buffers below are made only when a datagram comes early (rare).
  private early: (DtlsRecord | UnifiedRecord)[] | undefined;
  private earlyData: Uint8Array[] | undefined;
  private beforeConnect: Uint8Array[] | undefined;
  private readonly unlinkSignal: (() => void) | undefined;
  private readonly idleTimeoutMs: number | undefined;
  private readonly keyUpdateAfter: number;
  private cancelIdle: CancelTimer | undefined;
  private closeReason: DtlsError | undefined;
  /** When the last authenticated record came (for idleTimeoutMs). */
  private lastHeard = 0;
  /** @internal Kept alive with the connection. */
  readonly retained: object | undefined;

  // The callbacks handed out are class fields, not closures made in the constructor's (or a
  // method's) body and stored in a property: V8 (Node 20) keeps such a closure, and the object it
  // captures, alive through young-generation GCs (--trace-gc-nvp, micro-tests: 4% of each scavenge
  // survived from a constructor, 29% from a method, 0.2% with a class field), so every closed
  // connection cost a copy. connect() keeps its promise's own resolve/reject for the same reason.
  private readonly receive = (data: Uint8Array) => this.onDatagram(data);
  private readonly transportClosed = () => {
    void this.shutdown(new DtlsError("ERR_DTLS_TRANSPORT_CLOSED", "the datagram transport closed"), false);
  };
  private readonly abortedBySignal = () => void this.close();
  private readonly host: HandshakeHost = {
    records: this.records,
    sendDatagram: (d: Uint8Array) => this.sendDatagram(d),
    handshakeComplete: () => this.onHandshakeComplete(),
    handshakeFailed: (e: DtlsError) => this.onHandshakeFailed(e),
    replaceHandshaker: (next: Handshaker) => {
      this.handshaker = next;
    },
  };

  constructor(
    private readonly transport: DatagramTransport,
    options: DtlsConnectionOptions,
  ) {
    super();
    this.role = options.role;
    let cookies: CookieAuthority | undefined;
    if (options.role === "server" && options.helloVerify !== false)
      cookies = options.helloVerify instanceof CookieAuthority ? options.helloVerify : defaultCookies();
    const config = resolveConfig(options, { cookies, remoteId: options.remoteId });
    this.ownsTransport = options.ownsTransport ?? true;
    this.idleTimeoutMs = config.idleTimeoutMs;
    this.keyUpdateAfter = config.keyUpdateAfterRecords;
    this.retained = options.retain;
    this.handshaker =
      this.role === "client"
        ? new ClientHandshaker(this.host, config)
        : new ServerHandshaker(this.host, config);
    transport.onDatagram = this.receive;
    transport.onClose = this.transportClosed;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) queueMicrotask(this.abortedBySignal);
      else {
        signal.addEventListener("abort", this.abortedBySignal, { once: true });
        this.unlinkSignal = () => signal.removeEventListener("abort", this.abortedBySignal);
      }
    }
    if (transport.closed) queueMicrotask(this.transportClosed);
  }

  /** Counters (a snapshot). */
  get stats(): DtlsConnectionStats {
    return {
      ...this.counters,
      authFailures: this.records.authFailures,
      replays: this.records.replays,
      retransmissions: this.handshaker.retransmissions,
    };
  }

  /** Current state. */
  get state(): DtlsConnectionState {
    return this.st;
  }

  /** Aborted when the connection closes: tie work that lives with the connection to it. */
  get signal(): AbortSignal {
    // Made on first use: most connections are never asked for one, and each AbortSignal costs
    // young-GC time in Node 20 (see startTimer). A connection closed before the first use
    // hands out a signal already aborted with the close reason.
    this.controller ??= new AbortController();
    const signal = this.controller.signal;
    if (this.closeReason !== undefined && !signal.aborted) this.controller.abort(this.closeReason);
    return signal;
  }

  /** The negotiated cipher suite (IANA name), once connected. */
  get cipherSuite(): CipherSuiteName | CipherSuite13Name | undefined {
    return this.result?.suite.name;
  }

  /** The negotiated protocol version, `"1.3"` or `"1.2"`, once connected. */
  get version(): DtlsVersion | undefined {
    const v = this.result?.version;
    return v === undefined ? undefined : v === DTLS_1_3 ? "1.3" : "1.2";
  }

  /** The negotiated key exchange group by name (`X25519MLKEM768`, `x25519`, …), once connected. */
  get group(): NamedGroupName | undefined {
    const g = this.result?.group;
    return g === undefined ? undefined : groupName(g);
  }

  /** The peer certificate's fingerprint, `sha-256 AB:…`, once connected. */
  get peerFingerprint(): string | undefined {
    return this.result?.peerCertificate?.fingerprint;
  }

  /** The peer's certificate (DER), once connected. */
  get peerCertificate(): Uint8Array | undefined {
    return this.result?.peerCertificate?.der;
  }

  /** Whether the extended master secret (RFC 7627) was used, once connected. */
  get extendedMasterSecret(): boolean | undefined {
    return this.result?.extendedMasterSecret;
  }

  /** The negotiated SRTP protection profile, or undefined when none was. */
  get srtpProfile(): SrtpProfileName | undefined {
    return this.result?.srtpProfile;
  }

  /** Why the connection failed, if it did. */
  get error(): DtlsError | undefined {
    return this.failure;
  }

  /**
   * Starts the handshake (idempotent) and resolves once connected. Rejects
   * with a `DtlsError` when the handshake fails, times out or the connection
   * is closed first.
   */
  connect(): Promise<void> {
    if (this.connectPromise) return this.connectPromise;
    if (this.st === "closed") {
      this.connectPromise = Promise.reject(
        this.failure ?? new DtlsError("ERR_DTLS_CLOSED", "connection is closed"),
      );
      return this.connectPromise;
    }
    this.connectPromise = new Promise<void>((resolve, reject) => {
      this.resolveConnect = resolve;
      this.rejectConnect = reject;
    });
    this.st = "connecting";
    try {
      this.handshaker.start();
    } catch (error) {
      this.onHandshakeFailed(asDtlsError(error));
    }
    const early = this.beforeConnect;
    this.beforeConnect = undefined;
    if (early) for (const d of early) this.onDatagram(d);
    return this.connectPromise;
  }

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

  /** DTLS 1.3: KeyUpdates sent and received so far. */
  get keyUpdates(): { sent: number; received: number } {
    const h = this.handshaker as { keyUpdates?: { sent: number; received: number } };
    return { ...(h.keyUpdates ?? { sent: 0, received: 0 }) };
  }

  /**
   * Keying material exporter (RFC 5705), e.g. `("EXTRACTOR-dtls_srtp", 60)`
   * for SRTP keys (RFC 5764 §4.2). Only once connected.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    const r = this.result;
    if (!r || this.st !== "connected")
      throw new DtlsError("ERR_DTLS_STATE", "keying material needs a connection");
    if (RESERVED_LABELS.has(label)) throw new DtlsError("ERR_DTLS_CONFIG", `label "${label}" is reserved`);
    // RFC 5705 §4: labels are ASCII strings.
    if (!/^[\x20-\x7e]+$/.test(label))
      throw new DtlsError("ERR_DTLS_CONFIG", "the label must be printable ASCII");
    // DTLS 1.3: the exporter of RFC 8446 §7.5 (RFC 5764's label and length are the same).
    if (r.exporterMaster) return exporter13(r.suite.hash, r.exporterMaster, label, context, length);
    return exportKeyingMaterial(
      r.suite.hash,
      r.master,
      r.clientRandom,
      r.serverRandom,
      label,
      length,
      context,
    );
  }

  /**
   * Closes the connection: close_notify if connected, timers cancelled, a
   * pending connect() rejected with `ERR_DTLS_CLOSED`, the transport closed
   * if owned. Idempotent; never waits on the network.
   */
  close(): Promise<void> {
    return this.shutdown(undefined, true);
  }

  /** Same as {@link DtlsConnection.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private shutdown(error: DtlsError | undefined, notify: boolean): Promise<void> {
    if (this.closing) return this.closing;
    const wasConnected = this.st === "connected";
    this.st = "closed";
    if (notify && wasConnected) this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.failure = error;
    // A normal close of a connected connection needs no error object (building one costs a stack trace).
    const reason =
      error ??
      (this.resolveConnect
        ? new DtlsError("ERR_DTLS_CLOSED", "connection closed before it connected")
        : CLOSED);
    this.closeReason = reason;
    this.controller?.abort(reason);
    this.cancelIdle?.();
    this.handshaker.stop();
    this.handshaker.release();
    this.records.release();
    this.early = undefined;
    this.earlyData = undefined;
    this.beforeConnect = undefined;
    this.unlinkSignal?.();
    this.transport.onDatagram = undefined;
    this.transport.onClose = undefined;
    this.settleConnect(reason);
    const flush = this.alertSent;
    this.closing = (async () => {
      try {
        // A UDP send completes on a later tick: let a just-sent alert leave before the socket closes.
        if (flush && this.ownsTransport) await new Promise((resolve) => setImmediate(resolve));
        if (this.ownsTransport) await this.transport.close();
      } finally {
        this.emit("close", error);
      }
    })();
    return this.closing;
  }

  /** Settles a pending connect(): resolved without an error, rejected with one. */
  private settleConnect(error?: DtlsError): void {
    const resolve = this.resolveConnect;
    const reject = this.rejectConnect;
    this.resolveConnect = undefined;
    this.rejectConnect = undefined;
    if (error) reject?.(error);
    else resolve?.();
  }

  private sendDatagram(d: Uint8Array): void {
    if (this.transport.closed) return;
    this.counters.datagramsOut++;
    this.transport.send(d);
  }

  private sendAlert(level: number, description: number): void {
    this.alertSent = true;
    try {
      const epoch = this.records.writeEpoch;
      this.sendDatagram(this.records.seal(ContentType.alert, encodeAlert({ level, description }), epoch));
    } catch (error) {
      log("cannot send alert: %s", (error as Error).message);
    }
  }

  private onHandshakeComplete(): void {
    this.result = this.handshaker.result;
    this.st = "connected";
    log("%s connected: %s", this.role, this.result?.suite.name);
    this.settleConnect();
    if (this.idleTimeoutMs !== undefined) {
      this.lastHeard = performance.now();
      this.watchIdle(this.idleTimeoutMs);
    }
    this.emit("connected");
    const early = this.earlyData;
    this.earlyData = undefined;
    if (early) for (const d of early) if (!this.isClosed()) this.emit("message", d);
  }

  /** Closes the connection once the peer has been silent for idleTimeoutMs (checked when it could have run out). */
  private watchIdle(ms: number): void {
    this.cancelIdle = startTimer(() => {
      const limit = this.idleTimeoutMs!;
      const idle = performance.now() - this.lastHeard;
      if (idle < limit) return this.watchIdle(limit - idle);
      const error = new DtlsError(
        "ERR_DTLS_TIMEOUT",
        `no record from the peer for ${Math.round(idle)} ms (idleTimeoutMs ${limit}): closed`,
      );
      void this.shutdown(error, true);
    }, ms);
  }

  private onHandshakeFailed(error: DtlsError): void {
    if (this.st === "closed") return;
    log("%s handshake failed: %s", this.role, error.message);
    if (error.code !== "ERR_DTLS_TIMEOUT" && error.code !== "ERR_DTLS_ALERT")
      this.sendAlert(AlertLevel.fatal, error.alert ?? AlertDescription.handshake_failure);
    void this.shutdown(error, false);
  }

  /** A datagram from the transport: never throws (a bad packet is counted and dropped). */
  private onDatagram(data: Uint8Array): void {
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
      const { records, error } = parseDatagram(data);
      if (error) this.counters.malformed++;
      for (const r of records) {
        if (this.isClosed()) return;
        this.onRecord(r);
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
  private isClosed(): boolean {
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
    if (this.idleTimeoutMs !== undefined) this.lastHeard = performance.now();
    const { epoch, content } = opened;
    switch (opened.type) {
      case ContentType.handshake:
        if (epoch >= 3 && this.st === "connected")
          this.handshaker.receivePostHandshake(content, epoch, opened.seq);
        else this.handshaker.receiveHandshakeRecord(content, epoch, opened.seq);
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

function asDtlsError(error: unknown): DtlsError {
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
