import type { RemoteInfo } from "node:dgram";
import { type DtlsCertificate, DtlsConnection, type DtlsOptions, type PublicKeyCrypto } from "@purertc/dtls";
import { type DatagramTransport, type ManagedSocket, SocketRegistry, UdpTransport } from "@purertc/socket";
import {
  HashAlgorithm,
  SignatureAlgorithm,
  DtlsClient as WeriftClient,
  DtlsServer as WeriftServer,
} from "werift";

/**
 * One DTLS client and server on loopback in this process, ours or werift's,
 * over the same kind of registry sockets: what the dtls suite and its
 * handshake worker measure.
 */

/** Two registry sockets on 127.0.0.1 aimed at each other. */
export async function socketPair(owner: object): Promise<[ManagedSocket, ManagedSocket]> {
  const a = await SocketRegistry.default.open(owner, { label: "bench-dtls-a", address: "127.0.0.1" });
  const b = await SocketRegistry.default.open(owner, { label: "bench-dtls-b", address: "127.0.0.1" });
  return [a, b];
}

/** A werift Transport over a registry socket; `detach` removes its listener (close is left to the bench). */
function weriftTransport(socket: ManagedSocket, peerPort: number) {
  const t = {
    type: "udp",
    address: socket.address(),
    closed: false,
    onData: (_data: Buffer, _addr: unknown) => {},
    send: async (data: Buffer) => socket.send(data, peerPort, "127.0.0.1"),
    close: async () => {},
    socket: { close: () => {} },
  };
  const listener = (data: Buffer, remote: RemoteInfo) => t.onData(data, [remote.address, remote.port]);
  socket.on("message", listener);
  return { transport: t, detach: () => socket.off("message", listener) };
}

export interface Pair {
  connect(): Promise<void>;
  send(data: Buffer): void;
  onReceive(fn: (n: number) => void): void;
  close(): Promise<void>;
}

/**
 * Our DTLS 1.2 as before (the 1.2 rows), and DTLS 1.3 with x25519 or with X25519MLKEM768
 * (ML-KEM key pairs from the default pool, or made at hello time: "-nopool"). The server does a
 * cookie exchange (1.2 HelloVerifyRequest, 1.3 HelloRetryRequest with a cookie) as a
 * DtlsConnection does by default; "-direct" turns it off (helloVerify: false): no extra round trip.
 */
export type OursVariant =
  | "1.2"
  | "1.3-x25519"
  | "1.3-mlkem"
  | "1.3-mlkem-nopool"
  | "1.2-direct"
  | "1.3-x25519-direct"
  | "1.3-mlkem-direct"
  | `${"1.2" | "1.3-x25519" | "1.2-direct" | "1.3-x25519-direct"}-rtt20`;

/**
 * The one-way delay the "-rtt20" variants add to every datagram, ms. The handshake worker sets it
 * after its warm-up (so the JIT warms at full speed): 10 ms each way, a 20 ms round trip, as
 * between two hosts in one region, where the protocols' round trips count beside their CPU.
 */
export const delayedLink = { oneWayMs: 0 };

/** A transport whose datagrams leave `delayedLink.oneWayMs` late (copied: DTLS may reuse its buffers). */
class DelayedTransport implements DatagramTransport {
  private readonly pending = new Set<NodeJS.Timeout>();
  constructor(private readonly inner: DatagramTransport) {}
  get onDatagram() {
    return this.inner.onDatagram;
  }
  set onDatagram(fn: ((data: Uint8Array) => void) | undefined) {
    this.inner.onDatagram = fn;
  }
  get onClose() {
    return this.inner.onClose;
  }
  set onClose(fn: (() => void) | undefined) {
    this.inner.onClose = fn;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  send(data: Uint8Array): void {
    if (delayedLink.oneWayMs <= 0) {
      this.inner.send(data);
      return;
    }
    const copy = Uint8Array.from(data);
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.inner.send(copy);
    }, delayedLink.oneWayMs);
    this.pending.add(timer);
  }
  async close(): Promise<void> {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    await this.inner.close();
  }
}

