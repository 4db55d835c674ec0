import type { RemoteInfo } from "node:dgram";
import { lookup } from "node:dns/promises";
import type { AddressInfo } from "node:net";
import { type ManagedSocket, SocketRegistry, whenAborted } from "@purertc/socket";
import { ipFamily, type StunAddress } from "./attributes/address.js";
import { StunMessageBuilder } from "./builder.js";
import { StunClass, StunMethod } from "./constants.js";
import type { StunKey } from "./credentials.js";
import { StunError } from "./errors.js";
import { decodeMessage, type StunMessage } from "./message.js";
import {
  type RequestOptions,
  type RetransmissionOptions,
  StunTransactionManager,
  type TransactionResult,
  type TransactionStats,
  type TransportAddress,
} from "./transaction.js";

/** Options of {@link StunClient.open}. */
export interface StunClientOptions extends RetransmissionOptions {
  /** `udp4` (default) or `udp6`. */
  type?: "udp4" | "udp6";
  /** Local bind address. Default: all interfaces of the family. */
  address?: string;
  /** Local port. Default 0 (ephemeral). */
  port?: number;
  /** The registry to open the socket in. Default `SocketRegistry.default`. */
  registry?: SocketRegistry;
  /** SOFTWARE to put in requests. Default none. */
  software?: string;
  /** Aborting it closes the client. */
  signal?: AbortSignal;
}

/** Options of {@link StunClient.binding}. */
export interface BindingOptions extends RequestOptions {
  /** USERNAME to send (with `key`, a short-term authenticated request). */
  username?: string;
  /** Append FINGERPRINT to the request. Default true. */
  fingerprint?: boolean;
}

/** What a Binding transaction found out. */
export interface BindingResult {
  /** Our address as the server saw it (XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS). */
  mapped: StunAddress;
  /** The server we asked. */
  server: TransportAddress;
  /** Milliseconds from the first transmission to the response. */
  rttMs: number;
  /** Retransmissions before the response (0: the RTT is unambiguous). */
  retransmissions: number;
  /** The server's SOFTWARE, if it sent one. */
  software: string | undefined;
  /** The whole success response. */
  response: StunMessage;
}

/** Counters of a client: its transactions' plus datagrams it ignored. */
export interface StunClientStats extends TransactionStats {
  /** Requests or indications sent to the client, which it does not serve. */
  ignored: number;
}

/**
 * A STUN client on its own UDP socket (opened through the
 * {@link SocketRegistry}): Binding requests to learn the mapped address, and
 * any request through {@link StunClient.request}. Close it with `close()` or
 * `await using`.
 *
 * ```ts
 * await using client = await StunClient.open();
 * const { mapped, rttMs } = await client.binding("127.0.0.1:3478");
 * ```
 */
export class StunClient implements AsyncDisposable {
  private socket: ManagedSocket | undefined;
  private readonly manager: StunTransactionManager;
  private readonly software: string | undefined;
  private ignored = 0;
  private malformed = 0;
  private closing: Promise<void> | undefined;
  private readonly onMessage = (data: Buffer, rinfo: RemoteInfo) => {
    let message: StunMessage;
    try {
      message = decodeMessage(data);
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
      this.malformed++;
      return;
    }
    if (!this.manager.handle(message, rinfo)) {
      const cls = message.messageClass;
      if (cls === StunClass.Request || cls === StunClass.Indication) this.ignored++;
    }
  };
  private unlinkParent: (() => void) | undefined;

  private constructor(options: StunClientOptions) {
    this.software = options.software;
    this.manager = new StunTransactionManager({
      send: (data, remote) => this.socket?.send(data, remote.port, remote.address),
      rto: options.rto,
      rc: options.rc,
      rm: options.rm,
      rtoMax: options.rtoMax,
    });
  }

