import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RtspError } from "../errors.js";
import { parseIceFragment, type WhepSession, type WhepSessionFactory } from "./session.js";

/** Options of {@link WhepServer.listen}. */
export interface WhepServerOptions {
  factory: WhepSessionFactory;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** The endpoint's path; sessions live below it. Default `/whep`. */
  path?: string;
  /** Largest offer or PATCH body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Viewers at once; more get 503. Default 100. */
  maxSessions?: number;
  /** `Access-Control-Allow-Origin`. Default `*` (a page on another origin may play). */
  allowOrigin?: string;
  /** Bound on receiving a whole request (slow senders are cut off). Default 10000. */
  requestTimeoutMs?: number;
  /** HTML served at `/` (the player page), when given. */
  page?: string;
}

const SDP = "application/sdp";
const FRAGMENT = "application/trickle-ice-sdpfrag";

/** Thrown inside a handler to answer with `status` and a plain-text message. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * A WHEP endpoint (draft-ietf-wish-whep, on the model of WHIP, RFC 9725)
 * over node:http: `POST` an SDP offer → `201 Created` with the answer and
 * the session's `Location`; `PATCH` trickle fragments (RFC 8840) to it;
 * `DELETE` it to end the viewer. CORS on every response; a wrong content
 * type is 415, an oversize body 413, a malformed offer 400, an offer it
 * cannot serve 406; no request can take the process down. Sessions come
 * from a {@link WhepSessionFactory} (the PeerConnection side).
 */
export class WhepServer implements AsyncDisposable {
  private readonly sessions = new Map<string, WhepSession>();
  private readonly controller = new AbortController();
  private readonly path: string;
  private closing: Promise<void> | undefined;
  private pendingCreates = 0;
  /** Responses by status code, for stats. */
  readonly stats = new Map<number, number>();

  private constructor(
    private readonly server: Server,
    private readonly options: WhepServerOptions,
  ) {
    this.path = (options.path ?? "/whep").replace(/\/+$/, "");
    server.on("request", this.onRequest);
  }

  /**
   * Listens on `host:port`.
   * @throws Error when the port cannot be bound
   */
  static async listen(options: WhepServerOptions): Promise<WhepServer> {
    const server = createServer({
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      headersTimeout: Math.min(options.requestTimeoutMs ?? 10_000, 10_000),
      keepAliveTimeout: 2000,
      maxHeaderSize: 16 * 1024,
    });
    const whep = new WhepServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    whep.url = `http://${address.includes(":") ? `[${address}]` : address}:${port}${whep.path}`;
    // A client that resets its connection must not become an unhandled error.
    server.on("clientError", (_error, socket) => socket.destroy());
    return whep;
  }

  /** The endpoint's URL, e.g. `http://127.0.0.1:8080/whep` (set once listening; kept after close). */
  url = "";

