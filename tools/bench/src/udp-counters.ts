import { readFileSync } from "node:fs";

/** The kernel's UDP counters (Linux `/proc/net/snmp`, this network namespace, every process in it). */
export interface UdpCounters {
  /** Datagrams dropped because a socket's receive buffer was full. */
  rcvbufErrors: number;
  /** Datagrams dropped because a socket's send buffer was full. */
  sndbufErrors: number;
}

/**
 * Reads the UDP counters, or undefined where there is no `/proc/net/snmp`.
 * Host-wide: a figure is only ours when nothing else on the machine is busy
 * with UDP, so benches print it beside the run, not as a verdict.
 */
export function udpCounters(): UdpCounters | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/net/snmp", "utf8");
  } catch {
    return undefined;
  }
  const [names, values] = text.split("\n").filter((line) => line.startsWith("Udp: "));
  if (!names || !values) return undefined;
  const fields = names.split(/\s+/).slice(1);
  const numbers = values.split(/\s+/).slice(1).map(Number);
  const field = (name: string) => numbers[fields.indexOf(name)] ?? 0;
  return { rcvbufErrors: field("RcvbufErrors"), sndbufErrors: field("SndbufErrors") };
}

/** `after - before`, field by field (undefined when either is). */
export function udpCountersSince(before: UdpCounters | undefined): UdpCounters | undefined {
  const after = udpCounters();
  if (!before || !after) return undefined;
  return {
    rcvbufErrors: after.rcvbufErrors - before.rcvbufErrors,
    sndbufErrors: after.sndbufErrors - before.sndbufErrors,
  };
}
