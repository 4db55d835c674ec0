/**
 * Two associations joined by an in-memory link: packets cross in
 * setImmediate batches (so the stack unwinds between hops and timers can
 * run), optionally lost, duplicated or reordered by a seeded RNG so every
 * run of a test sees the same packets.
 */
import { SctpAssociation } from "./association.js";
import type { SctpAssociationOptions } from "./association-types.js";

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkOptions {
  loss?: number;
  duplicate?: number;
  reorder?: number;
  seed?: number;
  /** Inspect or replace packets from A (0) or B (1); return undefined to drop. */
  filter?: (from: 0 | 1, p: Uint8Array) => Uint8Array | undefined;
}

class Direction {
  queue: Uint8Array[] = [];
  held: Uint8Array | undefined;
  target: SctpAssociation | undefined;
  scheduled = false;
  closed = false;

  constructor(
    private readonly link: MemoryLink,
    readonly from: 0 | 1,
  ) {}

  send = (p: Uint8Array): void => {
    if (this.closed) return;
    const o = this.link.options;
    const r = this.link.random;
    this.link.sent[this.from]++;
    const f = o.filter ? o.filter(this.from, p) : p;
    if (!f) return;
    if (o.loss && r() < o.loss) return;
    const copy = f.slice();
    if (o.reorder && r() < o.reorder && !this.held) {
      this.held = copy; // goes out after the next packet
    } else {
      this.queue.push(copy);
      if (this.held) {
        this.queue.push(this.held);
        this.held = undefined;
      }
    }
    if (o.duplicate && r() < o.duplicate) this.queue.push(f.slice());
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.deliver);
    }
  };

  deliver = (): void => {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    if (this.held && q.length === 0) {
      q.push(this.held);
      this.held = undefined;
    }
    for (const p of q) if (!this.closed) this.target?.handlePacket(p);
    if (this.held && !this.scheduled && !this.closed) {
      this.scheduled = true;
      setImmediate(this.deliver);
    }
  };
}

export class MemoryLink {
  readonly random: () => number;
  readonly sent: [number, number] = [0, 0];
  private readonly dirs: [Direction, Direction];
  readonly a: SctpAssociation;
  readonly b: SctpAssociation;

  constructor(
    readonly options: LinkOptions = {},
    aOptions: Partial<SctpAssociationOptions> = {},
    bOptions: Partial<SctpAssociationOptions> = {},
  ) {
    this.random = rng(options.seed ?? 1);
    this.dirs = [new Direction(this, 0), new Direction(this, 1)];
    // DATA unless a test asks for I-DATA (RFC 8260): the tests that read
    // chunks off the link look for DATA; interleave.test.ts covers I-DATA.
    const dataOnly = { interleaving: false };
    this.a = new SctpAssociation({ ...dataOnly, ...aOptions, transport: { send: this.dirs[0].send } });
    this.b = new SctpAssociation({ ...dataOnly, ...bOptions, transport: { send: this.dirs[1].send } });
    this.dirs[0].target = this.b;
    this.dirs[1].target = this.a;
  }

  /** Stops carrying packets (the link is cut). */
  cut(): void {
    for (const d of this.dirs) d.closed = true;
  }

  async close(): Promise<void> {
    this.cut();
    await this.a.close();
    await this.b.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Resolves on the first `type` event of `target` (rejects after `ms`). */
export function once<T extends Event = Event>(target: EventTarget, type: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const on = (e: Event) => {
      clearTimeout(timer);
      resolve(e as T);
    };
    target.addEventListener(type, on, { once: true });
  });
}

/** Opens both ends (both connect(), as WebRTC does unless `onlyA`). */
export async function openLink(link: MemoryLink, onlyA = false): Promise<void> {
  const opened = Promise.all([once(link.a, "open"), once(link.b, "open")]);
  link.a.connect();
  if (!onlyA) link.b.connect();
  await opened;
}
