import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { decodeMessage, type StunMessage } from "@purertc/stun";

/** What a datagram crossing the tap is, as far as the early-DTLS tests care. */
export type WireKind =
  | "check"
  | "nominating-check"
  | "check-response"
  | "nominating-response"
  | "client-hello"
  | "dtls"
  | "other";

/** One datagram seen by the tap, in the order it was forwarded. */
export interface WireEvent {
  /** "a→b" (client side to target) or "b→a". */
  direction: "a→b" | "b→a";
  kind: WireKind;
  at: number;
}

/** USE-CANDIDATE (RFC 8445 §16.1). */
const USE_CANDIDATE = 0x0025;

/** The datagram as a STUN message (@purertc/stun's parser), or undefined for anything else. */
function stunOf(d: Uint8Array): StunMessage | undefined {
  if (d.length < 20 || d[0]! > 3) return undefined;
  try {
    return decodeMessage(d);
  } catch {
    return undefined;
  }
}

/** True for a Binding request whose USERNAME is `${ufrag}:…` (an ICE check addressed to that agent). */
function isCheckFor(d: Uint8Array, ufrag: string): boolean {
  const m = stunOf(d);
  return m?.type === 0x0001 && (m.username?.startsWith(`${ufrag}:`) ?? false);
}

/**
 * A UDP relay on 127.0.0.1 in front of `target` that names what crosses it
 * (STUN checks, nominating checks and their answers, DTLS ClientHellos) and
 * can hold the nominating checks back until `release()`: the order of events
 * on the wire, seen from between the peers. Sockets through the registry.
 *
 * Its client is the sender of the first ICE check for the target's ufrag
 * (when given); datagrams from anyone else are dropped. A fresh port is
 * often one a closed peer's socket had, still sent to by its old peers for
 * a while: a tap that took the first sender as its client would serve a
 * stranger (the churn test's relay once did).
 */
export class WireTap {
  readonly events: WireEvent[] = [];
  /** Called with each event as it is forwarded. */
  onEvent: ((event: WireEvent) => void) | undefined = undefined;
  private readonly nominating = new Set<string>();
  private held: (() => void)[] | undefined;
  private upstream: ManagedSocket | undefined;
  private client: { address: string; port: number } | undefined;
  private constructor(
    /** Owns the sockets (the registry holds owners weakly). */
    private readonly owner: object,
    private readonly front: ManagedSocket,
    private readonly target: { address: string; port: number },
    holdNomination: boolean,
    /** The target's ICE ufrag: only a check for it makes its sender the client. */
    private readonly targetUfrag: string | undefined,
  ) {
    this.held = holdNomination ? [] : undefined;
    front.on("message", (data, remote) => void this.fromClient(data, remote));
  }

  /**
   * Starts a tap in front of `target` (whose ICE ufrag is `targetUfrag`, when known); with
   * `holdNomination`, nominating checks wait for `release()`.
   */
  static async start(
    target: { address: string; port: number },
    holdNomination: boolean,
    targetUfrag?: string,
  ): Promise<WireTap> {
    const owner = {};
    const front = await SocketRegistry.default.open(owner, { label: "wire-tap", address: "127.0.0.1" });
    return new WireTap(owner, front, target, holdNomination, targetUfrag);
  }

  /** The address peers send to. */
  get address(): { address: string; port: number } {
    return this.front.address();
  }

  /** Lets the held nominating checks go (and later ones pass at once). */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const send of held ?? []) send();
  }

  private async fromClient(data: Buffer, remote: { address: string; port: number }): Promise<void> {
    const client = this.client;
    if (client && (remote.port !== client.port || remote.address !== client.address)) return; // a stranger
    if (!this.upstream) {
      if (client) return; // its upstream socket is opening: lost, as on a network
      if (this.targetUfrag !== undefined && !isCheckFor(data, this.targetUfrag)) return;
      this.client = { address: remote.address, port: remote.port };
      this.upstream = await SocketRegistry.default.open(this.owner, {
        label: "wire-tap-upstream",
        address: "127.0.0.1",
      });
      this.upstream.on("message", (back) => this.forward("b→a", back));
    }
    this.forward("a→b", data);
  }

  private forward(direction: "a→b" | "b→a", data: Buffer): void {
    const kind = this.classify(direction, data);
    const send = () => {
      const event: WireEvent = { direction, kind, at: performance.now() };
      this.events.push(event);
      this.onEvent?.(event);
      if (direction === "a→b") {
        if (!this.upstream?.closed) this.upstream?.send(data, this.target.port, this.target.address);
      } else if (this.client && !this.front.closed) {
        this.front.send(data, this.client.port, this.client.address);
      }
    };
    if (kind === "nominating-check" && this.held) this.held.push(send);
    else send();
  }

  private classify(direction: "a→b" | "b→a", d: Uint8Array): WireKind {
    if (d.length >= 20 && d[0]! <= 3) {
      const m = stunOf(d);
      if (m?.type === 0x0001) {
        if (!m.has(USE_CANDIDATE)) return "check";
        this.nominating.add(`${direction}:${m.transactionIdHex}`);
        return "nominating-check";
      }
      if (m?.type === 0x0101) {
        const back = direction === "a→b" ? "b→a" : "a→b";
        return this.nominating.has(`${back}:${m.transactionIdHex}`)
          ? "nominating-response"
          : "check-response";
      }
      return "other";
    }
    // DTLS handshake record (content type 22), first message ClientHello (type 1) at offset 13.
    if (d.length > 13 && d[0] === 22) return d[13] === 1 ? "client-hello" : "dtls";
    if (d.length > 0 && d[0]! >= 20 && d[0]! <= 63) return "dtls";
    return "other";
  }

  async close(): Promise<void> {
    this.held = undefined;
    this.onEvent = undefined;
    await this.upstream?.close();
    await this.front.close();
  }
}
