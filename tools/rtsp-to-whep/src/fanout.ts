import type { AccessUnit } from "./h264-source.js";

/**
 * Where a viewer's access units go (the PeerConnection side packetizes and encrypts). `queued`: units still
 * waiting behind this one (a late viewer's cached GOP is a backlog; 0 once it has caught up with the camera).
 */
export type AccessUnitSink = (unit: AccessUnit, queued: number) => void | Promise<void>;

/** Options of {@link FanOut}. */
export interface FanOutOptions {
  /** Access units a viewer may have waiting; beyond it the viewer skips to the next key frame. Default 60. */
  maxQueue?: number;
  /** Bytes of the cached GOP (from the last key frame); a longer GOP is not cached. Default 8 MiB. */
  maxGopBytes?: number;
}

/** Counters of one viewer. */
export interface ViewerStats {
  /** Access units handed to the sink. */
  delivered: number;
  /** Access units skipped: queue overflow, and what followed it until the next key frame. */
  dropped: number;
  /** Times the viewer fell behind and skipped to a key frame. */
  overflows: number;
  /** The sink threw or rejected (the unit is counted as delivered, the viewer goes on). */
  sinkErrors: number;
}

/**
 * One viewer of a {@link FanOut}: a bounded queue drained into its sink one
 * unit at a time, so a slow viewer falls behind alone.
 */
export class FanOutViewer {
  readonly stats: ViewerStats = { delivered: 0, dropped: 0, overflows: 0, sinkErrors: 0 };
  private queue: AccessUnit[] = [];
  private pumping = false;
  private waitingForKeyframe: boolean;
  private isClosed = false;
  /** maxQueue plus what is left of the backlog it started on: live units never overflow a paced catch-up. */
  private limit: number;

  /** @internal made by {@link FanOut.addViewer} */
  constructor(
    private readonly sink: AccessUnitSink,
    private readonly maxQueue: number,
    private readonly detach: (viewer: FanOutViewer) => void,
    startOn: readonly AccessUnit[],
  ) {
    this.waitingForKeyframe = startOn.length === 0;
    this.limit = maxQueue + startOn.length;
    // Queued whole before the first is sent, so the sink sees the backlog it has to catch up on.
    this.pumping = true;
    for (const unit of startOn) this.offer(unit);
    this.pumping = false;
    if (this.queue.length > 0) void this.pump();
  }

  /** Access units waiting. */
  get queued(): number {
    return this.queue.length;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Leaves the fan-out; what was queued is dropped. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue = [];
    this.detach(this);
  }

  /** @internal */
  offer(unit: AccessUnit): void {
    if (this.isClosed) return;
    if (this.waitingForKeyframe) {
      if (!unit.keyframe) {
        this.stats.dropped++;
        return;
      }
      this.waitingForKeyframe = false;
    }
    if (this.queue.length >= this.limit) {
      // Dropping single frames would break decoding until the next IDR anyway: skip to it.
      this.stats.overflows++;
      this.stats.dropped += this.queue.length;
      this.queue = [];
      this.limit = this.maxQueue;
      if (!unit.keyframe) {
        this.stats.dropped++;
        this.waitingForKeyframe = true;
        return;
      }
    }
    this.queue.push(unit);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    // Bounded: each turn takes one unit off a queue of at most maxQueue, refilled only by offer().
    while (!this.isClosed && this.queue.length > 0) {
      const unit = this.queue.shift()!;
      if (this.limit > this.maxQueue) this.limit--;
      try {
        await this.sink(unit, this.queue.length);
      } catch {
        this.stats.sinkErrors++;
      }
      this.stats.delivered++;
    }
    this.pumping = false;
  }
}

/**
 * One source, many viewers: every access unit goes to every viewer (the
 * same object: packetized once upstream, encrypted per viewer downstream).
 * A viewer that joins late starts on the cached GOP (the last key frame and
 * what followed it), or on the next key frame; RTSP cameras cannot answer a
 * PLI. A slow viewer only ever delays itself.
 */
export class FanOut {
  private readonly viewers = new Set<FanOutViewer>();
  private gop: AccessUnit[] = [];
  private gopBytes = 0;
  private readonly maxQueue: number;
  private readonly maxGopBytes: number;
  /** Access units pushed. */
  unitsIn = 0;

  constructor(options: FanOutOptions = {}) {
    this.maxQueue = options.maxQueue ?? 60;
    this.maxGopBytes = options.maxGopBytes ?? 8 * 1024 * 1024;
  }

  /** Viewers attached now. */
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Units in the cached GOP (0 until a key frame). */
  get cachedUnits(): number {
    return this.gop.length;
  }

  /** Adds a viewer; it gets the cached GOP first, then every new unit. */
  addViewer(sink: AccessUnitSink): FanOutViewer {
    // A GOP longer than the queue cannot be replayed whole: start on the next key frame instead.
    const start = this.gop.length <= this.maxQueue ? this.gop : [];
    const viewer = new FanOutViewer(sink, this.maxQueue, this.detach, start);
    this.viewers.add(viewer);
    return viewer;
  }

  /** Sends a unit to every viewer and keeps it in the GOP cache. */
  push(unit: AccessUnit): void {
    this.unitsIn++;
    if (unit.keyframe) {
      this.gop = [unit];
      this.gopBytes = unit.data.length;
    } else if (this.gop.length > 0) {
      this.gopBytes += unit.data.length;
      if (this.gopBytes > this.maxGopBytes || this.gop.length >= this.maxQueue) {
        this.gop = [];
        this.gopBytes = 0;
      } else this.gop.push(unit);
    }
    for (const viewer of this.viewers) viewer.offer(unit);
  }

  /** Forgets the cached GOP (the source restarted: old frames must not prime new viewers). */
  reset(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  /** Closes every viewer and forgets the cache. Idempotent. */
  close(): void {
    for (const viewer of [...this.viewers]) viewer.close();
    this.reset();
  }

  private readonly detach = (viewer: FanOutViewer) => {
    this.viewers.delete(viewer);
  };
}
