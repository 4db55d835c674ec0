/**
 * One open data channel between two in-process peers of one stack, seen
 * through the little the benchmark needs: send, bufferedAmount with its
 * low-water event, and received message sizes at the other end.
 */
export interface ChannelPair {
  /** create → the offerer's channel `open`, ms. */
  openMs: number;
  send(data: Uint8Array | string): void;
  bufferedAmount(): number;
  /** Returns the unsubscribe function (interleaved rounds on one pair must not add up listeners). */
  onBufferedAmountLow(threshold: number, fn: () => void): () => void;
  /** Sizes of messages arriving at the other end; returns the unsubscribe function. */
  onMessage(fn: (size: number) => void): () => void;
  /** purertc only: raw DTLS datagrams over the same connection (see {@link RawDatagrams}). */
  raw?: RawDatagrams;
  close(): Promise<void>;
}

/**
 * Raw DTLS application data between the same two peers as the channel
 * (purertc's `sendDatagram` extension): the same ICE sockets, the same DTLS
 * connection and version, records the size of the channel's SCTP packets. The
 * denominator of the "data channel / raw DTLS" ratio.
 */
export interface RawDatagrams {
  /** The record payload that matches the channel's packets (the association's maxPacketSize). */
  recordSize(): number;
  send(data: Uint8Array): void;
  /** Sizes of datagrams arriving at the other end; returns the unsubscribe function. */
  onReceive(fn: (size: number) => void): () => void;
}
