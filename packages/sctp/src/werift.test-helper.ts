/**
 * werift 0.25.2's SCTP class as an independent peer, in-process over a
 * memory link. Its SCTP is not in werift's package exports, so it is loaded
 * by file path next to the package's main entry.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SctpAssociation } from "./association.js";
import type { SctpAssociationOptions } from "./association-types.js";
import { rng } from "./memory-link.test-helper.js";

interface WeriftTransport {
  onData?: (buf: Buffer) => void;
  send: (buf: Buffer) => Promise<void>;
  close: () => void;
}

export interface WeriftSctp {
  start(remotePort?: number): Promise<void>;
  stop(): Promise<void>;
  send(
    streamId: number,
    ppid: number,
    data: Buffer,
    opts?: { ordered: boolean; maxRetransmits?: number },
  ): Promise<void>;
  onReceive: { subscribe(fn: (streamId: number, ppid: number, data: Buffer) => void): unknown };
  onReconfigStreams: { subscribe(fn: (ids: number[]) => void): unknown };
  stateChanged: { connected: { asPromise(): Promise<unknown> }; closed: { asPromise(): Promise<unknown> } };
  associationState: number;
}

interface WeriftSctpModule {
  SCTP: {
    client(t: WeriftTransport, port?: number): WeriftSctp;
    server(t: WeriftTransport, port?: number): WeriftSctp;
  };
}

function load(): WeriftSctpModule {
  const require = createRequire(import.meta.url);
  return require(join(dirname(require.resolve("werift")), "../../sctp/src/index.js")) as WeriftSctpModule;
}

/** Ours and werift's joined by a memory link (setImmediate batches); `packets` records both directions. */
/** `loss`: share of packets dropped in each direction (seeded). */
export function weriftPeer(
  role: "client" | "server",
  options: Partial<SctpAssociationOptions> = {},
  loss = 0,
) {
  const { SCTP } = load();
  const random = rng(11);
  let closed = false;
  const packets: { from: "ours" | "werift"; bytes: Uint8Array }[] = [];
  const wt: WeriftTransport = {
    send: async (buf) => {
      if (closed) return;
      const copy = Uint8Array.from(buf);
      packets.push({ from: "werift", bytes: copy });
      if (loss && random() < loss) return;
      setImmediate(() => {
        if (!closed) ours.handlePacket(copy);
      });
    },
    close: () => {},
  };
  const ours = new SctpAssociation({
    ...options,
    transport: {
      send: (p) => {
        if (closed) return;
        packets.push({ from: "ours", bytes: p });
        if (loss && random() < loss) return;
        setImmediate(() => {
          if (!closed) wt.onData?.(Buffer.from(p));
        });
      },
    },
  });
  const werift = role === "client" ? SCTP.client(wt) : SCTP.server(wt);
  return {
    ours,
    werift,
    packets,
    async close() {
      await ours.close();
      await Promise.race([werift.stop(), new Promise((r) => setTimeout(r, 500))]);
      closed = true;
    },
  };
}