  /** Viewers connected now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops listening, ends every session and every open HTTP connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      const sessions = [...this.sessions.values()];
      this.sessions.clear();
      await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
      await closed;
      this.server.off("request", this.onRequest);
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse) => {
    this.handle(request, response).catch((error: unknown) => {
      const http =
        error instanceof HttpError ? error : new HttpError(500, "internal error while handling the request");
      this.reply(response, http.status, http.message, http.headers);
    });
  };

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://x");
    const method = request.method ?? "GET";
    if (url.pathname === "/" && this.options.page !== undefined && (method === "GET" || method === "HEAD")) {
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      response.end(method === "HEAD" ? undefined : this.options.page);
      this.count(200);
      return;
    }
    if (url.pathname === this.path) return this.endpoint(method, request, response);
    if (url.pathname.startsWith(`${this.path}/`)) {
      const id = url.pathname.slice(this.path.length + 1);
      return this.resource(id, method, request, response);
    }
    throw new HttpError(404, `nothing at ${url.pathname.slice(0, 100)}`);
  }

  private async endpoint(method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (method === "OPTIONS") {
      response.writeHead(204, {
        ...this.cors(),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization",
        "Access-Control-Max-Age": "86400",
        "Accept-Post": SDP,
      });
      response.end();
      this.count(204);
      return;
    }
    if (method !== "POST")
      throw new HttpError(405, `${method} not allowed on the endpoint`, { Allow: "POST, OPTIONS" });
    expectType(request, SDP);
    const offer = await this.body(request);
    if (!offer.startsWith("v=0"))
      throw new HttpError(400, "the body is not an SDP offer (it must start with v=0)");
    if (this.sessions.size + this.pendingCreates >= (this.options.maxSessions ?? 100)) {
      throw new HttpError(503, "too many viewers", { "Retry-After": "5" });
    }
    const id = randomUUID();
    let session: WhepSession;
    this.pendingCreates++;
    try {
      session = await this.options.factory.create(offer, () => this.forget(id), this.controller.signal);
    } catch (error) {
      if (error instanceof RtspError && error.code === "ERR_BAD_OFFER")
        throw new HttpError(400, error.message);
      if (error instanceof RtspError && error.code === "ERR_UNSUPPORTED_OFFER")
        throw new HttpError(406, error.message);
      throw error;
    } finally {
      this.pendingCreates--;
    }
    if (this.controller.signal.aborted) {
      await session.close();
      throw new HttpError(503, "the endpoint is closing");
    }
    this.sessions.set(id, session);
    response.writeHead(201, {
      ...this.cors(),
      "Content-Type": SDP,
      Location: `${this.path}/${id}`,
      ETag: `"${id}"`,
      "Accept-Patch": FRAGMENT,
    });
    response.end(session.answer);
    this.count(201);
  }

  private async resource(id: string, method: string, request: IncomingMessage, response: ServerResponse) {
    if (method === "OPTIONS") {
      response.writeHead(204, {
        ...this.cors(),
        "Access-Control-Allow-Methods": "PATCH, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Authorization, If-Match",
        "Access-Control-Max-Age": "86400",
        "Accept-Patch": FRAGMENT,
      });
      response.end();
      this.count(204);
      return;
    }
    const session = this.sessions.get(id);
    if (method !== "PATCH" && method !== "DELETE") {
      throw new HttpError(405, `${method} not allowed on a session`, { Allow: "PATCH, DELETE, OPTIONS" });
    }
    if (!session) throw new HttpError(404, "no such session (ended, or never made)");
    if (method === "DELETE") {
      this.sessions.delete(id);
      await session.close();
      this.reply(response, 200, "session ended");
      return;
    }
    expectType(request, FRAGMENT);
    const ifMatch = request.headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== `"${id}"`) {
      throw new HttpError(412, "If-Match does not match the session's ETag");
    }
    const fragment = parseFragment(await this.body(request));
    try {
      await session.addCandidates(fragment.candidates, fragment.mid);
    } catch (error) {
      if (error instanceof RtspError && error.code === "ERR_BAD_OFFER")
        throw new HttpError(400, error.message);
      throw error;
    }
    response.writeHead(204, this.cors());
    response.end();
    this.count(204);
  }

  /** Reads the body as UTF-8, at most `maxBodyBytes` (413 beyond, announced or not). */
  private async body(request: IncomingMessage): Promise<string> {
    const max = this.options.maxBodyBytes ?? 64 * 1024;
    const announced = Number(request.headers["content-length"] ?? "0");
    if (announced > max) throw new HttpError(413, `body over ${max} bytes`);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > max) throw new HttpError(413, `body over ${max} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  private forget(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    void session.close().catch(() => undefined);
  }

  private cors(): Record<string, string> {
    return {
      "Access-Control-Allow-Origin": this.options.allowOrigin ?? "*",
      "Access-Control-Expose-Headers": "Location, ETag, Accept-Patch, Accept-Post, Link",
    };
  }

  private reply(
    response: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    this.count(status);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    // The rest of an unread body is not worth reading: close the connection after this answer.
    response.writeHead(status, {
      ...this.cors(),
      ...headers,
      "Content-Type": "text/plain; charset=utf-8",
      Connection: "close",
    });
    response.end(`${message}\n`);
  }

  private count(status: number): void {
    this.stats.set(status, (this.stats.get(status) ?? 0) + 1);
  }
}

function expectType(request: IncomingMessage, type: string): void {
  const given = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (given !== type) {
    throw new HttpError(
      415,
      `Content-Type must be ${type}, not ${JSON.stringify(given.slice(0, 100) || "(none)")}`,
    );
  }
}

function parseFragment(text: string) {
  try {
    return parseIceFragment(text);
  } catch (error) {
    if (error instanceof RtspError) throw new HttpError(400, error.message);
    throw error;
  }
}
