import { RtpError } from "./errors.js";
import { RESTART_DISTANCE, sequenceDelta } from "./sequence.js";

/** Options of {@link NackGenerator}. */
export interface NackGeneratorOptions {
  /** Missing sequence numbers tracked at most; a larger gap gives up on all and asks for a key frame. Default 256. */
  maxMissing?: number;
  /** NACKs sent for one sequence number before giving up on it. Default 10. */
  maxRetries?: number;
  /** Wait between two NACKs of one sequence number, in ms (about one round trip). Default 100. */
  retryIntervalMs?: number;
  /** A missing packet older than this many sequence numbers behind the newest is given up. Default 1000. */
  maxAgePackets?: number;
}

/** Counters of a {@link NackGenerator}. */
export interface NackStats {
  /** Sequence numbers NACKed (each retry counts). */
  nacksSent: number;
  /** Missing packets that arrived later (retransmitted or reordered). */
  recovered: number;
  /** Missing packets given up: retries exhausted, too old, or pushed out by the bound. */
  givenUp: number;
}

/**
 * Tracks the sequence numbers missing from one RTP stream and says which to NACK (RFC 4585 generic NACK) and
 * when: each missing packet is asked for up to `maxRetries` times, `retryIntervalMs` apart, then given up. The
 * list is bounded; what is given up sets {@link keyframeNeeded}, the cue for a PLI. It owns no timer: the owner
 * calls {@link due} from its own.
 */
export class NackGenerator {
  /** Counters. */
  readonly stats: NackStats = { nacksSent: 0, recovered: 0, givenUp: 0 };
  private readonly maxMissing: number;
  private readonly maxRetries: number;
  private readonly retryIntervalMs: number;
  private readonly maxAgePackets: number;
  /** sequence number → [retries so far, time of the next NACK] */
  private readonly missing = new Map<number, { retries: number; dueAt: number }>();
  private newest = -1;
  private lostForGood = false;

  constructor(options: NackGeneratorOptions = {}) {
    this.maxMissing = options.maxMissing ?? 256;
    this.maxRetries = options.maxRetries ?? 10;
    this.retryIntervalMs = options.retryIntervalMs ?? 100;
    this.maxAgePackets = options.maxAgePackets ?? 1000;
    if (this.maxMissing < 1 || this.maxRetries < 1 || this.maxAgePackets < 1)
      throw new RtpError("ERR_INVALID_ARGUMENT", "NACK bounds must be at least 1");
  }

  /** Sequence numbers currently missing. */
  get missingCount(): number {
    return this.missing.size;
  }

  /**
   * True once a missing packet has been given up (the decoder's reference chain is broken), until
   * {@link keyframeReceived} is called.
   */
  get keyframeNeeded(): boolean {
    return this.lostForGood;
  }

  /** The receiver got a key frame: the losses before it no longer matter. */
  keyframeReceived(): void {
    this.lostForGood = false;
  }

  /**
   * Records a received sequence number.
   * @param now - ms (monotonic); the first NACK of newly missing packets is due at once
   */
  received(seq: number, now: number): void {
    if (this.newest < 0) {
      this.newest = seq;
      return;
    }
    const delta = sequenceDelta(seq, this.newest);
    if (delta < -RESTART_DISTANCE) {
      // A restarted source: what was missing from the old numbering will never come.
      this.giveUp(this.missing.size);
      this.missing.clear();
      this.newest = seq;
      return;
    }
    if (delta <= 0) {
      if (this.missing.delete(seq)) this.stats.recovered++;
      return;
    }
    if (delta - 1 > this.maxMissing) {
      // Too many at once: NACKing them would not save the picture; give up and ask for a key frame.
      this.giveUp(this.missing.size + delta - 1);
      this.missing.clear();
    } else {
      for (let s = (this.newest + 1) & 0xffff; s !== seq; s = (s + 1) & 0xffff) {
        this.missing.set(s, { retries: 0, dueAt: now });
      }
      // Keep the list bounded: the oldest entries go first (Map keeps insertion order).
      while (this.missing.size > this.maxMissing) {
        this.missing.delete(this.missing.keys().next().value!);
        this.giveUp(1);
      }
    }
    this.newest = seq;
  }

  /**
   * Returns the sequence numbers to NACK now (in ascending order, ready for a generic NACK), counting the
   * retry; entries out of retries or too old are given up.
   */
  due(now: number): number[] {
    const out: number[] = [];
    for (const [seq, entry] of this.missing) {
      if (entry.retries >= this.maxRetries || sequenceDelta(this.newest, seq) > this.maxAgePackets) {
        this.missing.delete(seq);
        this.giveUp(1);
        continue;
      }
      if (entry.dueAt > now) continue;
      entry.retries++;
      entry.dueAt = now + this.retryIntervalMs;
      out.push(seq);
    }
    this.stats.nacksSent += out.length;
    return out;
  }

  /**
   * Gives up the missing sequence numbers before `seq`: the reorder buffer has moved past them, so a
   * retransmission would come too late.
   */
  giveUpBefore(seq: number): void {
    for (const missing of this.missing.keys()) {
      if (sequenceDelta(missing, seq) < 0) {
        this.missing.delete(missing);
        this.giveUp(1);
      }
    }
  }

  /** Forgets everything (a new source). */
  clear(): void {
    this.missing.clear();
    this.newest = -1;
    this.lostForGood = false;
  }

  private giveUp(count: number): void {
    this.stats.givenUp += count;
    this.lostForGood = true;
  }
}