  /**
   * Opens a client socket.
   * @throws SocketError from the registry when the bind fails.
   */
  static async open(options: StunClientOptions = {}): Promise<StunClient> {
    if (options.signal?.aborted) throw new StunError("ERR_ABORTED", "aborted before open");
    const registry = options.registry ?? SocketRegistry.default;
    const client = new StunClient(options);
    try {
      // The client is the owner: the registry holds it weakly and reports it
      // if it is collected without close().
      client.socket = await registry.open(client, {
        label: "stun-client",
        type: options.type ?? "udp4",
        address: options.address,
        port: options.port ?? 0,
        signal: options.signal,
      });
    } catch (error) {
      client.manager.close();
      throw error;
    }
    client.socket.on("message", client.onMessage);
    // An abort while the socket was opening closes it at once.
    client.unlinkParent = whenAborted(options.signal, () => void client.close());
    return client;
  }

  /** The local address of the socket. */
  get local(): AddressInfo {
    return this.socket!.address();
  }

  /** Counters: transactions, retransmissions, malformed and unmatched datagrams. */
  get stats(): StunClientStats {
    const stats = this.manager.stats;
    return { ...stats, malformed: stats.malformed + this.malformed, ignored: this.ignored };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Runs one Binding transaction against `server` (`"host:port"`,
   * `"[v6]:port"` or an address object; host names are resolved).
   * @throws StunError `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_CLOSED`,
   *   `ERR_ERROR_RESPONSE` (with `response`), `ERR_BAD_ATTRIBUTE` when the
   *   response has no usable mapped address.
   */
  async binding(server: string | TransportAddress, options: BindingOptions = {}): Promise<BindingResult> {
    const remote = await this.resolve(server, options.signal);
    const builder = new StunMessageBuilder(StunMethod.Binding, StunClass.Request);
    if (options.username !== undefined) builder.username(options.username);
    if (this.software) builder.software(this.software);
    const key: StunKey | undefined = options.key;
    const bytes = builder.encode({ integrity: key, fingerprint: options.fingerprint ?? true });
    const result = await this.request(bytes, remote, options);
    const response = result.response;
    if (response.messageClass === StunClass.ErrorResponse) {
      const e = response.errorCode;
      throw new StunError(
        "ERR_ERROR_RESPONSE",
        `${e ? `${e.code} ${e.reason}` : "error response"} from ${remote.address}:${remote.port}`,
        { response },
      );
    }
    const mapped = response.xorMappedAddress ?? response.mappedAddress;
    if (!mapped) throw new StunError("ERR_BAD_ATTRIBUTE", "the Binding response has no (XOR-)MAPPED-ADDRESS");
    return {
      mapped,
      server: remote,
      rttMs: result.rttMs,
      retransmissions: result.retransmissions,
      software: response.software,
      response,
    };
  }

  /** Sends an encoded request to `remote` as one transaction (see {@link StunTransactionManager.request}). */
  request(
    bytes: Uint8Array,
    remote: TransportAddress,
    options: RequestOptions = {},
  ): Promise<TransactionResult> {
    if (this.closed) return Promise.reject(new StunError("ERR_CLOSED", "the STUN client is closed"));
    return this.manager.request(bytes, remote, options);
  }

  private async resolve(server: string | TransportAddress, signal?: AbortSignal): Promise<TransportAddress> {
    let host: string;
    let port: number;
    if (typeof server === "string") {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server);
      if (!m) throw new StunError("ERR_INVALID_ARGUMENT", `"${server}" is not host:port`);
      host = m[1]!;
      port = Number(m[2]);
    } else {
      host = server.address;
      port = server.port;
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new StunError("ERR_INVALID_ARGUMENT", `port ${port} is out of range`);
    }
    if (ipFamily(host)) return { address: host, port };
    const family = this.socket?.type === "udp6" ? 6 : 4;
    try {
      const found = await lookup(host, { family });
      if (signal?.aborted) throw new StunError("ERR_ABORTED", "aborted");
      return { address: found.address, port };
    } catch (error) {
      if (error instanceof StunError) throw error;
      throw new StunError("ERR_INVALID_ARGUMENT", `cannot resolve "${host}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Closes the client: pending transactions reject with `ERR_CLOSED`, then the socket closes. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    // close() closes the manager itself: no AbortController (and its listener) for that.
    this.manager.close();
    this.unlinkParent?.();
    const socket = this.socket;
    socket?.off("message", this.onMessage);
    this.closing = socket ? socket.close() : Promise.resolve();
    return this.closing;
  }

  /** Same as {@link StunClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
