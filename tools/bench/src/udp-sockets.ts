import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * Per-socket UDP drops, to say which socket the host-wide counters of
 * udp-counters.ts belong to. Linux lists every UDP socket of the network
 * namespace in `/proc/net/udp` and `/proc/net/udp6` with its inode and a
 * `drops` column (datagrams the kernel dropped for that socket, a full
 * receive buffer above all); `/proc/<pid>/fd` links name the inodes a
 * process holds. A socket's counter dies with it, so drops of sockets closed
 * within a phase are not seen here (the host-wide figure still has them).
 */

/** One UDP socket as `/proc/net/udp{,6}` lists it. */
export interface UdpSocketRow {
  inode: number;
  localPort: number;
  /** Bytes waiting in its receive queue now. */
  rxQueue: number;
  drops: number;
}

/** Parses the text of `/proc/net/udp` or `/proc/net/udp6` (header line first). */
export function parseProcNetUdp(text: string): UdpSocketRow[] {
  const rows: UdpSocketRow[] = [];
  for (const line of text.split("\n").slice(1)) {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = Number.parseInt(f[1]!.slice(f[1]!.lastIndexOf(":") + 1), 16);
    const rx = Number.parseInt(f[4]!.slice(f[4]!.indexOf(":") + 1), 16);
    const inode = Number(f[9]);
    const drops = Number(f[12]);
    if (!Number.isFinite(port) || !Number.isFinite(inode) || !Number.isFinite(drops)) continue;
    rows.push({ inode, localPort: port, rxQueue: Number.isFinite(rx) ? rx : 0, drops });
  }
  return rows;
}

/** Every UDP socket of this network namespace by inode, or undefined where /proc/net/udp is missing. */
export function udpSockets(): Map<number, UdpSocketRow> | undefined {
  const sockets = new Map<number, UdpSocketRow>();
  let found = false;
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    found = true;
    for (const row of parseProcNetUdp(text)) if (row.inode !== 0) sockets.set(row.inode, row);
  }
  return found ? sockets : undefined;
}

/** The socket inodes process `pid` holds open (empty if it is gone or not ours to read). */
export function socketInodesOf(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // Closed between the listing and the read.
    }
  }
  return inodes;
}

/** Sockets to attribute drops to: by owning process, optionally narrowed to local ports. */
export interface SocketOwner {
  name: string;
  pid: number;
  /** Only the process's sockets on these local ports (e.g. the server's mux socket). */
  ports?: readonly number[];
}

/** What one owner's UDP sockets dropped between two snapshots. */
export interface OwnerDrops {
  name: string;
  /** Its UDP sockets at the end of the phase. */
  sockets: number;
  /** How many of them dropped anything in the phase. */
  socketsDropping: number;
  drops: number;
  /** The most one socket dropped (0 when none did). */
  maxPerSocket: number;
  /** Bytes waiting in the receive queues at the end of the phase, all sockets together. */
  rxQueueBytes: number;
}

/** A snapshot to diff against: every socket's drops (call at the start of a phase). */
export type UdpSnapshot = Map<number, UdpSocketRow> | undefined;

/** The name of the last entry of {@link dropsSince}: the namespace's sockets no owner holds. */
export const ELSEWHERE = "other sockets of the host";

/**
 * Drops per owner between `before` and now, then one more entry,
 * {@link ELSEWHERE}, for every other socket listed (other processes'). A
 * socket absent from `before` was made in the phase and counts from 0. Each
 * socket is counted for the first owner that claims it, so list narrow
 * owners (ports) before broad ones.
 */
export function dropsSince(before: UdpSnapshot, owners: readonly SocketOwner[]): OwnerDrops[] | undefined {
  const now = udpSockets();
  if (!before || !now) return undefined;
  const claimed = new Set<number>();
  const inodesByPid = new Map<number, Set<number>>();
  const count = (into: OwnerDrops, inode: number, row: UdpSocketRow) => {
    claimed.add(inode);
    const dropped = row.drops - (before.get(inode)?.drops ?? 0);
    into.sockets++;
    into.rxQueueBytes += row.rxQueue;
    if (dropped <= 0) return;
    into.socketsDropping++;
    into.drops += dropped;
    into.maxPerSocket = Math.max(into.maxPerSocket, dropped);
  };
  const result = owners.map((owner) => {
    let inodes = inodesByPid.get(owner.pid);
    if (!inodes) {
      inodes = socketInodesOf(owner.pid);
      inodesByPid.set(owner.pid, inodes);
    }
    const own = emptyDrops(owner.name);
    for (const inode of inodes) {
      const row = now.get(inode);
      if (!row || claimed.has(inode) || (owner.ports && !owner.ports.includes(row.localPort))) continue;
      count(own, inode, row);
    }
    return own;
  });
  const rest = emptyDrops(ELSEWHERE);
  for (const [inode, row] of now) if (!claimed.has(inode)) count(rest, inode, row);
  result.push(rest);
  return result;
}

function emptyDrops(name: string): OwnerDrops {
  return { name, sockets: 0, socketsDropping: 0, drops: 0, maxPerSocket: 0, rxQueueBytes: 0 };
}

/** One line for a log: "name 12 drops on 3 of 500 sockets (max 7)", joined by "; ". */
export function formatOwnerDrops(drops: readonly OwnerDrops[] | undefined): string {
  if (!drops) return "? (no /proc/net/udp)";
  return drops
    .map(
      (d) =>
        `${d.name} ${d.drops} on ${d.socketsDropping} of ${d.sockets} socket${d.sockets === 1 ? "" : "s"}` +
        (d.socketsDropping > 1 ? ` (max ${d.maxPerSocket})` : ""),
    )
    .join("; ");
}
