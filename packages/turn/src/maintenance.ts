import { type CancelTimer, setTimer } from "@purertc/socket";
import { StunMethod } from "@purertc/stun";
import { type ClientState, log, type MaintenancePart } from "./client-state.js";
import { toTurnError } from "./errors.js";
import { request } from "./request.js";

/**
 * The allocation's lifetime and the one maintenance timer of a TurnClient:
 * refreshes the allocation before it expires (RFC 8656 §8), and permissions
 * and channels before theirs, whichever is due first.
 */
export class Maintenance implements MaintenancePart {
  private readonly s: ClientState;
  private refreshAt = Number.POSITIVE_INFINITY;
  private expiresAt = Number.POSITIVE_INFINITY;
  private cancelMaintenance: CancelTimer | undefined;
  private maintenanceAt = Number.POSITIVE_INFINITY;

  constructor(s: ClientState) {
    this.s = s;
  }

  /** Notes a granted lifetime: the allocation expires then, and is refreshed before. */
  scheduleRefresh(lifetime: number): void {
    const now = performance.now();
    const ms = lifetime * 1000;
    this.expiresAt = now + ms;
    const timing = this.s.timing;
    this.refreshAt = now + (timing.refreshAfterMs ?? ms - Math.min(timing.refreshMarginMs, ms / 2));
  }

  /** The body of {@link TurnClient.refresh}: Refresh now, asking for `lifetime` seconds. */
  async refresh(lifetime?: number): Promise<number> {
    const s = this.s;
    s.assertAllocated();
    const wanted = lifetime ?? s.options.lifetime;
    const response = await request(
      s,
      StunMethod.Refresh,
      (b) => {
        if (wanted !== undefined) b.lifetime(wanted);
      },
      s.work.signal,
    );
    const granted = response.lifetime ?? wanted ?? 600;
    s.stats.refreshes++;
    if (s.info) s.info.lifetime = granted;
    this.scheduleRefresh(granted);
    this.reschedule();
    return granted;
  }

  /** Stops the timer (close, or the allocation is lost). */
  stop(): void {
    this.cancelMaintenance?.();
  }

  /** Sets the one maintenance timer to the earliest due time (refresh, permissions, channels). */
  reschedule(): void {
    const s = this.s;
    if (s.currentState !== "allocated" || s.work.signal.aborted) return;
    const next = Math.min(this.refreshAt, s.permissions.nextDue(), s.channels.nextDue());
    if (next === this.maintenanceAt && this.cancelMaintenance) return;
    this.cancelMaintenance?.();
    this.cancelMaintenance = undefined;
    this.maintenanceAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, Math.min(next - performance.now(), 2 ** 31 - 1));
    this.cancelMaintenance = setTimer(
      () => {
        this.cancelMaintenance = undefined;
        this.maintenanceAt = Number.POSITIVE_INFINITY;
        this.maintain();
      },
      delay,
      s.work.signal,
    );
  }

  private maintain(): void {
    const s = this.s;
    if (s.currentState !== "allocated") return;
    const now = performance.now();
    if (this.refreshAt <= now) {
      this.refreshAt = Number.POSITIVE_INFINITY;
      this.refresh().catch((error: unknown) => this.refreshFailed(error));
    }
    s.permissionRequests.send(s.permissions.due(now));
    for (const channel of s.channels.due(now)) {
      s.channelBinder.send(channel).catch(() => {
        // Counted and logged in ChannelBinder.send; data falls back to Send indications.
      });
    }
    this.reschedule();
  }

  private refreshFailed(error: unknown): void {
    const s = this.s;
    if (s.currentState !== "allocated") return;
    const e = toTurnError(error, "ERR_REQUEST");
    const now = performance.now();
    // 437: the allocation is gone; 401 after retries: credentials revoked.
    const definitive = e.status === 437 || e.code === "ERR_AUTH" || e.code === "ERR_CLOSED";
    if (!definitive && now + s.timing.retryMs < this.expiresAt) {
      log("refresh failed (%s), retrying", e.message);
      this.refreshAt = now + s.timing.retryMs;
      this.reschedule();
      return;
    }
    log("allocation lost: %s", e.message);
    s.failure = e;
    this.cancelMaintenance?.();
    s.setState("failed");
  }
}
