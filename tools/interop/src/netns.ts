import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { requirePeer } from "./peers.js";

/**
 * Network namespaces for interop tests (INTEROP.md): traffic that must not
 * touch the host's real interfaces, above all multicast, runs inside a
 * namespace the test makes and removes itself. Names carry the PID (and a
 * counter), addresses come from 198.18.0.0/15 (and fd00:198:18::/64) only.
 *
 * ```ts
 * await using ns = await createLoopbackNetns();          // lo with multicast
 * const child = ns.spawn(process.execPath, ["peer.js"]); // runs inside
 *
 * await using lan = await createVethPair();              // two hosts, one link
 * lan.a.spawn("/usr/bin/chromium", [...]);               // 198.18.0.1
 * lan.b.spawn(process.execPath, ["resolver.js"]);        // 198.18.0.2
 * ```
 *
 * Every namespace is also removed when the process exits, should a test die
 * before its `finally`. Root is needed (tests run as root here and in CI).
 * @module
 */

/** Where `ip` (iproute2) lives. */
export const IP_PATH =
  ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find(existsSync) ?? "/usr/sbin/ip";

/** The default veth addresses: 198.18.0.1 on side a, 198.18.0.2 on side b (/24). */
export const VETH_ADDRESSES = {
  a: "198.18.0.1",
  b: "198.18.0.2",
  a6: "fd00:198:18::1",
  b6: "fd00:198:18::2",
};

/** One network namespace made by this process. */
export interface Netns extends AsyncDisposable {
  /** Its name (unique: prefix, PID, counter). */
  readonly name: string;
  /**
   * Starts `command` inside the namespace (`ip netns exec NAME command …`;
   * ip execs the command, so the child's PID is the command's own and it
   * can be stopped by that PID).
   */
  spawn(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs `command` inside the namespace to completion; throws with its stderr on failure. */
  run(command: string, args?: readonly string[]): string;
  /** The argv (after `ip`) that runs a command inside, for wrappers: `["netns","exec",NAME]`. */
  readonly execPrefix: readonly string[];
  /** Deletes the namespace (and with it its veth ends). Idempotent. Stop its processes first. */
  close(): Promise<void>;
}

/** A side of a {@link VethPair}. */
export interface VethHost extends Netns {
  /** Name of the veth interface inside the namespace. */
  readonly iface: string;
  /** Its IPv4 address (198.18.0.x). */
  readonly address: string;
  /** Its IPv6 address (fd00:198:18::x), if the pair was made with `ipv6`. */
  readonly address6: string | undefined;
}

/** Two namespaces joined by a veth pair, each with a default route via the other (browsers need one). */
export interface VethPair extends AsyncDisposable {
  readonly a: VethHost;
  readonly b: VethHost;
  /** Deletes both namespaces. Idempotent. */
  close(): Promise<void>;
}

/** Options of the namespace constructors. */
export interface NetnsOptions {
  /** Start of the namespace names (letters, digits, `-`). Default `"purertc"`. */
  prefix?: string;
}

/** Options of {@link createVethPair}. */
export interface VethPairOptions extends NetnsOptions {
  /** Also give both ends IPv6 addresses (fd00:198:18::1 and ::2 /64, no DAD). Default false. */
  ipv6?: boolean;
  /** Interface name inside both namespaces. Default `"lan0"`. */
  iface?: string;
}

let counter = 0;
const live = new Set<string>();

function removeAllOnExit(): void {
  for (const name of live) spawnSync(IP_PATH, ["netns", "del", name], { stdio: "ignore" });
  live.clear();
}

function ip(args: readonly string[]): string {
  const out = spawnSync(IP_PATH, args, { encoding: "utf8", timeout: 10_000 });
  if (out.status !== 0) {
    throw new Error(`ip ${args.join(" ")} failed: ${(out.stderr || out.error?.message || "").trim()}`);
  }
  return out.stdout;
}

/**
 * Tells whether namespaces can be made here: `ip` exists and we are root.
 * Under `CI=true` a missing `ip` throws (requirePeer), since a test that
 * needs a namespace must never skip silently in CI.
 */
export function netnsAvailable(): { available: boolean; reason: string } {
  const peer = requirePeer(IP_PATH, "iproute2");
  if (!peer.available) return peer;
  if (process.getuid?.() !== 0) {
    const reason = "network namespaces need root";
    if (process.env.CI === "true") throw new Error(`interop peer missing in CI: ${reason}`);
    return { available: false, reason };
  }
  return { available: true, reason: "" };
}

function uniqueName(prefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,20}$/.test(prefix)) throw new Error(`bad namespace prefix "${prefix}"`);
  return `${prefix}-${process.pid}-${++counter}`;
}

