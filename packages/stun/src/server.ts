import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { RemoteInfo } from "node:dgram";
import { createDebug, type ManagedSocket, SocketRegistry, whenAborted } from "@purertc/socket";
import type { StunAddress } from "./attributes/address.js";
import { defaultReason, ErrorCode } from "./attributes/error-code.js";
import type { PasswordAlgorithmValue } from "./attributes/values.js";
import { StunMessageBuilder } from "./builder.js";
import { AttributeType, PasswordAlgorithm, StunClass, StunMethod } from "./constants.js";
import { type LongTermAlgorithm, StunKey } from "./credentials.js";
import { StunError } from "./errors.js";
import { decodeMessage, type StunMessage } from "./message.js";

const log = createDebug("purertc:stun");

const UNSUPPORTED = [AttributeType.CHANGE_REQUEST, AttributeType.RESPONSE_PORT];

// RFC 8489 §9.2.1: "obMatJos2" then the 24-bit security feature set in
// base64, here with only the password-algorithms bit (the first) set.
const NONCE_COOKIE = `obMatJos2${Buffer.from([0x80, 0, 0]).toString("base64")}`;
const ALGORITHM_NUMBER = { md5: PasswordAlgorithm.MD5, sha256: PasswordAlgorithm.SHA256 } as const;

function algorithmName(n: number): LongTermAlgorithm | undefined {
  return n === PasswordAlgorithm.MD5 ? "md5" : n === PasswordAlgorithm.SHA256 ? "sha256" : undefined;
}

function sameAlgorithms(a: PasswordAlgorithmValue[], b: PasswordAlgorithmValue[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.algorithm === b[i]!.algorithm && x.parameters.length === b[i]!.parameters.length)
  );
}

/**
 * Credentials a {@link StunServer} checks (RFC 8489 §9). Without them, it
 * answers every well-formed Binding request.
 */
export type StunServerCredentials =
  | {
      /** Short-term (RFC 8489 §9.1): USERNAME and MESSAGE-INTEGRITY required. */
      type: "short-term";
      /** The password (or key) of `username`; undefined for an unknown user. */
      password(username: string): string | StunKey | undefined;
    }
  | {
      /** Long-term (RFC 8489 §9.2): REALM and NONCE challenge, MD5 keys. */
      type: "long-term";
      realm: string;
      /** The password (or key) of `username`; undefined for an unknown user. */
      password(username: string): string | StunKey | undefined;
      /** How long a NONCE stays valid. Default 10 minutes. */
      nonceLifetimeMs?: number;
      /**
       * Password algorithms offered, in order of preference (RFC 8489 §9.2.1).
       * Default `["md5"]`: the RFC 5389 behaviour, no PASSWORD-ALGORITHMS. With
       * `"sha256"` in the list, nonces carry the "obMatJos2" cookie with the
       * password-algorithms bit, challenges carry PASSWORD-ALGORITHMS, and a
       * request must echo them and pick one with PASSWORD-ALGORITHM (else 400).
       */
      algorithms?: LongTermAlgorithm[];
    };

/** Options of {@link StunServer.listen}. */
export interface StunServerOptions {
  /** Bind address. Default `127.0.0.1`. */
  address?: string;
  /** Bind port. Default 0 (ephemeral); 3478 is the registered STUN port. */
  port?: number;
  /** `udp4` or `udp6`. Default: from the address. */
  type?: "udp4" | "udp6";
  /** SOFTWARE sent in every response. Default `"purertc"`. Empty string: none. */
  software?: string;
  /** Check credentials (401 with ERROR-CODE otherwise). Default: none. */
  credentials?: StunServerCredentials;
  /** The registry to open the socket in. Default `SocketRegistry.default`. */
  registry?: SocketRegistry;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
  /** Called for each request handled, after the response was sent. */
  onRequest?: (event: StunServerRequestEvent) => void;
}

