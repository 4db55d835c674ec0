/**
 * What arrives at an association: the verification tag rules of a decoded
 * packet (RFC 9260 §8.5), each chunk handed to the part that handles it
 * (setup.ts, shutdown.ts, transmitter.ts, loss-recovery.ts), and the sink the
 * receiver delivers whole messages to. association.ts decodes the packet and
 * counts it; it holds the public API.
 */
import { SctpMessageEvent } from "./association-types.js";
import type { AssociationContext, LossRecoveryLike } from "./context.js";
import { SctpError } from "./errors.js";
import type { ErrorCause } from "./packet/causes.js";
import type { Chunk } from "./packet/chunk.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import type { SctpPacket } from "./packet/packet.js";
import type { ReconfigChunk } from "./packet/reconfig.js";
import type { ReceiverSink } from "./receiver-sink.js";
import type { Setup } from "./setup.js";
import type { Shutdown } from "./shutdown.js";
import type { Transmitter } from "./transmitter.js";

/** Checks and dispatches what arrives; its `sink` delivers messages as events of the association. */
export class Inbound {
  constructor(
    private readonly a: AssociationContext,
    private readonly setup: Setup,
    private readonly closing: Shutdown,
    private readonly tx: Transmitter,
    private readonly recovery: LossRecoveryLike,
  ) {}

  /**
   * A decoded packet addressed to our port with at least one chunk: false
   * (nothing done) if its verification tag is wrong, else every chunk is
   * handled and the transmitter answers.
   */
  accept(p: SctpPacket): boolean {
    if (!this.tagOk(p)) return false;
    const a = this.a;
    this.tx.beginPacket();
    const chunks = p.chunks;
    for (let i = 0; i < chunks.length; i++) {
      if (a.isDestroyed) return true;
      // Chunks bundled after a COOKIE-ECHO count only if the cookie set up the tag the packet carries.
      if (i === 1 && chunks[0]!.type === ChunkType.CookieEcho && a.tcb?.localTag !== p.verificationTag) break;
      this.handleChunk(chunks[i]!, p);
    }
    if (!a.isDestroyed) this.tx.endPacket();
    return true;
  }

  /** Verification tag rules (RFC 9260 §8.5, §8.5.1). */
  private tagOk(p: SctpPacket): boolean {
    const first = p.chunks[0]!;
    const v = p.verificationTag;
    if (first.type === ChunkType.Init) return v === 0 && p.chunks.length === 1;
    if (first.type === ChunkType.CookieEcho) return true; // checked against the cookie
    const tcb = this.a.tcb;
    const localTag = tcb?.localTag ?? this.setup.localTag;
    if ((first.type === ChunkType.Abort || first.type === ChunkType.ShutdownComplete) && first.reflected)
      return tcb !== undefined && v === tcb.peerTag;
    if (first.type === ChunkType.ShutdownAck && localTag === undefined) return true; // OOTB: answered below
    return localTag !== undefined && v === localTag;
  }

  private handleChunk(c: Chunk, p: SctpPacket): void {
    switch (c.type) {
      case ChunkType.Data:
      case ChunkType.IData:
        if (this.wrongKind(c.type)) return;
        this.tx.onData(c);
        return;
      case ChunkType.Sack:
        this.recovery.onSack(c);
        return;
      case ChunkType.Init:
        this.setup.onInit(c);
        return;
      case ChunkType.InitAck:
        this.setup.onInitAck(c);
        return;
      case ChunkType.CookieEcho:
        this.setup.onCookieEcho(c.cookie, p.verificationTag);
        return;
      case ChunkType.CookieAck:
        this.setup.onCookieAck();
        return;
      case ChunkType.Heartbeat:
        this.tx.control({ type: ChunkType.HeartbeatAck, info: c.info });
        return;
      case ChunkType.HeartbeatAck:
        this.a.heartbeat.onAck(c.info);
        return;
      case ChunkType.Abort:
        this.a.end(
          new SctpError("ERR_ABORTED_BY_PEER", `peer sent ABORT${causeText(c.causes)} (RFC 9260 §9.1)`),
          false,
        );
        return;
      case ChunkType.Shutdown:
        this.closing.onShutdown(c.cumulativeTsnAck);
        return;
      case ChunkType.ShutdownAck:
        this.closing.onShutdownAck(p.verificationTag);
        return;
      case ChunkType.ShutdownComplete:
        this.closing.onShutdownComplete();
        return;
      case ChunkType.Error:
        this.setup.onError(c.causes);
        return;
      case ChunkType.ForwardTsn:
      case ChunkType.IForwardTsn:
        if (this.wrongKind(c.type)) return;
        this.tx.onForwardTsn(c);
        return;
      case ChunkType.ReConfig:
        this.tx.onReconfig(c as ReconfigChunk);
        return;
      case "unknown":
        // 01 and 11 report the chunk (RFC 9260 §3.2).
        if (c.chunkType & 0x40)
          this.tx.control({
            type: ChunkType.Error,
            causes: [{ code: CauseCode.UnrecognizedChunkType, value: c.raw }],
          });
        return;
      default:
        return;
    }
  }

  /**
   * With I-DATA negotiated, DATA and FORWARD-TSN must not be used, and
   * without it I-DATA and I-FORWARD-TSN: the peer that does gets an ABORT
   * with a Protocol Violation cause (RFC 8260 §2.2.3).
   */
  private wrongKind(type: number): boolean {
    const t = this.a.tcb;
    if (!t) return false;
    const interleaved = type === ChunkType.IData || type === ChunkType.IForwardTsn;
    if (interleaved === t.interleaving) return false;
    const what = `${chunkName(type)} ${t.interleaving ? "with" : "without"} I-DATA negotiated (RFC 8260 §2.2.3)`;
    this.a.end(new SctpError("ERR_PROTOCOL_VIOLATION", `peer sent ${what}`), true, [
      { code: CauseCode.ProtocolViolation, value: new TextEncoder().encode(what) },
    ]);
    return true;
  }

  /** Where the receiver delivers. */
  readonly sink: ReceiverSink = {
    deliver: (streamId, ppid, data) => {
      const a = this.a;
      if (a.isDestroyed) return;
      if (streamId >= a.maxInboundStreams) {
        const v = new Uint8Array(4);
        v[0] = streamId >> 8;
        v[1] = streamId;
        this.tx.control({
          type: ChunkType.Error,
          causes: [{ code: CauseCode.InvalidStreamIdentifier, value: v }],
        });
        return;
      }
      a.stats.messagesReceived++;
      a.dispatchEvent(new SctpMessageEvent(streamId, ppid, data));
    },
    tooBig: (streamId) => {
      queueMicrotask(() =>
        this.a.end(
          new SctpError(
            "ERR_PROTOCOL_VIOLATION",
            `message on stream ${streamId} larger than ${this.a.o.maxMessageSize}`,
          ),
          true,
        ),
      );
    },
    violation: (reason) => {
      queueMicrotask(() =>
        this.a.end(new SctpError("ERR_PROTOCOL_VIOLATION", reason), true, [
          { code: CauseCode.ProtocolViolation, value: new TextEncoder().encode(reason) },
        ]),
      );
    },
  };
}

function chunkName(type: number): string {
  return type === ChunkType.Data
    ? "DATA"
    : type === ChunkType.IData
      ? "I-DATA"
      : type === ChunkType.ForwardTsn
        ? "FORWARD-TSN"
        : "I-FORWARD-TSN";
}

function causeText(causes: ErrorCause[]): string {
  return causes.length === 0 ? "" : ` (cause ${causes.map((c) => c.code).join(", ")})`;
}
