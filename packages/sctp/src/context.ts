/**
 * What the parts of an association (setup.ts, shutdown.ts, transmitter.ts,
 * loss-recovery.ts, inbound.ts) see of it. They take this interface, not the
 * class, so no file imports association.ts back: the class implements it and
 * hands itself over.
 */
import type { SctpAssociationState, SctpStats } from "./association-types.js";
import type { RtoEstimator } from "./congestion.js";
import type { SctpError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import type { ErrorCause } from "./packet/causes.js";
import type { Chunk } from "./packet/chunk.js";
import type { SackChunk } from "./packet/sack.js";
import type { ReceiverSink } from "./receiver-sink.js";
import type { SendQueue } from "./send-queue.js";
import type { Tcb } from "./tcb.js";
import type { AssociationTimer } from "./timers.js";

/** The sending side as setup, shutdown and loss recovery use it (implemented by Transmitter). */
export interface TransmitterLike {
  control(c: Chunk): void;
  schedule(): void;
  /** Sends what may be sent now (not a microtask later). */
  flush(): void;
}

/** SACK processing as shutdown and the transmitter use it (implemented by LossRecovery). */
export interface LossRecoveryLike {
  onSack(s: SackChunk): void;
  armProbeIfIdle(t: Tcb): void;
}

/** Path heartbeats as the transmitter and inbound use them (implemented by Heartbeat). */
export interface HeartbeatLike {
  /** DATA went out at `now` (performance.now()): the path is not idle. */
  dataSent(now: number): void;
  /** A HEARTBEAT-ACK arrived with this Heartbeat Information. */
  onAck(info: Uint8Array): void;
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
  readonly recovery: LossRecoveryLike;
  readonly heartbeat: HeartbeatLike;
  readonly t3: AssociationTimer;
  readonly delayedAck: AssociationTimer;
  readonly reconfigTimer: AssociationTimer;
  readonly isDestroyed: boolean;
  readonly maxInboundStreams: number;
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
