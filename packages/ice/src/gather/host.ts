import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { SocketRegistry } from "@purertc/socket";
import { SocketBase } from "./base.js";

/** Which interfaces host gathering uses. */
export interface HostGatherOptions {
  /**
   * Loopback addresses: `false` (default, as browsers) leaves them out,
   * `true` adds them, `"only"` gathers on loopback alone (tests, CLI).
   */
  loopback?: boolean | "only";
  /** Explicit local IPs to gather on instead of the interface list. */
  addresses?: string[];
  /** Gather IPv4 (default true). */
  ipv4?: boolean;
  /** Gather IPv6 (default true). Link-local (fe80::/10) is always left out. */
  ipv6?: boolean;
}

/**
 * Local IP addresses to gather host candidates on, most preferred first:
 * non-loopback IPv6, non-loopback IPv4, then loopback when asked. Link-local
 * addresses (169.254/16, fe80::/10) are left out: they need a scope and are
 * of no use to a remote peer.
 */
export function hostAddresses(options: HostGatherOptions = {}): string[] {
  const ipv4 = options.ipv4 ?? true;
  const ipv6 = options.ipv6 ?? true;
  if (options.addresses) {
    const want = (address: string) => (isIP(address) === 4 ? ipv4 : ipv6);
    return [...new Set(options.addresses.filter((a) => isIP(a) !== 0 && want(a)))];
  }
  const loopback = options.loopback ?? false;
  const v6: string[] = [];
  const v4: string[] = [];
  const lo: string[] = [];
  for (const info of interfaceAddresses()) {
    if (!(info.v6 ? ipv6 : ipv4)) continue;
    if (info.internal) {
      if (loopback) lo.push(info.address);
    } else if (loopback !== "only") {
      (info.v6 ? v6 : v4).push(info.address);
    }
  }
  return [...new Set([...v6, ...v4, ...lo])];
}

/**
 * How long one interface list is reused. Listing interfaces (getifaddrs)
 * costs about 75 µs, on every gathering of every connection otherwise; an
 * interface that appears is seen by gatherings that start after this.
 */
const INTERFACES_TTL_MS = 1000;
let interfaces: { at: number; list: InterfaceAddress[] } | undefined;

interface InterfaceAddress {
  address: string;
  v6: boolean;
  internal: boolean;
}

/** The usable interface addresses (link-local left out), listed at most once per {@link INTERFACES_TTL_MS}. */
function interfaceAddresses(): InterfaceAddress[] {
  const now = performance.now();
  if (interfaces && now - interfaces.at < INTERFACES_TTL_MS) return interfaces.list;
  const list: InterfaceAddress[] = [];
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) {
      const address = info.address;
      // Link-local needs a scope and is of no use to a remote peer.
      if (/^fe[89ab]/i.test(address) || address.startsWith("169.254.")) continue;
      list.push({ address, v6: isIP(address) === 6, internal: info.internal });
    }
  }
  interfaces = { at: now, list };
  return list;
}

/**
 * Local preference of the i-th host address (RFC 8445 §5.1.2.1): distinct
 * per interface, highest first.
 */
export function localPreference(index: number): number {
  return Math.max(0, 65535 - index * 128);
}

/**
 * Opens one UDP socket per address through the registry. Addresses the OS
 * refuses are skipped (reported through `onError`).
 */
export async function openHostBases(
  registry: SocketRegistry,
  owner: object,
  addresses: string[],
  signal: AbortSignal | undefined,
  onError: (address: string, error: unknown) => void,
): Promise<Array<{ address: string; base: SocketBase; index: number }>> {
  const opened = await Promise.all(
    addresses.map(async (address, index) => {
      try {
        const socket = await registry.open(owner, {
          label: "ice-host",
          type: isIP(address) === 6 ? "udp6" : "udp4",
          address,
          port: 0,
          ipv6Only: isIP(address) === 6,
          // A bulk data channel sends a congestion window of datagrams in one burst, and a loaded
          // machine pauses the event loop: with the default (212 KiB, ~90 datagrams) the receiver
          // dropped some and SACKed three times as often (loaded: 12,700 SACKs for 59,500 DATA
          // packets; 4,000 with 1 MiB). 512 KiB (the kernel doubles it) kept most of that gain
          // (6,200 SACKs for 89,000 packets, idle machine) with a third of 1 MiB's standing queue
          // (SRTT 4.6 ms against 10–17 ms under a bulk transfer).
          recvBufferSize: 512 * 1024,
          signal,
        });
        return { address, base: new SocketBase(socket), index };
      } catch (error) {
        onError(address, error);
        return undefined;
      }
    }),
  );
  return opened.filter((o) => o !== undefined);
}
