import { type CancelTimer, createDebug, startTimer, whenAborted } from "@purertc/socket";
import { StunClass } from "./constants.js";
import { StunError } from "./errors.js";
import { decodeMessage, StunMessage } from "./message.js";
import type {
  RequestOptions,
  RetransmissionOptions,
  TransactionManagerOptions,
  TransactionResult,
  TransactionStats,
  TransportAddress,
} from "./transaction-types.js";

const log = createDebug("purertc:stun");

export type {
  RequestOptions,
  RetransmissionOptions,
  TransactionManagerOptions,
  TransactionResult,
  TransactionStats,
  TransportAddress,
} from "./transaction-types.js";

interface Pending {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly remote: TransportAddress;
  readonly options: RequestOptions;
  readonly resolve: (result: TransactionResult) => void;
  readonly reject: (error: StunError) => void;
  firstSentAt: number;
  sends: number;
  /** The retransmission (or give-up) timer. */
  cancelTimer: CancelTimer | undefined;
  /** The overall `timeoutMs` timer. */
  cancelTimeout: CancelTimer | undefined;
  onUserAbort: (() => void) | undefined;
}

/** The 12 transaction id bytes as a map key. */
function idKey(bytes: Uint8Array, offset: number): string {
  let s = "";
  for (let i = offset; i < offset + 12; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Client transactions (RFC 8489 §6.2): sends requests through a send
 * function, retransmits them over UDP with RTO doubling (500 ms, Rc = 7,
 * Rm = 16 by default), and settles each with the response whose transaction
 * id matches. Received datagrams are fed in with {@link StunTransactionManager.handle};
 * malformed or unmatched ones are ignored and counted.
 *
 * It owns no socket, so ICE (over its own sockets) and TURN use it as is;
 * {@link StunClient} wraps it with a registry socket.
 *
 * ```ts
 * const manager = new StunTransactionManager({ send: (d, r) => socket.send(d, r.port, r.address) });
 * socket.on("message", (data, rinfo) => manager.handle(data, rinfo));
 * const { response, rttMs } = await manager.request(bytes, { address: "127.0.0.1", port: 3478 });
 * ```
 */
export class StunTransactionManager implements AsyncDisposable {
  /** Counters (live object). */
  readonly stats: TransactionStats = {
    started: 0,
    sent: 0,
    retransmissions: 0,
    succeeded: 0,
    errorResponses: 0,
    timedOut: 0,
    aborted: 0,
    unmatched: 0,
    malformed: 0,
    rejected: 0,
  };
  private isClosed = false;
  private readonly pending = new Map<string, Pending>();
  private send: TransactionManagerOptions["send"] | undefined;
  private readonly defaults: Required<Omit<RetransmissionOptions, "rtoMax">> & { rtoMax: number };
  private readonly unlinkParent: (() => void) | undefined = undefined;

  /** @param options - the send function, retransmission defaults, and an optional parent signal */
  constructor(options: TransactionManagerOptions) {
    this.send = options.send;
    this.defaults = {
      rto: options.rto ?? 500,
      rc: options.rc ?? 7,
      rm: options.rm ?? 16,
      rtoMax: options.rtoMax ?? Number.POSITIVE_INFINITY,
    };
    checkRetransmission(this.defaults);
    if (options.signal) this.unlinkParent = whenAborted(options.signal, () => this.close());
  }

  /** Number of transactions in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Starts a transaction: sends `request` (an encoded request, see
   * `StunMessageBuilder`) to `remote` and retransmits it until a response
   * with its transaction id is fed to {@link StunTransactionManager.handle}.
   *
   * @returns the response (success or error class) with its RTT
   * @throws StunError `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_CLOSED`,
   *   `ERR_UNKNOWN_ATTRIBUTES` (the response had comprehension-required
   *   attributes we do not know, RFC 8489 §6.3.3), `ERR_INVALID_ARGUMENT`
   */
  request(
    request: Uint8Array,
    remote: TransportAddress,
    options: RequestOptions = {},
  ): Promise<TransactionResult> {
    if (this.closed) return Promise.reject(new StunError("ERR_CLOSED", "the transaction manager is closed"));
    if (request.length < 20 || (request[0]! & 0xc0) !== 0) {
      return Promise.reject(new StunError("ERR_INVALID_ARGUMENT", "not an encoded STUN request"));
    }
    const key = idKey(request, 8);
    if (this.pending.has(key)) {
      return Promise.reject(
        new StunError("ERR_INVALID_ARGUMENT", "a transaction with this id is already pending"),
      );
    }
    if (options.signal?.aborted)
      return Promise.reject(new StunError("ERR_ABORTED", "the request was aborted"));
    const settings = { ...this.defaults, ...definedOnly(options) };
    try {
      checkRetransmission(settings);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<TransactionResult>((resolve, reject) => {
      const t: Pending = {
        key,
        bytes: request,
        remote: { address: remote.address, port: remote.port },
        options,
        resolve,
        reject,
        firstSentAt: 0,
        sends: 0,
        cancelTimer: undefined,
        cancelTimeout: undefined,
        onUserAbort: undefined,
      };
      this.pending.set(key, t);
      this.stats.started++;
      if (options.signal) {
        t.onUserAbort = () => {
          this.stats.aborted++;
          this.finish(
            t,
            new StunError("ERR_ABORTED", "the request was aborted", { cause: options.signal?.reason }),
          );
        };
        options.signal.addEventListener("abort", t.onUserAbort, { once: true });
      }
      if (options.timeoutMs !== undefined) {
        t.cancelTimeout = startTimer(() => {
          this.stats.timedOut++;
          this.finish(
            t,
            new StunError("ERR_TIMEOUT", `no response from ${addr(remote)} within ${options.timeoutMs} ms`),
          );
        }, options.timeoutMs);
      }
      const transmit = () => {
        if (this.pending.get(key) !== t) return;
        if (t.sends === 0) t.firstSentAt = performance.now();
        else this.stats.retransmissions++;
        t.sends++;
        this.stats.sent++;
        try {
          this.send!(t.bytes, t.remote);
        } catch (error) {
          this.finish(
            t,
            new StunError("ERR_CLOSED", `cannot send to ${addr(remote)}: ${(error as Error).message}`, {
              cause: error,
            }),
          );
          return;
        }
        let wait: number;
        let next: () => void = transmit;
        if (options.reliable) {
          wait = settings.rto * 79; // Ti = 39.5 s with the default RTO (RFC 8489 §6.2.2)
          next = giveUp;
        } else if (t.sends < settings.rc) {
          wait = Math.min(settings.rto * 2 ** (t.sends - 1), settings.rtoMax);
        } else {
          wait = settings.rm * settings.rto;
          next = giveUp;
        }
        t.cancelTimer = startTimer(next, wait);
      };
      const giveUp = () => {
        this.stats.timedOut++;
        this.finish(
          t,
          new StunError(
            "ERR_TIMEOUT",
            `no response from ${addr(remote)} after ${t.sends} requests (RFC 8489 §6.2.1)`,
          ),
        );
      };
      transmit();
    });
  }

  /**
   * Feeds one received datagram (or an already decoded message). Returns
   * true when it was a response to a pending transaction (consumed, whether
   * accepted or discarded), false otherwise: requests and indications are
   * left to the caller; malformed and unmatched datagrams are counted.
   */
  handle(input: Uint8Array | StunMessage, remote: TransportAddress): boolean {
    let message: StunMessage;
    if (input instanceof StunMessage) message = input;
    else {
      try {
        message = decodeMessage(input);
      } catch (error) {
        if (!(error instanceof StunError)) throw error;
        this.stats.malformed++;
        return false;
      }
    }
    const cls = message.messageClass;
    if (cls !== StunClass.SuccessResponse && cls !== StunClass.ErrorResponse) return false;
    const t = this.pending.get(idKey(message.transactionId, 0));
    if (!t) {
      this.stats.unmatched++;
      return false;
    }
    if (!this.acceptable(message, t.options)) {
      this.stats.rejected++;
      log("discarded response %s from %s", message.transactionIdHex, addr(remote));
      return true;
    }
    if (message.unknownComprehensionRequired.length > 0) {
      const list = message.unknownComprehensionRequired.map((x) => `0x${x.toString(16)}`).join(", ");
      this.finish(
        t,
        new StunError(
          "ERR_UNKNOWN_ATTRIBUTES",
          `response has unknown comprehension-required attributes ${list}`,
        ),
      );
      return true;
    }
    if (cls === StunClass.SuccessResponse) this.stats.succeeded++;
    else this.stats.errorResponses++;
    const result: TransactionResult = {
      response: message,
      remote: { address: remote.address, port: remote.port },
      rttMs: performance.now() - t.firstSentAt,
      retransmissions: t.sends - 1,
    };
    this.finish(t, undefined, result);
    return true;
  }

  private acceptable(message: StunMessage, options: RequestOptions): boolean {
    try {
      if (message.hasFingerprint ? !message.checkFingerprint() : options.requireFingerprint) return false;
      const key = options.key;
      if (!key) return true;
      if (message.hasIntegritySha256) return message.checkIntegritySha256(key);
      if (message.hasIntegrity) return message.checkIntegrity(key);
      return options.acceptUnauthenticatedErrors === true && message.messageClass === StunClass.ErrorResponse;
    } catch {
      return false;
    }
  }

  private finish(t: Pending, error: StunError | undefined, result?: TransactionResult): void {
    if (this.pending.get(t.key) !== t) return;
    this.pending.delete(t.key);
    // Its timers are cancelled one by one: an AbortController per transaction (one per ICE check)
    // cost an AbortSignal and, on abort(), an error object each, for the young GC to handle.
    t.cancelTimer?.();
    t.cancelTimeout?.();
    if (t.onUserAbort) t.options.signal?.removeEventListener("abort", t.onUserAbort);
    if (error) t.reject(error);
    else t.resolve(result!);
  }

  /** Cancels one pending transaction by its id (rejects it with `ERR_ABORTED`). */
  cancel(transactionId: Uint8Array): boolean {
    const t = this.pending.get(idKey(transactionId, 0));
    if (!t) return false;
    this.stats.aborted++;
    this.finish(t, new StunError("ERR_ABORTED", "the transaction was cancelled"));
    return true;
  }

  /**
   * Rejects every pending transaction with `ERR_CLOSED` and stops all timers.
   * Idempotent. (A flag, not an AbortController: one manager per ICE base, and
   * each abort() made a DOMException nobody read.)
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const t of [...this.pending.values()]) {
      this.finish(t, new StunError("ERR_CLOSED", "the transaction manager was closed"));
    }
    this.unlinkParent?.();
    this.send = undefined;
  }

  /** Same as {@link StunTransactionManager.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

function addr(r: TransportAddress): string {
  return r.address.includes(":") ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
}

function definedOnly(options: RequestOptions): RetransmissionOptions {
  const out: RetransmissionOptions = {};
  if (options.rto !== undefined) out.rto = options.rto;
  if (options.rc !== undefined) out.rc = options.rc;
  if (options.rm !== undefined) out.rm = options.rm;
  if (options.rtoMax !== undefined) out.rtoMax = options.rtoMax;
  return out;
}

function checkRetransmission(o: { rto: number; rc: number; rm: number; rtoMax: number }): void {
  if (!(o.rto > 0) || !Number.isInteger(o.rc) || o.rc < 1 || !(o.rm > 0) || !(o.rtoMax > 0)) {
    throw new StunError("ERR_INVALID_ARGUMENT", "rto, rc, rm and rtoMax must be positive (rc an integer)");
  }
}
