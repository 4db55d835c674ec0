import { type CancelTimer, createDebug, type DatagramTransport, startTimer } from "@purertc/socket";
import { AlertDescription, AlertLevel } from "./alert.js";
import { resolveConfig } from "./config.js";
import { asDtlsError, DtlsConnectionRecords } from "./connection-records.js";
import type {
  DtlsConnectionEvents,
  DtlsConnectionOptions,
  DtlsConnectionState,
  DtlsConnectionStats,
} from "./connection-types.js";
import { CookieAuthority } from "./crypto/cookie.js";
import { DtlsError } from "./errors.js";
import { ClientHandshaker } from "./flights/client.js";
import { ServerHandshaker } from "./flights/server.js";
import type { HandshakeHost, Handshaker } from "./handshaker.js";

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

/**
 * A DTLS connection, 1.3 (RFC 9147) or 1.2 (RFC 6347) as negotiated, client
 * or server, over any {@link DatagramTransport} (a UDP socket, or an ICE
 * candidate pair). Application data is sent and received as whole datagrams.
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
 *
 * The class is split along its base classes: connection-info.ts (state,
 * getters, stats, keying-material exporter), connection-records.ts (record
 * I/O: send, receive, alerts, 1.3 records and the KeyUpdate trigger), and this
 * file (construction, connect, the handshake callbacks, close and teardown).
 */
export class DtlsConnection extends DtlsConnectionRecords implements AsyncDisposable {
  private readonly ownsTransport: boolean;
  private connectPromise: Promise<void> | undefined;
  /** The pending connect() promise's own settle functions (not a closure over `this`: see `receive`). */
  private resolveConnect: (() => void) | undefined;
  private rejectConnect: ((error: DtlsError) => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly unlinkSignal: (() => void) | undefined;
  private cancelIdle: CancelTimer | undefined;
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
    sendWithNext: (d: Uint8Array) => this.sendWithNext(d),
    handshakeComplete: () => this.onHandshakeComplete(),
    handshakeFailed: (e: DtlsError) => this.onHandshakeFailed(e),
    replaceHandshaker: (next: Handshaker) => {
      this.handshaker = next;
    },
  };

  constructor(transport: DatagramTransport, options: DtlsConnectionOptions) {
    let cookies: CookieAuthority | undefined;
    if (options.role === "server" && options.helloVerify !== false)
      cookies = options.helloVerify instanceof CookieAuthority ? options.helloVerify : defaultCookies();
    const config = resolveConfig(options, { cookies, remoteId: options.remoteId });
    super(options.role, transport, config.idleTimeoutMs, config.keyUpdateAfterRecords, config.mtu);
    this.ownsTransport = options.ownsTransport ?? true;
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

  protected override shutdown(error: DtlsError | undefined, notify: boolean): Promise<void> {
    if (this.closing) return this.closing;
    const wasConnected = this.st === "connected";
    this.st = "closed";
    if (notify && wasConnected) this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    // A held datagram (the ACK of the client's last flight) went with the alert, or goes no more.
    this.dropHeld();
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
}
