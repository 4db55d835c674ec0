import { connect, type Socket } from "node:net";
import { type CancelTimer, childController, setTimer, whenAborted } from "@purertc/socket";
import { RtspError } from "./errors.js";
import {
  type InterleavedFrame,
  RtspReader,
  type RtspReaderItem,
  type RtspReaderLimits,
  type RtspResponse,
} from "./message.js";

/** Options of {@link RtspConnection.open}. */
export interface RtspConnectionOptions {
  host: string;
  port: number;
  /** The owner's signal: aborting it closes the connection. */
  signal: AbortSignal;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Default 5000. */
  requestTimeoutMs?: number;
  limits?: RtspReaderLimits;
  /** Sent as `User-Agent`. */
  userAgent?: string;
  /** Each `$` frame, in order. */
  onFrame: (frame: InterleavedFrame) => void;
  /** Once, when the connection ends for any reason but close(). */
  onLost: (error: RtspError) => void;
}

interface Pending {
  cseq: number;
  resolve: (response: RtspResponse) => void;
  reject: (error: RtspError) => void;
  cancelTimer: CancelTimer;
}

/**
 * One TCP connection to a camera: requests matched to responses by CSeq,
 * interleaved frames handed on, the camera's own requests answered. Owns a
 * child AbortController of its owner's signal; the socket, the request
 * timers and the pending promises are all tied to it.
 */
export class RtspConnection {
  private readonly controller: AbortController;
  private readonly reader: RtspReader;
  private readonly pending: Pending[] = [];
  private cseq = 0;
  private isClosed = false;
  private readonly unlink: () => void;

  private constructor(
    private readonly socket: Socket,
    private readonly options: RtspConnectionOptions,
    controller: AbortController,
  ) {
    this.controller = controller;
    this.reader = new RtspReader(this.onItem, options.limits);
    this.unlink = whenAborted(controller.signal, this.onAbort);
    socket.on("data", this.onData);
    socket.on("close", this.onSocketClose);
    socket.on("error", this.onSocketError);
  }

  /**
   * Connects (bounded by `connectTimeoutMs` and the signal).
   * @throws RtspError `ERR_CONNECTION`, `ERR_TIMEOUT`, `ERR_CLOSED`
   */
  static open(options: RtspConnectionOptions): Promise<RtspConnection> {
    const controller = childController(options.signal);
    return new Promise((resolve, reject) => {
      if (controller.signal.aborted) {
        reject(new RtspError("ERR_CLOSED", "closed before connecting"));
        return;
      }
      const socket = connect({ host: options.host, port: options.port, noDelay: true });
      const settle = (error: RtspError | undefined) => {
        cancel();
        unlink();
        socket.off("connect", onConnect);
        socket.off("error", onError);
        if (error) {
          socket.destroy();
          controller.abort();
          reject(error);
        } else resolve(new RtspConnection(socket, options, controller));
      };
      const onConnect = () => settle(undefined);
      const onError = (cause: Error) =>
        settle(
          new RtspError(
            "ERR_CONNECTION",
            `cannot connect to ${options.host}:${options.port}: ${cause.message}`,
            {
              cause,
            },
          ),
        );
      const unlink = whenAborted(controller.signal, () =>
        settle(new RtspError("ERR_CLOSED", "closed while connecting")),
      );
      const cancel = setTimer(
        () => settle(new RtspError("ERR_TIMEOUT", `no TCP connection to ${options.host}:${options.port}`)),
        options.connectTimeoutMs ?? 5000,
        controller.signal,
      );
      socket.once("connect", onConnect);
      socket.once("error", onError);
    });
  }

  /** The camera's IP address as connected (UDP media must come from it). */
  get remoteAddress(): string {
    return (this.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  }

  /** True once closed or lost. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Sends a request and waits (bounded) for its response. CSeq and
   * User-Agent are added.
   * @throws RtspError `ERR_TIMEOUT`, `ERR_CONNECTION`, `ERR_CLOSED`
   */
  request(method: string, url: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    if (this.isClosed) return Promise.reject(new RtspError("ERR_CLOSED", `${method}: connection closed`));
    const cseq = ++this.cseq;
    let text = `${method} ${url} RTSP/1.0\r\nCSeq: ${cseq}\r\n`;
    if (this.options.userAgent) text += `User-Agent: ${this.options.userAgent}\r\n`;
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
    text += "\r\n";
    return new Promise<RtspResponse>((resolve, reject) => {
      const entry: Pending = {
        cseq,
        resolve,
        reject,
        cancelTimer: setTimer(
          () => {
            this.remove(entry);
            reject(
              new RtspError("ERR_TIMEOUT", `no response to ${method} within ${this.requestTimeoutMs} ms`),
            );
          },
          this.requestTimeoutMs,
          this.controller.signal,
        ),
      };
      this.pending.push(entry);
      this.socket.write(text, "latin1");
    });
  }

  /** Sends one `$` frame (RTCP to the camera over the interleaved channel). */
  sendFrame(channel: number, payload: Uint8Array): void {
    if (this.isClosed || payload.length > 0xffff) return;
    const header = Buffer.from([0x24, channel, payload.length >> 8, payload.length & 0xff]);
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Destroys the socket and rejects pending requests with `ERR_CLOSED`. Idempotent. */
  close(): void {
    this.end(new RtspError("ERR_CLOSED", "connection closed"), false);
  }

  private get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 5000;
  }

  private remove(entry: Pending): void {
    const at = this.pending.indexOf(entry);
    if (at >= 0) this.pending.splice(at, 1);
  }

  private end(error: RtspError, lost: boolean): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unlink();
    this.socket.off("data", this.onData);
    this.socket.destroy();
    this.controller.abort();
    for (const p of this.pending.splice(0)) {
      p.cancelTimer();
      p.reject(error);
    }
    if (lost) this.options.onLost(error);
  }

  private readonly onAbort = () => this.close();

  private readonly onData = (chunk: Buffer) => {
    try {
      this.reader.push(chunk);
    } catch (error) {
      this.end(error as RtspError, true);
    }
  };

  private readonly onSocketClose = () => {
    this.end(new RtspError("ERR_CONNECTION", "the camera closed the connection"), true);
  };

  private readonly onSocketError = (cause: Error) => {
    this.end(new RtspError("ERR_CONNECTION", `connection error: ${cause.message}`, { cause }), true);
  };

  private readonly onItem = (item: RtspReaderItem) => {
    if (item.kind === "frame") {
      this.options.onFrame(item);
      return;
    }
    if (item.kind === "request") {
      // A camera's own request (RFC 2326 §10): keep-alive probes get 200, the rest 501.
      const cseq = item.headers.get("cseq") ?? "0";
      const ok = item.method === "OPTIONS" || item.method === "GET_PARAMETER";
      const reply = ok ? "200 OK" : "501 Not Implemented";
      if (/^\d{1,10}$/.test(cseq)) this.socket.write(`RTSP/1.0 ${reply}\r\nCSeq: ${cseq}\r\n\r\n`, "latin1");
      return;
    }
    const cseq = Number(item.headers.get("cseq"));
    // A response without (or with a wrong) CSeq answers the oldest request: some cameras omit it.
    const entry = this.pending.find((p) => p.cseq === cseq) ?? this.pending[0];
    if (!entry) return;
    this.remove(entry);
    entry.cancelTimer();
    entry.resolve(item);
  };
}
