import type { DatagramTransport } from "@purertc/socket";

/**
 * RFC 7983 §7: what a datagram on the ICE path is, from its first byte.
 * STUN (0–3) never gets here (the ICE agent keeps it); ZRTP and TURN
 * channels are not WebRTC's.
 */
export function classifyDatagram(data: Uint8Array): "dtls" | "rtp" | "rtcp" | "other" {
  const b = data[0];
  if (b === undefined) return "other";
  if (b >= 20 && b <= 63) return "dtls";
  if (b >= 128 && b <= 191) {
    // RFC 5761 §4: RTCP packet types 192–223 in the second byte (with the marker bit, 64–95 would be RTP).
    const pt = data[1];
    return pt !== undefined && pt >= 192 && pt <= 223 ? "rtcp" : "rtp";
  }
  return "other";
}

/**
 * The ICE transport as DTLS sees it: DTLS records (first byte 20–63) go to
 * the DTLS connection above, SRTP and SRTCP (128–191) to `media`, anything
 * else is dropped (RFC 7983). Sends pass through. It owns nothing: closing
 * it detaches it.
 */
export class DemuxTransport implements DatagramTransport {
  onDatagram: ((data: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  private inner: DatagramTransport | undefined;

  constructor(
    inner: DatagramTransport,
    private media: ((data: Uint8Array, kind: "rtp" | "rtcp") => void) | undefined,
  ) {
    this.inner = inner;
    inner.onDatagram = this.receive;
    inner.onClose = this.innerClosed;
  }

  /** Hands in one datagram from the ICE path (what the agent's onDatagram gets). */
  readonly receive = (data: Uint8Array): void => {
    const kind = classifyDatagram(data);
    if (kind === "dtls") this.onDatagram?.(data);
    else if (kind !== "other") this.media?.(data, kind);
  };

  private readonly innerClosed = (): void => {
    this.onClose?.();
  };

  send(data: Uint8Array): void {
    this.inner?.send(data);
  }

  get closed(): boolean {
    return this.inner === undefined || this.inner.closed;
  }

  /** Detaches from the ICE transport (which stays open: the agent owns it). */
  close(): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    this.media = undefined;
    if (inner && inner.onDatagram === this.receive) inner.onDatagram = undefined;
    if (inner && inner.onClose === this.innerClosed) inner.onClose = undefined;
    return Promise.resolve();
  }
}