/** One handled request, as {@link StunServerOptions.onRequest} reports it. */
export interface StunServerRequestEvent {
  /** Who asked. */
  remote: StunAddress;
  /** The request method. */
  method: number;
  /** 0 for success, else the error code sent. */
  errorCode: number;
}

/** Counters of a server; all only grow. */
export interface StunServerStats {
  /** Requests answered (success or error). */
  requests: number;
  /** Success responses sent. */
  successResponses: number;
  /** Error responses sent (400, 401, 420, 438). */
  errorResponses: number;
  /** Datagrams that did not decode as STUN. */
  malformed: number;
  /** Requests dropped for a bad FINGERPRINT. */
  rejected: number;
  /** Indications and responses (not served). */
  ignored: number;
}

/**
 * A STUN Binding server on one UDP socket (opened through the
 * {@link SocketRegistry}). It answers Binding requests with
 * XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT (and MESSAGE-INTEGRITY when
 * authenticated), and errors as RFC 8489 §6.3 and §9 say: 400 for a
 * malformed or unsupported request, 401 for missing or wrong credentials,
 * 420 with UNKNOWN-ATTRIBUTES, 438 for a stale nonce.
 *
 * ```ts
 * await using server = await StunServer.listen({ address: "127.0.0.1", port: 3478 });
 * console.log(server.address()); // { address: "127.0.0.1", port: 3478, family: "IPv4" }
 * ```
 */
export class StunServer implements AsyncDisposable {
  /** Counters (live object). */
  readonly stats: StunServerStats = {
    requests: 0,
    successResponses: 0,
    errorResponses: 0,
    malformed: 0,
    rejected: 0,
    ignored: 0,
  };
  private socket: ManagedSocket | undefined;
  private readonly software: string;
  private readonly credentials: StunServerCredentials | undefined;
  private readonly nonceSecret = randomBytes(16);
  private readonly keys = new Map<string, StunKey>();
  private onRequest: StunServerOptions["onRequest"];
  private closing: Promise<void> | undefined;
  private unlinkParent: (() => void) | undefined;
  private readonly onMessage = (data: Buffer, rinfo: RemoteInfo) => this.receive(data, rinfo);

  private constructor(options: StunServerOptions) {
    this.software = options.software ?? "purertc";
    this.credentials = options.credentials;
    this.onRequest = options.onRequest;
  }

  /**
   * Binds the server socket and starts serving.
   * @throws SocketError from the registry when the bind fails.
   */
  static async listen(options: StunServerOptions = {}): Promise<StunServer> {
    if (options.signal?.aborted) throw new StunError("ERR_ABORTED", "aborted before listen");
    const server = new StunServer(options);
    const address = options.address ?? "127.0.0.1";
    const registry = options.registry ?? SocketRegistry.default;
    server.socket = await registry.open(server, {
      label: "stun-server",
      type: options.type ?? (address.includes(":") ? "udp6" : "udp4"),
      address,
      port: options.port ?? 0,
      signal: options.signal,
    });
    server.socket.on("message", server.onMessage);
    // An abort while the socket was opening closes it at once.
    server.unlinkParent = whenAborted(options.signal, () => void server.close());
    return server;
  }

