import type { RemoteInfo } from "node:dgram";
import { type ManagedSocket, startTimer } from "@purertc/socket";

/** Longest close() waits for datagrams still on their way out (a bound, never reached on loopback). */
const FLUSH_LIMIT_MS = 100;

/**
 * Where a local candidate's packets leave from and arrive at (the "base" of
 * RFC 8445 §5.1.1): a UDP socket for host and server-reflexive candidates, a
 * TURN allocation for relayed ones. The agent sets `onPacket` and sends
 * through `send`; a relay gatherer implements this same interface.
 */
export interface CandidateBase {
  /** `socket` for a UDP socket of ours, `relay` for a TURN allocation. */
  readonly kind: "socket" | "relay";
  /** Local transport address (for a relay: the relayed address). */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** `tcp` for the bases of ICE over TCP (RFC 6544); UDP when absent. */
  readonly transport?: "udp" | "tcp";
  /** For TCP bases: `passive` (a listener) or `active` (dials the peer's passive candidates). */
  readonly tcpType?: "active" | "passive";
  /**
   * Set by the agent on connection-oriented bases: the path to
   * `address:port` went away (a TCP connection closed or could not be made),
   * so the pair over it fails.
   */
  onRemoteGone?: ((address: string, port: number) => void) | undefined;
  /** Sends one datagram to `address:port`. Never throws for network errors. */
  send(data: Uint8Array, port: number, address: string): void;
  /** Receives every datagram arriving at the base. Set by the agent. */
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined;
  readonly closed: boolean;
  /** Releases the socket or allocation. Idempotent. */
  close(): Promise<void>;
}

/** A {@link CandidateBase} over one {@link ManagedSocket} from the registry. */
export class SocketBase implements CandidateBase {
  readonly kind = "socket";
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined = undefined;
  private readonly onMessage = (data: Buffer, remote: RemoteInfo) => {
    this.onPacket?.(data, remote.address, remote.port);
  };
  /** Sends handed to dgram whose callback has not come yet. */
  private pending = 0;
  private drained: (() => void) | undefined = undefined;
  private readonly afterSend = () => {
    if (--this.pending === 0) this.drained?.();
  };

  constructor(readonly socket: ManagedSocket) {
    const local = socket.address();
    this.address = local.address;
    this.port = local.port;
    this.family = socket.type === "udp6" ? 6 : 4;
    socket.on("message", this.onMessage);
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  send(data: Uint8Array, port: number, address: string): void {
    if (this.socket.closed) return;
    this.pending++;
    // ManagedSocket calls back exactly once, on success and on error alike.
    this.socket.send(data, port, address, this.afterSend);
  }

  /**
   * Closes the socket once the datagrams already sent have left (dgram sends
   * to an IP literal on a later tick, so a last message such as a DTLS
   * close_notify would otherwise be dropped by a close in the same tick).
   */
  async close(): Promise<void> {
    this.socket.off("message", this.onMessage);
    this.onPacket = undefined;
    if (this.pending > 0 && !this.socket.closed) {
      // One macrotask turn: the sends reach the OS (their callbacks come on
      // the way), and a socket closed from the check phase is released by
      // libuv in the same loop iteration.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Still queued (the OS said EAGAIN): wait for them, bounded.
      if (this.pending > 0 && !this.socket.closed) await this.flush();
    }
    return this.socket.close();
  }

  private flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.drained = undefined;
        cancel();
        resolve();
      };
      this.drained = done;
      const cancel = startTimer(done, FLUSH_LIMIT_MS);
    });
  }
}
