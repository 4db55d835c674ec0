/**
 * Two SCTP endpoints in one process joined by an in-memory link: packets
 * cross in setImmediate batches (as datagrams from a socket would arrive),
 * for ours and for werift's SCTP alike, so the figures compare the SCTP
 * stacks and nothing else (no DTLS, no sockets).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SctpAssociation, type SctpAssociationOptions, type SctpMessageEvent } from "@purertc/sctp";
import { startTimer } from "@purertc/socket";

/** Impairments of the memory link (seeded: every run drops the same packets). */
export interface LinkOptions {
  loss?: number;
  seed?: number;
  /** One-way delay in ms (0: next event-loop turn). */
  delay?: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of the link: queue, then deliver the batch on the next turn. */
class Pipe {
  private queue: Uint8Array[] = [];
  private scheduled = false;
  private readonly random: () => number;
  private readonly timers = new Set<() => void>();
  deliverTo: ((p: Uint8Array) => void) | undefined;

  constructor(private readonly link: LinkOptions = {}) {
    this.random = rng(link.seed ?? 1);
  }

  send = (p: Uint8Array): void => {
    if (this.link.loss && this.random() < this.link.loss) return;
    if (this.link.delay) {
      const cancel = startTimer(() => {
        this.timers.delete(cancel);
        this.deliverTo?.(p);
      }, this.link.delay);
      this.timers.add(cancel);
      return;
    }
    this.queue.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  };

  private flush = (): void => {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    for (const p of q) this.deliverTo?.(p);
  };

  stop(): void {
    this.deliverTo = undefined;
    this.queue = [];
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}

/** What the benchmark needs of a pair, whoever implements it. */
export interface SctpPair {
  /** Sends one message from the first endpoint to the second. */
  send(data: Uint8Array): void;
  /** Called with the size of each message the second endpoint receives. */
  onMessage: (bytes: number) => void;
  close(): Promise<void>;
}

export async function oursPair(
  link: LinkOptions = {},
  options: Partial<SctpAssociationOptions> = {},
): Promise<SctpPair> {
  const ab = new Pipe(link);
  const ba = new Pipe({ ...link, seed: (link.seed ?? 1) + 1 });
  const a = new SctpAssociation({ ...options, transport: { send: ab.send } });
  const b = new SctpAssociation({ ...options, transport: { send: ba.send } });
  ab.deliverTo = (p) => b.handlePacket(p);
  ba.deliverTo = (p) => a.handlePacket(p);
  const opened = Promise.all([open(a), open(b)]);
  a.connect();
  b.connect();
  await opened;
  const pair: SctpPair = {
    send: (data) => a.send(1, 53, data),
    onMessage: () => {},
    close: async () => {
      ab.stop();
      ba.stop();
      await a.close();
      await b.close();
    },
  };
  b.addEventListener("message", (e) => pair.onMessage((e as SctpMessageEvent).data.length));
  return pair;
}

function open(a: SctpAssociation): Promise<void> {
  return new Promise((resolve) => a.addEventListener("open", () => resolve(), { once: true }));
}

interface WeriftTransport {
  onData?: (buf: Buffer) => void;
  send: (buf: Buffer) => Promise<void>;
  close: () => void;
}

interface WeriftSctp {
  start(remotePort?: number): Promise<void>;
  stop(): Promise<void>;
  send(streamId: number, ppid: number, data: Buffer, opts?: { ordered: boolean }): Promise<void>;
  onReceive: { subscribe(fn: (streamId: number, ppid: number, data: Buffer) => void): unknown };
  stateChanged: { connected: { asPromise(): Promise<unknown> } };
  transport: WeriftTransport;
}

interface WeriftSctpModule {
  SCTP: {
    client(t: WeriftTransport, port?: number): WeriftSctp;
    server(t: WeriftTransport, port?: number): WeriftSctp;
  };
}

/**
 * werift's SCTP class is not in its package exports; it is loaded by file
 * path next to the package's main entry (werift 0.25.2 layout).
 */
export function loadWeriftSctp(): WeriftSctpModule {
  const require = createRequire(import.meta.url);
  const main = require.resolve("werift");
  return require(join(dirname(main), "../../sctp/src/index.js")) as WeriftSctpModule;
}

function weriftTransport(pipe: Pipe): WeriftTransport {
  return {
    send: async (buf) => pipe.send(buf),
    close: () => {},
  };
}

/** A werift client and server, or (mixed) one of ours with one of werift's. */
export async function weriftPair(): Promise<SctpPair> {
  const { SCTP } = loadWeriftSctp();
  const ab = new Pipe();
  const ba = new Pipe();
  const ta = weriftTransport(ab);
  const tb = weriftTransport(ba);
  const a = SCTP.client(ta);
  const b = SCTP.server(tb);
  ab.deliverTo = (p) => tb.onData?.(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  ba.deliverTo = (p) => ta.onData?.(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  const connected = Promise.all([a.stateChanged.connected.asPromise(), b.stateChanged.connected.asPromise()]);
  await b.start(5000);
  await a.start(5000);
  await connected;
  const pair: SctpPair = {
    send: (data) => {
      void a.send(1, 53, Buffer.from(data.buffer, data.byteOffset, data.byteLength), { ordered: true });
    },
    onMessage: () => {},
    close: async () => {
      ab.stop();
      ba.stop();
      await Promise.race([Promise.all([a.stop(), b.stop()]), new Promise((r) => setTimeout(r, 1000))]);
    },
  };
  b.onReceive.subscribe((_s, _p, data) => pair.onMessage(data.length));
  return pair;
}
