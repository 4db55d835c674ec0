/**
 * Permission bookkeeping (RFC 8656 §9): a permission is per peer IP address
 * (ports do not count), lasts 300 s at the server, and the client refreshes it
 * before then. The table holds state and due times only; the allocation sends
 * the CreatePermission requests.
 */

/** States of one permission. */
export type PermissionState = "pending" | "installed" | "failed";

/** One permission as the table keeps it. */
export interface Permission {
  /** Peer IP address (no port). */
  readonly ip: string;
  state: PermissionState;
  /** When to send the next CreatePermission (ms, `performance.now()` clock); Infinity while one is in flight. */
  refreshAt: number;
  /** Datagrams waiting for the permission, sent once it is installed. */
  queue: Array<{ data: Uint8Array; port: number }>;
  /** Settles when the request in flight settles. */
  waiters: Array<{ resolve: () => void; reject: (error: Error) => void }>;
}

/** Permission lifetime at the server (RFC 8656 §9). */
export const PERMISSION_LIFETIME_MS = 300_000;
/** Refresh interval: every 4 minutes, one minute before expiry. */
export const PERMISSION_REFRESH_MS = 240_000;
/** At most this many datagrams wait per peer IP for a permission; more are dropped. */
export const PERMISSION_QUEUE_LIMIT = 64;

/** Permissions of one allocation, keyed by peer IP. */
export class PermissionTable {
  private readonly entries = new Map<string, Permission>();

  constructor(private readonly refreshMs: number = PERMISSION_REFRESH_MS) {}

  /** Number of permissions known (any state). */
  get size(): number {
    return this.entries.size;
  }

  /** The permission for `ip`, if any. */
  get(ip: string): Permission | undefined {
    return this.entries.get(ip);
  }

  /**
   * The permission for `ip`, created `pending` (and due now) when absent.
   * Returns whether it was created.
   */
  ensure(ip: string): { permission: Permission; created: boolean } {
    const existing = this.entries.get(ip);
    if (existing) return { permission: existing, created: false };
    const permission: Permission = { ip, state: "pending", refreshAt: 0, queue: [], waiters: [] };
    this.entries.set(ip, permission);
    return { permission, created: true };
  }

  /** Permissions whose refresh (or first request) is due at `now`. */
  due(now: number): Permission[] {
    const out: Permission[] = [];
    for (const p of this.entries.values()) if (p.state !== "failed" && p.refreshAt <= now) out.push(p);
    return out;
  }

  /** Marks a request in flight for these permissions (not due again until it settles). */
  inFlight(list: Permission[]): void {
    for (const p of list) p.refreshAt = Number.POSITIVE_INFINITY;
  }

  /** The server accepted: installed, next refresh `refreshMs` from `now`; returns the queued datagrams. */
  installed(p: Permission, now: number): Array<{ data: Uint8Array; port: number }> {
    p.state = "installed";
    p.refreshAt = now + this.refreshMs;
    const queue = p.queue;
    p.queue = [];
    for (const w of p.waiters.splice(0)) w.resolve();
    return queue;
  }

  /**
   * The server refused or did not answer. A permission that was installed is
   * dropped (it expires at the server); a pending one is removed too, so a
   * later send tries again. Waiters are rejected with `error`.
   */
  failed(p: Permission, error: Error): void {
    p.state = "failed";
    p.queue = [];
    if (this.entries.get(p.ip) === p) this.entries.delete(p.ip);
    for (const w of p.waiters.splice(0)) w.reject(error);
  }

  /** The earliest refresh time over all permissions, or Infinity. */
  nextDue(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.entries.values()) if (p.state !== "failed" && p.refreshAt < next) next = p.refreshAt;
    return next;
  }

  /** Peer IPs with an installed permission. */
  installedIps(): string[] {
    return [...this.entries.values()].filter((p) => p.state === "installed").map((p) => p.ip);
  }

  /** Forgets every permission, rejecting waiters with `error`. */
  clear(error: Error): void {
    for (const p of this.entries.values()) {
      p.queue = [];
      for (const w of p.waiters.splice(0)) w.reject(error);
    }
    this.entries.clear();
  }
}
