import { ipFamily, StunMethod } from "@purertc/stun";
import { type ClientState, log, type PermissionRequestsPart } from "./client-state.js";
import { TurnError, toTurnError } from "./errors.js";
import { toStunAddress } from "./peer.js";
import type { Permission } from "./permissions.js";
import { request } from "./request.js";

/**
 * Permissions of a TurnClient (CreatePermission, RFC 8656 §9): one request
 * for every permission due, then the datagrams queued for those peers go out
 * (or are dropped, counted, when the server refuses).
 */
export class PermissionRequests implements PermissionRequestsPart {
  private readonly s: ClientState;

  constructor(s: ClientState) {
    this.s = s;
  }

  /** The body of {@link TurnClient.createPermission}. */
  async createPermission(ips: string[]): Promise<void> {
    const s = this.s;
    s.assertAllocated();
    const waits: Promise<void>[] = [];
    for (const ip of ips) {
      if (!ipFamily(ip)) throw new TurnError("ERR_INVALID_ARGUMENT", `"${ip}" is not an IP address`);
      const { permission } = s.permissions.ensure(ip);
      if (permission.state === "installed") continue;
      waits.push(new Promise<void>((resolve, reject) => permission.waiters.push({ resolve, reject })));
    }
    s.maintenance.reschedule();
    await Promise.all(waits);
  }

  /** Sends one CreatePermission for `list` (nothing when it is empty). */
  send(list: Permission[]): void {
    if (list.length === 0) return;
    const s = this.s;
    s.permissions.inFlight(list);
    void request(
      s,
      StunMethod.CreatePermission,
      (b) => {
        for (const p of list) b.xorPeerAddress(toStunAddress(p.ip, 0));
      },
      s.work.signal,
    )
      .then(
        () => {
          s.stats.permissionRequests++;
          const now = performance.now();
          for (const p of list) {
            const queued = s.permissions.installed(p, now);
            for (const q of queued) s.data.transmit(q.data, q.port, p.ip);
          }
        },
        (error: unknown) => {
          const e = toTurnError(error, "ERR_REQUEST");
          log("CreatePermission failed: %s", e.message);
          for (const p of list) {
            s.stats.dropped += p.queue.length;
            s.permissions.failed(p, e);
          }
        },
      )
      .finally(() => s.maintenance.reschedule());
  }
}
