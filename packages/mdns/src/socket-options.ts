// Where the shared mDNS socket binds and sends: the options, their checks, and the
// outgoing multicast interface chosen when none is named (the loopback-only fix).
import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";
import type { SocketRegistry } from "@purertc/socket";
import { MdnsError } from "./errors.js";

/** The mDNS port (RFC 6762 §3). */
export const MDNS_PORT = 5353;
/** The IPv4 mDNS group (RFC 6762 §3). */
export const MDNS_GROUP_V4 = "224.0.0.251";
/** The IPv6 link-local mDNS group (RFC 6762 §3). */
export const MDNS_GROUP_V6 = "ff02::fb";

/**
 * Where and how the mDNS socket is opened. Both {@link MdnsResponder} and
 * {@link MdnsResolver} take these; users with equal options in one process
 * (and one registry) share one socket.
 */
export interface MdnsSocketOptions {
  /** The registry to open the socket through. Default `SocketRegistry.default`. */
  registry?: SocketRegistry;
  /** Address family of the socket: 4 (224.0.0.251) or 6 (ff02::fb). Default 4. */
  family?: 4 | 6;
  /**
   * Outgoing multicast interface: an IPv4 address of the interface, or for
   * IPv6 a scoped address such as `::%eth0`. Default: the kernel's choice
   * (the interface of the route to the group, normally the default route's),
   * except on a host whose only IPv4 addresses are loopback ones (a network
   * namespace with only `lo`): there the kernel would send from 0.0.0.0, which
   * standard responders such as avahi drop, so the loopback address is set
   * as the interface and packets leave from it (see {@link defaultMulticastInterface}).
   */
  interface?: string;
  /**
   * The group to send to and listen on. Default the mDNS group of the
   * family. A unicast address here (for example `127.0.0.1`) binds that
   * address and sends every packet to it: a socket that talks to itself,
   * which lets tests run the whole responder and resolver on loopback
   * without sending multicast.
   */
  group?: string;
  /** The port of the group. Default 5353; 0 (unicast groups only) picks a free port. */
  port?: number;
  /** Aborts opening the socket. */
  signal?: AbortSignal;
}

/** Options with their defaults applied; the pool keys sockets by them. */
export interface ResolvedOptions {
  family: 4 | 6;
  group: string;
  port: number;
  interface: string | undefined;
}

/** Whether `address` is an IPv4 or IPv6 multicast address. */
export function isMulticast(address: string): boolean {
  if (isIPv4(address)) {
    const first = Number(address.split(".")[0]);
    return first >= 224 && first <= 239;
  }
  return isIPv6(address) && address.toLowerCase().startsWith("ff");
}

/** Applies defaults and checks `options`; throws `MdnsError` `ERR_SOCKET` on a bad family, group or port. */
export function resolveOptions(options: MdnsSocketOptions): ResolvedOptions {
  const family = options.family ?? 4;
  if (family !== 4 && family !== 6) throw new MdnsError("ERR_SOCKET", `family must be 4 or 6, got ${family}`);
  const group = options.group ?? (family === 4 ? MDNS_GROUP_V4 : MDNS_GROUP_V6);
  if (family === 4 ? !isIPv4(group) : !isIPv6(group)) {
    throw new MdnsError("ERR_SOCKET", `group ${group} is not an IPv${family} address`);
  }
  const port = options.port ?? MDNS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (port === 0 && isMulticast(group))) {
    throw new MdnsError("ERR_SOCKET", `bad mDNS port ${port}`);
  }
  const iface = options.interface ?? (isMulticast(group) ? defaultMulticastInterface(family) : undefined);
  return { family, group, port, interface: iface };
}

/**
 * The outgoing multicast interface to set when the caller names none:
 * `undefined` (the kernel's choice) unless every IPv4 address of the host is
 * a loopback one, then that loopback address. Linux picks a multicast
 * source address of at least link scope; 127.0.0.1 has host scope, so with
 * only `lo` the kernel's choice is 0.0.0.0 (RFC 1122 forbids it as a
 * source; avahi ignores such packets). Naming the interface by its address
 * (IP_MULTICAST_IF) makes the kernel send from that address. Hosts with any
 * other IPv4 address already get a real source (the kernel falls back to it).
 */
export function defaultMulticastInterface(
  family: 4 | 6,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  if (family !== 4) return undefined;
  const v4 = Object.values(interfaces)
    .flat()
    .filter((info) => info !== undefined && info.family === "IPv4");
  if (v4.length === 0 || v4.some((info) => !info?.internal)) return undefined;
  return v4[0]?.address;
}
