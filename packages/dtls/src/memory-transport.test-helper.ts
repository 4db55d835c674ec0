import type { DatagramTransport } from "@purertc/socket";
import { DtlsCertificate } from "./certificate.js";
import { DtlsConnection, type DtlsConnectionOptions } from "./connection.js";

/** What a link does to one datagram: deliver, drop, or hand back a replacement list. */
export type LinkFilter = (data: Uint8Array, direction: "a→b" | "b→a") => Uint8Array[] | undefined;

/** An in-memory datagram transport (one end of a pair); delivery is asynchronous (microtask). */
export class MemoryTransport implements DatagramTransport {
  onDatagram: ((data: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  closed = false;
  peer: MemoryTransport | undefined;
  sent: Uint8Array[] = [];
  constructor(
    private readonly direction: "a→b" | "b→a",
    private readonly filter: { fn?: LinkFilter },
  ) {}

  send(data: Uint8Array): void {
    if (this.closed) return;
    const copy = new Uint8Array(data);
    this.sent.push(copy);
    const out = this.filter.fn ? this.filter.fn(copy, this.direction) : [copy];
    for (const d of out ?? []) {
      queueMicrotask(() => {
        const p = this.peer;
        if (p && !p.closed) p.onDatagram?.(d);
      });
    }
  }

  /** Injects a datagram as if it came from the peer. */
  inject(data: Uint8Array): void {
    this.onDatagram?.(data);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cb = this.onClose;
    this.onClose = undefined;
    this.onDatagram = undefined;
    cb?.();
  }
}

/** Two connected in-memory transports; `filter.fn` may drop, duplicate, reorder or rewrite datagrams. */
export function memoryPair(filter: { fn?: LinkFilter } = {}): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport("a→b", filter);
  const b = new MemoryTransport("b→a", filter);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Certificates of {@link memoryConnections}: one pair for the whole test file. */
let certificates: { client: DtlsCertificate; server: DtlsCertificate } | undefined;

/** The client's and the server's certificates {@link memoryConnections} uses by default (made once per file). */
export function memoryCertificates(): { client: DtlsCertificate; server: DtlsCertificate } {
  certificates ??= { client: DtlsCertificate.generateEcdsa(), server: DtlsCertificate.generateEcdsa() };
  return certificates;
}

type ConnectionOptions = Partial<DtlsConnectionOptions>;

/**
 * A DTLS client and server over a fresh {@link memoryPair}, each told the other's fingerprint;
 * `common` goes to both (versions, suites, groups, timers), `sides` to one of them (a server
 * certificate given there is the one the client expects). `b` is the server's end (what it sent).
 */
export function memoryConnections(
  common: Omit<DtlsConnectionOptions, "role" | "certificate" | "peerFingerprint">,
  filter: { fn?: LinkFilter } = {},
  sides: { client?: ConnectionOptions; server?: ConnectionOptions } = {},
) {
  const { client: clientCert, server: defaultServerCert } = memoryCertificates();
  const serverCert = sides.server?.certificate ?? defaultServerCert;
  const [a, b] = memoryPair(filter);
  const client = new DtlsConnection(a, {
    role: "client",
    certificate: clientCert,
    peerFingerprint: serverCert.fingerprint,
    ...common,
    ...sides.client,
  });
  const server = new DtlsConnection(b, {
    role: "server",
    certificate: serverCert,
    peerFingerprint: clientCert.fingerprint,
    ...common,
    ...sides.server,
  });
  return { client, server, a, b };
}
