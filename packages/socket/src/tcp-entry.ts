import type { AddressInfo } from "node:net";
import type { SocketStats } from "./managed-socket.js";

/**
 * What the registry keeps for each TCP object (a listening server or one
 * connection, accepted or dialled); shared with its handle. The registry
 * closes it through `shutdown` and forgets it once the OS released it.
 */
export interface TcpEntry {
  readonly kind: "tcp";
  readonly id: number;
  readonly label: string;
  readonly type: "tcp4" | "tcp6";
  readonly openedAt: number;
  readonly stack: string;
  readonly stats: SocketStats;
  closed: boolean;
  closing: Promise<void> | undefined;
  local: AddressInfo | undefined;
  /** `ip:port` of the peer, for connections. */
  remote: string | undefined;
  /** Connections accepted by a server entry: closed with it. */
  readonly children: Set<TcpEntry> | undefined;
  /** Destroys the OS object; resolves once it is released. Called once, by the registry. */
  shutdown(): Promise<void>;
}

/** Fresh counters. */
export function newStats(): SocketStats {
  return { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, errors: 0 };
}
