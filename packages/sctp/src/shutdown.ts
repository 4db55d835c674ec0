/**
 * Graceful close (RFC 9260 §9.2): SHUTDOWN once everything we sent is
 * acknowledged, SHUTDOWN-ACK once everything the peer sent is, then
 * SHUTDOWN-COMPLETE; T2 retransmits, and a guard ends it with ABORT if the
 * peer never finishes (shutdown() is bounded in time).
 */
import type { AssociationContext } from "./context.js";
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import { AssociationTimer } from "./timers.js";

/** Association.Max.Retrans (RFC 9260 §16). */
const MAX_RETRANSMITS = 10;
/** shutdown() gives up (and aborts) after this long. */
export const SHUTDOWN_GUARD = 10_000;

export class Shutdown {
  private retries = 0;
  private t2Timer: AssociationTimer | undefined;
  private guardTimer: AssociationTimer | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly a: AssociationContext) {}

  // The timers are made on first use: a data channel's association usually ends with an ABORT (pc.close()), never a SHUTDOWN.
  private get t2(): AssociationTimer {
    this.t2Timer ??= new AssociationTimer(this.onT2);
    return this.t2Timer;
  }

  private get guard(): AssociationTimer {
    this.guardTimer ??= new AssociationTimer(this.onGuard);
    return this.guardTimer;
  }

  /** shutdown(): settles when the association is closed, gracefully or not. */
  start(): Promise<void> {
    if (this.a.state === "established") {
      this.a.setState("shutdown-pending");
      this.guard.start(SHUTDOWN_GUARD);
      this.a.tx.schedule();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  onShutdown(cumTsnAck: number): void {
    const a = this.a;
    const t = a.tcb;
    if (!t) return;
    // Its cumulative TSN ack acknowledges our data like a SACK (§9.2).
    a.recovery.onSack({
      type: ChunkType.Sack,
      cumulativeTsnAck: cumTsnAck,
      aRwnd: t.peerRwnd + t.rtx.flightSize,
      gapAckBlocks: [],
      duplicateTsns: [],
    });
    if (a.state === "established" || a.state === "shutdown-pending") a.setState("shutdown-received");
    else if (a.state === "shutdown-sent") {
      a.setState("shutdown-ack-sent");
      a.tx.control({ type: ChunkType.ShutdownAck });
      this.t2.start(a.rto.rto);
      return;
    } else return;
    this.guard.ensure(SHUTDOWN_GUARD);
    a.tx.schedule();
  }

  onShutdownAck(vtag: number): void {
    const a = this.a;
    if (a.state === "shutdown-sent" || a.state === "shutdown-ack-sent") {
      a.sendControl(a.tcb!.peerTag, [{ type: ChunkType.ShutdownComplete, reflected: false }]);
      a.end(undefined, false);
    } else if (!a.tcb) {
      // Out of the blue (§8.4 5): SHUTDOWN-COMPLETE with the T bit.
      a.sendControl(vtag, [{ type: ChunkType.ShutdownComplete, reflected: true }]);
    }
  }

  onShutdownComplete(): void {
    if (this.a.state === "shutdown-ack-sent") this.a.end(undefined, false);
  }

  /** Nothing is queued or in flight: the next step of the shutdown may go. */
  onDrained(): void {
    const a = this.a;
    if (a.state === "shutdown-pending") {
      a.setState("shutdown-sent");
      a.tx.control({ type: ChunkType.Shutdown, cumulativeTsnAck: a.tcb!.receiver.cumTsn });
      this.t2.start(a.rto.rto);
    } else if (a.state === "shutdown-received") {
      a.setState("shutdown-ack-sent");
      a.tx.control({ type: ChunkType.ShutdownAck });
      this.t2.start(a.rto.rto);
    }
  }

  private readonly onT2 = (): void => {
    const a = this.a;
    const t = a.tcb;
    if (!t) return;
    if (++this.retries > MAX_RETRANSMITS) {
      a.end(new SctpError("ERR_TOO_MANY_RETRANSMISSIONS", "no answer to SHUTDOWN (RFC 9260 §9.2)"), true);
      return;
    }
    a.rto.backoff();
    if (a.state === "shutdown-sent")
      a.sendControl(t.peerTag, [{ type: ChunkType.Shutdown, cumulativeTsnAck: t.receiver.cumTsn }]);
    else if (a.state === "shutdown-ack-sent") a.sendControl(t.peerTag, [{ type: ChunkType.ShutdownAck }]);
    else return;
    this.t2.start(a.rto.rto);
  };

  private readonly onGuard = (): void => this.a.abort("shutdown timed out");

  /** Stops the timers and settles shutdown() (close). */
  dispose(): void {
    this.t2Timer?.dispose();
    this.guardTimer?.dispose();
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