  /** The bound address. */
  address(): StunAddress {
    const a = this.socket!.address();
    return { family: a.family === "IPv6" ? "IPv6" : "IPv4", address: a.address, port: a.port };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  private receive(data: Uint8Array, rinfo: RemoteInfo): void {
    let request: StunMessage;
    try {
      request = decodeMessage(data);
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
      this.stats.malformed++;
      return;
    }
    if (request.messageClass !== StunClass.Request) {
      this.stats.ignored++;
      return;
    }
    if (request.hasFingerprint && !request.checkFingerprint()) {
      this.stats.rejected++;
      return;
    }
    this.stats.requests++;
    // An IPv4 client of a dual-stack socket shows up as ::ffff:a.b.c.d; it is told its IPv4 address.
    const mapped = rinfo.address.startsWith("::ffff:") && rinfo.address.includes(".");
    const remote: StunAddress = {
      family: rinfo.family === "IPv6" && !mapped ? "IPv6" : "IPv4",
      address: mapped ? rinfo.address.slice(7) : rinfo.address,
      port: rinfo.port,
    };
    let response: Uint8Array;
    let errorCode = 0;
    try {
      const answer = this.answer(request, remote);
      response = answer.bytes;
      errorCode = answer.errorCode;
    } catch (error) {
      // A value we cannot decode (ERR_BAD_ATTRIBUTE): the request is malformed.
      if (!(error instanceof StunError)) throw error;
      errorCode = ErrorCode.BadRequest;
      response = this.error(request, errorCode, error.message.slice(0, 120)).encode({ fingerprint: true });
    }
    if (errorCode) this.stats.errorResponses++;
    else this.stats.successResponses++;
    if (this.socket && !this.socket.closed) this.socket.send(response, rinfo.port, rinfo.address);
    log("%s from %s:%d → %s", request.toString(), rinfo.address, rinfo.port, errorCode || "success");
    this.onRequest?.({ remote, method: request.method, errorCode });
  }

  private answer(request: StunMessage, remote: StunAddress): { bytes: Uint8Array; errorCode: number } {
    const fail = (code: number, extra?: (b: StunMessageBuilder) => void) => {
      const b = this.error(request, code);
      extra?.(b);
      return { bytes: b.encode({ fingerprint: true }), errorCode: code };
    };
    // Known to the codec, but a Binding server that does not implement RFC 5780
    // must not pretend to honour CHANGE-REQUEST or RESPONSE-PORT: 420 too.
    const unknown = [...request.unknownComprehensionRequired];
    for (const t of UNSUPPORTED) if (request.has(t) && !unknown.includes(t)) unknown.push(t);
    if (unknown.length > 0) {
      return fail(ErrorCode.UnknownAttribute, (b) => b.unknownAttributes(unknown));
    }
    if (request.method !== StunMethod.Binding) return fail(ErrorCode.BadRequest);

    let key: StunKey | undefined;
    const creds = this.credentials;
    const hasIntegrity = request.hasIntegrity || request.hasIntegritySha256;
    if (creds?.type === "short-term") {
      // RFC 8489 §9.1.3: both USERNAME and MESSAGE-INTEGRITY, else 400; unknown user or bad MAC, 401.
      const username = request.username;
      if (!hasIntegrity || username === undefined) return fail(ErrorCode.BadRequest);
      key = this.key(creds, username);
      if (!key || !this.integrityOk(request, key)) return fail(ErrorCode.Unauthorized);
    } else if (creds?.type === "long-term") {
      // RFC 8489 §9.2.4.
      const algorithms = creds.algorithms ?? ["md5"];
      const bidding = algorithms.length !== 1 || algorithms[0] !== "md5";
      const offered = algorithms.map((a) => ({
        algorithm: ALGORITHM_NUMBER[a],
        parameters: new Uint8Array(0),
      }));
      const challenge = (code: number) =>
        fail(code, (b) => {
          b.realm(creds.realm).nonce(
            (bidding ? NONCE_COOKIE : "") + this.makeNonce(creds.nonceLifetimeMs ?? 600_000),
          );
          if (bidding) b.passwordAlgorithms(offered);
        });
      if (!hasIntegrity) return challenge(ErrorCode.Unauthorized);
      const username = request.username;
      const nonce = request.nonce;
      if (username === undefined || request.realm === undefined || nonce === undefined) {
        return fail(ErrorCode.BadRequest);
      }
      if (bidding ? !nonce.startsWith(NONCE_COOKIE) : nonce.startsWith(NONCE_COOKIE)) {
        return challenge(ErrorCode.StaleNonce);
      }
      if (!this.nonceValid(bidding ? nonce.slice(NONCE_COOKIE.length) : nonce)) {
        return challenge(ErrorCode.StaleNonce);
      }
      // RFC 8489 §9.2.4: the PASSWORD-ALGORITHMS echoed must be ours, the
      // PASSWORD-ALGORITHM one of them; with neither, MD5.
      let algorithm: LongTermAlgorithm = "md5";
      const echoed = request.passwordAlgorithms;
      const chosen = request.passwordAlgorithm;
      if (echoed !== undefined || chosen !== undefined) {
        if (!bidding || !echoed || !chosen || !sameAlgorithms(echoed, offered))
          return fail(ErrorCode.BadRequest);
        const name = algorithmName(chosen.algorithm);
        if (!name || !algorithms.includes(name)) return fail(ErrorCode.BadRequest);
        algorithm = name;
      } else if (!algorithms.includes("md5")) return fail(ErrorCode.BadRequest);
      key = this.key(creds, username, algorithm);
      if (!key || request.realm !== creds.realm || !this.integrityOk(request, key)) {
        return challenge(ErrorCode.Unauthorized);
      }
    }

    const b = new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, request.transactionId);
    b.xorMappedAddress(remote);
    if (this.software) b.software(this.software);
    // Answer with the integrity the request used (RFC 8489 §9.1.4).
    const bytes = key
      ? request.hasIntegritySha256
        ? b.encode({ integritySha256: key, fingerprint: true })
        : b.encode({ integrity: key, fingerprint: true })
      : b.encode({ fingerprint: true });
    return { bytes, errorCode: 0 };
  }

