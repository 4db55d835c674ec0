import { type CancelTimer, startTimer } from "@purertc/socket";
import { RtspError } from "../errors.js";

/** How fast one viewer's packets may leave (see {@link PacedSender}). */
export interface PacingOptions {
  /** Long-run rate. Default 12 Mbit/s: six times a 2 Mbit/s camera, so a late viewer catches up quickly. */
  bitsPerSecond?: number;
  /** Bytes that may leave at once (the bucket's depth). Default 64 KiB; at least one packet (1200). */
  burstBytes?: number;
}

/** Defaults of {@link PacingOptions}. */
export const DEFAULT_PACING = { bitsPerSecond: 12_000_000, burstBytes: 64 * 1024 } as const;

/**
 * A token bucket: `burstBytes` deep, refilled at `bytesPerSecond`. Whatever
 * the order of takes, the bytes taken in any interval of T seconds are at
 * most `burstBytes + bytesPerSecond * T` (plus one item larger than the
 * bucket, which goes once the bucket is full).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** @throws RtspError `ERR_INVALID_ARGUMENT` for a rate or depth that is not a positive finite number */
  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes: number,
    private readonly now: () => number = defaultNow,
  ) {
    if (!(bytesPerSecond > 0 && Number.isFinite(bytesPerSecond)))
      throw new RtspError(
        "ERR_INVALID_ARGUMENT",
        `pacing rate must be a positive number, not ${bytesPerSecond}`,
      );
    if (!(burstBytes >= 1200 && Number.isFinite(burstBytes)))
      throw new RtspError(
        "ERR_INVALID_ARGUMENT",
        `pacing burst must be at least 1200 bytes, not ${burstBytes}`,
      );
    this.tokens = burstBytes;
    this.last = now();
  }

  /** Takes `bytes` and returns 0 when they may go now; else takes nothing and returns the ms to wait. */
  take(bytes: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    const need = Math.min(bytes, this.burstBytes);
    // A hair of float rounding must not turn "wait exactly this long" into a second wait.
    if (this.tokens >= need - 1e-6) {
      this.tokens -= bytes;
      return 0;
    }
    return ((need - this.tokens) * 1000) / this.bytesPerSecond;
  }
}

const defaultNow = () => performance.now();

/** Counters of a {@link PacedSender}. */
export interface PacingStats {
  /** Packets and bytes handed to the output. */
  packets: number;
  bytes: number;
  /** Times the bucket was empty and the sender waited for it. */
  waits: number;
  /** Packets the output refused (thrown; counted and skipped). */
  errors: number;
  /** Time of the first and latest packet out (performance.now()), NaN before any. */
  firstAt: number;
  lastAt: number;
}

/**
 * Paces one viewer's RTP packets through a {@link TokenBucket}: what the
 * bucket allows goes at once, the rest waits on one timer. `send` returns a
 * promise while packets of the unit are held, so the fan-out's bounded queue
 * (not this object) holds what comes next, and a viewer that cannot keep up
 * overflows and skips to a key frame as before. A viewer session paces its
 * backlog with it (a late viewer's cached GOP goes out at the pacing rate
 * instead of in one burst), then sends live units straight.
 * close() cancels the timer and settles the pending send.
 */
export class PacedSender {
  readonly stats: PacingStats = {
    packets: 0,
    bytes: 0,
    waits: 0,
    errors: 0,
    firstAt: Number.NaN,
    lastAt: Number.NaN,
  };
  private readonly bucket: TokenBucket;
  private pending: readonly Uint8Array[] | undefined;
  private index = 0;
  private settle: (() => void) | undefined;
  private cancelTimer: CancelTimer | undefined;
  private isClosed = false;

  /**
   * @param out - sends one packet (the viewer's `sender.sendRtp`)
   * @throws RtspError `ERR_INVALID_ARGUMENT` for bad pacing options
   */
  constructor(
    private readonly out: (packet: Uint8Array) => void,
    options: PacingOptions = {},
  ) {
    const bits = options.bitsPerSecond ?? DEFAULT_PACING.bitsPerSecond;
    this.bucket = new TokenBucket(bits / 8, options.burstBytes ?? DEFAULT_PACING.burstBytes);
  }

  /** Sends `packets` in order, now or as the bucket allows; the promise settles when the last one left. */
  send(packets: readonly Uint8Array[]): void | Promise<void> {
    if (this.isClosed) return;
    if (this.pending) throw new RtspError("ERR_INVALID_ARGUMENT", "PacedSender.send while a unit is held");
    this.pending = packets;
    this.index = 0;
    this.drain();
    if (!this.pending) return;
    return new Promise<void>((resolve) => {
      this.settle = resolve;
    });
  }

  /** Drops what is held and cancels the timer; a pending send settles. Idempotent. */
  close(): void {
    this.isClosed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.finish();
  }

  private drain(): void {
    const packets = this.pending;
    if (!packets) return;
    while (this.index < packets.length) {
      const packet = packets[this.index]!;
      const wait = this.bucket.take(packet.length);
      if (wait > 0) {
        this.stats.waits++;
        this.cancelTimer = startTimer(this.onTimer, Math.max(1, Math.ceil(wait)));
        return;
      }
      this.index++;
      const now = performance.now();
      if (this.stats.packets === 0) this.stats.firstAt = now;
      this.stats.lastAt = now;
      this.stats.packets++;
      this.stats.bytes += packet.length;
      try {
        this.out(packet);
      } catch {
        // One refused packet (the connection closing under it) must not strand the rest or the timer.
        this.stats.errors++;
      }
    }
    this.finish();
  }

  private finish(): void {
    this.pending = undefined;
    const settle = this.settle;
    this.settle = undefined;
    settle?.();
  }

  private readonly onTimer = () => {
    this.cancelTimer = undefined;
    if (!this.isClosed) this.drain();
  };
}