function makeNetns(name: string): Netns {
  // A namespace left by a dead process that had our PID is stale: remove it.
  spawnSync(IP_PATH, ["netns", "del", name], { stdio: "ignore" });
  ip(["netns", "add", name]);
  if (live.size === 0) process.once("exit", removeAllOnExit);
  live.add(name);
  const execPrefix = ["netns", "exec", name] as const;
  const close = async () => {
    if (!live.delete(name)) return;
    if (live.size === 0) process.off("exit", removeAllOnExit);
    spawnSync(IP_PATH, ["netns", "del", name], { stdio: "ignore" });
  };
  return {
    name,
    execPrefix,
    spawn: (command, args = [], options = {}) => spawn(IP_PATH, [...execPrefix, command, ...args], options),
    run: (command, args = []) => ip([...execPrefix, command, ...args]),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Makes a namespace with only `lo`, up, multicast on, and a route for
 * 224.0.0.0/4 via `lo`: processes inside reach each other over multicast
 * (mDNS between processes) and nothing leaves it.
 */
export async function createLoopbackNetns(options: NetnsOptions = {}): Promise<Netns> {
  const ns = makeNetns(uniqueName(options.prefix ?? "purertc"));
  try {
    ip(["-n", ns.name, "link", "set", "lo", "up"]);
    ip(["-n", ns.name, "link", "set", "lo", "multicast", "on"]);
    ip(["-n", ns.name, "route", "add", "224.0.0.0/4", "dev", "lo"]);
    return ns;
  } catch (error) {
    await ns.close();
    throw error;
  }
}

async function waitForCarrier(namespaces: string[], iface: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const ready = namespaces.every((n) => {
      const link = ip(["-n", n, "-o", "link", "show", iface]);
      return link.includes("LOWER_UP") && !link.includes("NO-CARRIER") && /state UP/.test(link);
    });
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`veth ${iface} in ${namespaces.join(", ")} has no carrier after 3 s`);
}

/**
 * Makes two namespaces joined by a veth pair: side a 198.18.0.1/24, side b
 * 198.18.0.2/24, each with a default route via the other (Chromium gathers
 * candidates only on the interface of the default route), `lo` up in both.
 * Multicast (224.0.0.251) goes over the link.
 */
export async function createVethPair(options: VethPairOptions = {}): Promise<VethPair> {
  const prefix = options.prefix ?? "purertc";
  const iface = options.iface ?? "lan0";
  if (!/^[A-Za-z][A-Za-z0-9]{0,14}$/.test(iface)) throw new Error(`bad interface name "${iface}"`);
  const na = makeNetns(uniqueName(`${prefix}a`));
  let nb: Netns | undefined;
  const closeBoth = async () => {
    await nb?.close();
    await na.close();
  };
  try {
    nb = makeNetns(uniqueName(`${prefix}b`));
    ip(["link", "add", iface, "netns", na.name, "type", "veth", "peer", "name", iface, "netns", nb.name]);
    const sides = [
      { ns: na, address: VETH_ADDRESSES.a, peer: VETH_ADDRESSES.b, address6: VETH_ADDRESSES.a6 },
      { ns: nb, address: VETH_ADDRESSES.b, peer: VETH_ADDRESSES.a, address6: VETH_ADDRESSES.b6 },
    ];
    for (const side of sides) {
      const n = side.ns.name;
      ip(["-n", n, "link", "set", "lo", "up"]);
      ip(["-n", n, "addr", "add", `${side.address}/24`, "dev", iface]);
      if (options.ipv6) ip(["-n", n, "addr", "add", `${side.address6}/64`, "dev", iface, "nodad"]);
      ip(["-n", n, "link", "set", iface, "up"]);
      ip(["-n", n, "route", "add", "default", "via", side.peer]);
    }
    // A veth end has no carrier until its peer is up, and until it has one
    // libuv's interface list (os.networkInterfaces) leaves it out: a program
    // started right away in side b would gather no candidate. Wait for both.
    await waitForCarrier([na.name, nb.name], iface);
    const host = (ns: Netns, address: string, address6: string): VethHost => ({
      ...ns,
      iface,
      address,
      address6: options.ipv6 ? address6 : undefined,
    });
    return {
      a: host(na, VETH_ADDRESSES.a, VETH_ADDRESSES.a6),
      b: host(nb, VETH_ADDRESSES.b, VETH_ADDRESSES.b6),
      close: closeBoth,
      [Symbol.asyncDispose]: closeBoth,
    };
  } catch (error) {
    await closeBoth();
    throw error;
  }
}
