/** Where complete messages go. */
export interface ReceiverSink {
  deliver(streamId: number, ppid: number, data: Uint8Array): void;
  /** A message grew beyond the maximum message size: a protocol violation. */
  tooBig(streamId: number): void;
  /** The peer sent what no honest peer can (RFC 8260 I-DATA numbering): end the association. */
  violation(reason: string): void;
}