const VARIANTS: Record<Exclude<OursVariant, `${string}-rtt20`>, Partial<DtlsOptions>> = {
  "1.2": { versions: ["1.2"] },
  "1.3-x25519": { versions: ["1.3"], groups: [0x001d] },
  "1.3-mlkem": { versions: ["1.3"], groups: [0x11ec, 0x001d] },
  "1.3-mlkem-nopool": { versions: ["1.3"], groups: [0x11ec, 0x001d], mlkemPool: false },
  "1.2-direct": { versions: ["1.2"] },
  "1.3-x25519-direct": { versions: ["1.3"], groups: [0x001d] },
  "1.3-mlkem-direct": { versions: ["1.3"], groups: [0x11ec, 0x001d] },
};

/** True when the server skips the cookie exchange. */
const direct = (v: OursVariant) => v.includes("-direct");
/** The variant's options, without the link delay. */
const base = (v: OursVariant) => v.replace(/-rtt20$/, "") as keyof typeof VARIANTS;

export async function oursPair(
  sockets: [ManagedSocket, ManagedSocket],
  certs: DtlsCertificate[],
  crypto?: PublicKeyCrypto,
  variant: OursVariant = "1.2",
): Promise<Pair> {
  const [a, b] = sockets;
  const udp = (from: ManagedSocket, to: ManagedSocket): DatagramTransport => {
    const t = new UdpTransport(from, "127.0.0.1", to.address().port, { ownsSocket: false });
    return variant.endsWith("-rtt20") ? new DelayedTransport(t) : t;
  };
  const ta = udp(a, b);
  const tb = udp(b, a);
  const common = {
    acceptAnyPeerCertificate: true,
    ...VARIANTS[base(variant)],
    ...(crypto ? { crypto } : {}),
  };
  const client = new DtlsConnection(ta, { role: "client", certificate: certs[0]!, ...common });
  const server = new DtlsConnection(tb, {
    role: "server",
    certificate: certs[1]!,
    ...common,
    ...(direct(variant) ? { helloVerify: false } : {}),
  });
  return {
    connect: async () => {
      await Promise.all([client.connect(), server.connect()]);
    },
    send: (d) => client.send(d),
    onReceive: (fn) => server.on("message", (d) => fn(d.length)),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

export async function weriftPair(
  sockets: [ManagedSocket, ManagedSocket],
  pems: { certPem: string; keyPem: string }[],
): Promise<Pair> {
  const [a, b] = sockets;
  const ta = weriftTransport(a, b.address().port);
  const tb = weriftTransport(b, a.address().port);
  const signatureHash = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
  const client = new WeriftClient({
    transport: ta.transport as never,
    cert: pems[0]!.certPem,
    key: pems[0]!.keyPem,
    signatureHash,
    extendedMasterSecret: true,
  });
  const server = new WeriftServer({
    transport: tb.transport as never,
    cert: pems[1]!.certPem,
    key: pems[1]!.keyPem,
    signatureHash,
    extendedMasterSecret: true,
    certificateRequest: true,
  });
  return {
    connect: async () => {
      // werift's connect() resolves only after its flight timer (500 ms) runs out, long after the
      // handshake is done: time to connected is measured on its onConnect events.
      const serverUp = new Promise<void>((resolve) => server.onConnect.once(() => resolve()));
      const clientUp = new Promise<void>((resolve) => client.onConnect.once(() => resolve()));
      client.connect().catch(() => {});
      await Promise.all([clientUp, serverUp]);
    },
    send: (d) => void client.send(d),
    onReceive: (fn) => server.onData.subscribe((d) => fn(d.length)),
    close: async () => {
      client.close();
      server.close();
      ta.detach();
      tb.detach();
    },
  };
}
