/**
 * What the parts of an association (setup.ts, shutdown.ts, transmitter.ts)
 * see of it. They take this interface, not the class, so no file imports
 * association.ts back: the class implements it and hands itself over.
 */
import type { SctpAssociationState, SctpStats } from "./association-types.js";
import type { RtoEstimator } from "./congestion.js";
import type { SctpError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import type { ErrorCause } from "./packet/causes.js";
import type { Chunk } from "./packet/chunk.js";
import type { SackChunk } from "./packet/sack.js";
import type { ReceiverSink } from "./reassembly.js";
import type { SendQueue } from "./send-queue.js";
import type { Tcb } from "./tcb.js";
import type { AssociationTimer } from "./timers.js";

/** The sending side as setup and shutdown use it (implemented by Transmitter). */
export interface TransmitterLike {
  control(c: Chunk): void;
  schedule(): void;
  onSack(s: SackChunk): void;
}

export interface AssociationContext extends EventTarget {
  readonly state: SctpAssociationState;
  setState(s: SctpAssociationState): void;
  readonly o: ResolvedOptions;
  tcb: Tcb | undefined;
  readonly rto: RtoEstimator;
  readonly queue: SendQueue;
  readonly stats: SctpStats;
  readonly sink: ReceiverSink;
  readonly tx: TransmitterLike;
  readonly t3: AssociationTimer;
  readonly delayedAck: AssociationTimer;
  readonly reconfigTimer: AssociationTimer;
  readonly isDestroyed: boolean;
  readonly canSendData: boolean;
  sendControl(vtag: number, chunks: Chunk[]): void;
  emit(packet: Uint8Array): void;
  end(error: SctpError | undefined, sendAbort: boolean, causes?: ErrorCause[]): void;
  fail(error: SctpError): void;
  abort(reason?: string): void;
  onDrained(): void;
  onStreamsReset(streamIds: number[]): void;
  addInbound(n: number): void;
  flushLowEvents(): void;
}
