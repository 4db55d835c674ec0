import type { RemoteInfo } from "node:dgram";
import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import {
  decodeMessage,
  ipFamily,
  type PasswordAlgorithmValue,
  StunClass,
  StunKey,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
} from "@purertc/stun";

/**
 * A scripted TURN server for the cases coturn 4.6.1 cannot play: the RFC 8489
 * nonce cookie with PASSWORD-ALGORITHMS (SHA-256 keys, MESSAGE-INTEGRITY-SHA256),
 * downgrade attempts, and forged or malformed datagrams. It answers the TURN
 * control methods with the long-term credential mechanism; it relays nothing.
 */
export interface ScriptedServerOptions {
  username?: string;
  password?: string;
  realm?: string;
  /** PASSWORD-ALGORITHMS to offer (with the nonce cookie's bit set); undefined: a classic RFC 5389 server. */
  offer?: Array<"md5" | "sha256">;
  /** Set the "password algorithms" bit in the nonce cookie but send no PASSWORD-ALGORITHMS (a downgrade). */
  bitWithoutList?: boolean;
  /** Sign responses with this password instead (the client must reject them). */
  signWithPassword?: string;
  /** Called before each answer, to send forged datagrams first. */
  beforeAnswer?: (request: StunMessage, remote: RemoteInfo, server: ScriptedServer) => void;
}

const ALG = { md5: 1, sha256: 2 } as const;

/** The scripted server. */
export class ScriptedServer {
  /** Every request received, decoded. */
  readonly requests: StunMessage[] = [];
  private readonly nonce: string;

  private constructor(
    readonly socket: ManagedSocket,
    private readonly options: ScriptedServerOptions,
  ) {
    const features = options.offer || options.bitWithoutList ? "AAAB" : undefined;
    this.nonce = features ? `obMatJos2${features}${Math.random().toString(36).slice(2)}` : "classic-nonce-1";
    socket.on("message", (data, remote) => this.receive(data, remote));
  }

  static async listen(
    options: ScriptedServerOptions = {},
    registry = SocketRegistry.default,
  ): Promise<ScriptedServer> {
    const owner = {};
    const socket = await registry.open(owner, { label: "scripted-turn", address: "127.0.0.1" });
    return new ScriptedServer(socket, options);
  }

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  /** Sends raw bytes to `remote` from the server's socket. */
  send(bytes: Uint8Array, remote: RemoteInfo): void {
    this.socket.send(bytes, remote.port, remote.address);
  }

  private offered(): PasswordAlgorithmValue[] | undefined {
    return this.options.offer?.map((a) => ({ algorithm: ALG[a], parameters: new Uint8Array(0) }));
  }

  private receive(data: Uint8Array, remote: RemoteInfo): void {
    let request: StunMessage;
    try {
      request = decodeMessage(new Uint8Array(data));
    } catch {
      return;
    }
    if (request.messageClass !== StunClass.Request) return;
    this.requests.push(request);
    this.options.beforeAnswer?.(request, remote, this);
    this.send(this.answer(request, remote), remote);
  }

  /** Builds the answer: 401 unless properly signed, else success with the method's attributes. */
  answer(request: StunMessage, remote: RemoteInfo, relayedPort = 50_000): Uint8Array {
    const username = this.options.username ?? "user";
    const realm = this.options.realm ?? "scripted.test";
    const challenge = () => {
      const b = new StunMessageBuilder(request.method, StunClass.ErrorResponse, request.transactionId)
        .errorCode(401, "Unauthenticated")
        .realm(realm)
        .nonce(this.nonce);
      const offered = this.offered();
      if (offered) b.passwordAlgorithms(offered);
      return b.encode({ fingerprint: true });
    };
    if (request.username !== username || request.nonce !== this.nonce) return challenge();
    const chosen = request.passwordAlgorithm?.algorithm;
    const algorithm = chosen === ALG.sha256 ? "sha256" : "md5";
    if (this.options.offer && chosen === undefined) return challenge();
    const key = StunKey.longTerm(username, realm, this.options.password ?? "pass", algorithm);
    const ok = this.options.offer
      ? request.checkIntegritySha256(key) && !request.hasIntegrity
      : request.checkIntegrity(key);
    if (!ok) return challenge();
    const signKey = this.options.signWithPassword
      ? StunKey.longTerm(username, realm, this.options.signWithPassword, algorithm)
      : key;
    const b = new StunMessageBuilder(request.method, StunClass.SuccessResponse, request.transactionId);
    const family = ipFamily(remote.address) ?? "IPv4";
    if (request.method === StunMethod.Allocate) {
      b.xorRelayedAddress({ family, address: "127.0.0.1", port: relayedPort });
      b.xorMappedAddress({ family, address: remote.address, port: remote.port });
      b.lifetime(600);
    } else if (request.method === StunMethod.Refresh) {
      b.lifetime(request.lifetime ?? 600);
    }
    return b.encode(
      this.options.offer
        ? { integritySha256: signKey, fingerprint: true }
        : { integrity: signKey, fingerprint: true },
    );
  }

  close(): Promise<void> {
    return this.socket.close();
  }
}
