import type { HandshakeFragment } from "./handshake/header.js";

/** Largest ClientHello reassembled before a connection exists (a post-quantum hello is ~1.5 KB). */
const MAX_HELLO = 4096;

interface Partial {
  seq: number;
  body: Uint8Array;
  /** Received byte ranges as [start, end) pairs (few: a hello comes in two or three fragments). */
  ranges: [number, number][];
  datagrams: Uint8Array[];
}

/**
 * Fragmented ClientHellos from addresses that have no connection yet, kept
 * only until whole, in a bounded map (oldest dropped first): a DTLS 1.3 hello
 * with a post-quantum key share comes in two datagrams and must be read whole
 * for a stateless HelloRetryRequest. Spoofed first fragments cost at most
 * `capacity` × 4 KB.
 */
export class HelloCache {
  private readonly partial = new Map<string, Partial>();

  constructor(private readonly capacity = 64) {}

  /** Entries held (tests). */
  get size(): number {
    return this.partial.size;
  }

  /**
   * Adds a fragment of a ClientHello from `key` (with the datagram it came in).
   * Returns the whole body and the datagrams once complete, else undefined.
   */
  add(
    key: string,
    f: HandshakeFragment,
    datagram: Uint8Array,
  ): { body: Uint8Array; datagrams: Uint8Array[] } | undefined {
    if (f.length > MAX_HELLO || f.length === 0) return undefined;
    let p = this.partial.get(key);
    if (!p || p.seq !== f.messageSeq || p.body.length !== f.length) {
      this.partial.delete(key);
      if (this.partial.size >= this.capacity) {
        const oldest = this.partial.keys().next().value;
        if (oldest !== undefined) this.partial.delete(oldest);
      }
      p = { seq: f.messageSeq, body: new Uint8Array(f.length), ranges: [], datagrams: [] };
      this.partial.set(key, p);
    }
    if (p.datagrams.length >= 8) {
      // Retransmissions of a hello whose other fragments never came: start over.
      p.ranges = [];
      p.datagrams = [];
    }
    p.body.set(f.body, f.fragmentOffset);
    p.ranges.push([f.fragmentOffset, f.fragmentOffset + f.body.length]);
    p.datagrams.push(new Uint8Array(datagram));
    p.ranges.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    for (const [s, e] of p.ranges) {
      if (s > covered) return undefined;
      covered = Math.max(covered, e);
    }
    if (covered < p.body.length) return undefined;
    this.partial.delete(key);
    return { body: p.body, datagrams: p.datagrams };
  }

  /** Forgets everything (close). */
  clear(): void {
    this.partial.clear();
  }
}