  private error(request: StunMessage, code: number, reason = defaultReason(code)): StunMessageBuilder {
    const b = new StunMessageBuilder(request.method, StunClass.ErrorResponse, request.transactionId);
    b.errorCode(code, reason);
    if (this.software) b.software(this.software);
    return b;
  }

  private integrityOk(request: StunMessage, key: StunKey): boolean {
    return request.hasIntegritySha256 ? request.checkIntegritySha256(key) : request.checkIntegrity(key);
  }

  private key(
    creds: StunServerCredentials,
    username: string,
    algorithm: LongTermAlgorithm = "md5",
  ): StunKey | undefined {
    const id = `${algorithm}:${username}`;
    const cached = this.keys.get(id);
    if (cached) return cached;
    const secret = creds.password(username);
    if (secret === undefined) return undefined;
    const key =
      secret instanceof StunKey
        ? secret
        : creds.type === "short-term"
          ? StunKey.shortTerm(secret)
          : StunKey.longTerm(username, creds.realm, secret, algorithm);
    // Bounded: a flood of usernames must not grow memory without limit.
    if (this.keys.size >= 1024) this.keys.clear();
    this.keys.set(id, key);
    return key;
  }

  // Stateless nonces: expiry time and a MAC over it with a per-server secret.
  private makeNonce(lifetimeMs: number): string {
    const expires = (Date.now() + lifetimeMs).toString(16);
    return `${expires}-${createHmac("sha256", this.nonceSecret).update(expires).digest("hex").slice(0, 24)}`;
  }

  private nonceValid(nonce: string): boolean {
    const dash = nonce.indexOf("-");
    if (dash <= 0) return false;
    const expires = nonce.slice(0, dash);
    const mac = Buffer.from(nonce.slice(dash + 1));
    const expected = Buffer.from(
      createHmac("sha256", this.nonceSecret).update(expires).digest("hex").slice(0, 24),
    );
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return false;
    return Number.parseInt(expires, 16) > Date.now();
  }

  /** Stops serving and closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.unlinkParent?.();
    this.onRequest = undefined;
    this.keys.clear();
    const socket = this.socket;
    socket?.off("message", this.onMessage);
    this.closing = socket ? socket.close() : Promise.resolve();
    return this.closing;
  }

  /** Same as {@link StunServer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
