import { createSocket, type Socket } from "node:dgram";

interface Address {
  address: string;
  port: number;
}

const CANDIDATE = /^a=candidate:(\S+) (\d+) (udp) (\d+) (\S+) (\d+) typ host(.*)$/i;

/**
 * A two-port UDP relay between a WHEP viewer and the proxy, so the test can
 * make the viewer vanish (its network gone: nothing more either way, no
 * close_notify). The offer's and the answer's candidates are rewritten to
 * the relay's ports: the proxy sees the viewer at `towardProxy`, the viewer
 * sees the proxy at `towardViewer`, and every datagram crosses the relay.
 *
 * Each port forwards only what comes from the endpoint the SDP named: with
 * hundreds of short-lived ports, a port of ours is often one a vanished
 * viewer had, and the proxy's session for it still sends there for a few
 * seconds (another suite's peers too). A relay that learned its viewer from
 * the last sender sent the new session's answers to that stranger.
 */
export class UdpRelay {
  private viewer: Address | undefined;
  private proxy: Address | undefined;
  private forwarded = { towardViewer: 0, towardProxy: 0 };
  private dropped = 0;

  private constructor(
    private readonly towardProxy: Socket,
    private readonly towardViewer: Socket,
  ) {
    towardProxy.on("message", (data, from) => {
      if (!this.viewer || !same(from, this.proxy)) return void this.dropped++;
      this.forwarded.towardViewer++;
      towardViewer.send(data, this.viewer.port, this.viewer.address);
    });
    towardViewer.on("message", (data, from) => {
      if (!this.proxy || !same(from, this.viewer)) return void this.dropped++;
      this.forwarded.towardProxy++;
      towardProxy.send(data, this.proxy.port, this.proxy.address);
    });
  }

  static async open(): Promise<UdpRelay> {
    const bind = async () => {
      const socket = createSocket("udp4");
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
      return socket;
    };
    return new UdpRelay(await bind(), await bind());
  }

  /** The offer with one candidate: the relay's port facing the proxy. */
  readonly mapOffer = (sdp: string): string => {
    const { sdp: mapped, original } = rewrite(sdp, this.towardProxy.address().port);
    this.viewer = original;
    return mapped;
  };

  /** The answer with one candidate: the relay's port facing the viewer. */
  readonly mapAnswer = (sdp: string): string => {
    const { sdp: mapped, original } = rewrite(sdp, this.towardViewer.address().port);
    this.proxy = original;
    return mapped;
  };

  /** Datagrams forwarded each way and dropped (from a stranger, or before the SDP named both ends), for errors. */
  describe(): string {
    const { towardViewer, towardProxy } = this.forwarded;
    return `${towardProxy} datagrams to the proxy, ${towardViewer} to the viewer, ${this.dropped} dropped`;
  }

  /** The network is gone: both ports closed. Idempotent. */
  close(): void {
    for (const socket of [this.towardProxy, this.towardViewer]) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  }
}

function same(from: Address, expected: Address | undefined): boolean {
  return expected !== undefined && from.port === expected.port && from.address === expected.address;
}

/** Keeps the first UDP IPv4 host candidate of each section, pointed at 127.0.0.1:`port`. */
function rewrite(sdp: string, port: number): { sdp: string; original: Address | undefined } {
  let original: Address | undefined;
  let kept = false;
  const lines: string[] = [];
  for (const line of sdp.split("\r\n")) {
    if (line.startsWith("m=")) kept = false;
    const m = CANDIDATE.exec(line);
    if (!line.startsWith("a=candidate:")) {
      lines.push(line);
      continue;
    }
    if (!m || kept || !/^\d+\.\d+\.\d+\.\d+$/.test(m[5]!)) continue;
    kept = true;
    original ??= { address: m[5]!, port: Number(m[6]) };
    lines.push(`a=candidate:${m[1]} ${m[2]} ${m[3]} ${m[4]} 127.0.0.1 ${port} typ host${m[7]}`);
  }
  return { sdp: lines.join("\r\n"), original };
}
