import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Netns } from "./netns.js";
import { requirePeer } from "./peers.js";

/**
 * avahi (Debian's avahi-daemon and avahi-utils) as an independent mDNS
 * peer inside a network namespace, with nothing of the host's: its own
 * D-Bus daemon on a socket in a temporary directory (avahi-resolve and
 * avahi-publish reach avahi-daemon only over the system bus; libdbus takes
 * the bus from `DBUS_SYSTEM_BUS_ADDRESS`), its own configuration file, and
 * a tmpfs over /run in the daemon's own mount namespace (`ip netns exec`
 * gives each command one) because its pid file and control socket paths
 * are compiled in (/run/avahi-daemon/).
 *
 * ```ts
 * await using ns = await createLoopbackNetns();
 * await using avahi = await startAvahi(ns);
 * const { address } = await avahi.resolve("name.local"); // avahi-resolve -4 -n
 * ```
 * @module
 */

export const AVAHI_DAEMON = "/usr/sbin/avahi-daemon";
export const AVAHI_RESOLVE = "/usr/bin/avahi-resolve";
export const AVAHI_PUBLISH = "/usr/bin/avahi-publish";
export const DBUS_DAEMON = "/usr/bin/dbus-daemon";

/** Whether avahi and dbus are installed (throws under CI=true when not, like every peer). */
export function avahiAvailable(): { available: boolean; reason: string } {
  for (const [path, pkg] of [
    [AVAHI_DAEMON, "avahi-daemon"],
    [AVAHI_RESOLVE, "avahi-utils"],
    [DBUS_DAEMON, "dbus-daemon"],
  ] as const) {
    const peer = requirePeer(path, pkg);
    if (!peer.available) return peer;
  }
  return { available: true, reason: "" };
}

/** A running avahi-daemon in a namespace. */
export interface Avahi extends AsyncDisposable {
  /** What avahi-daemon logged so far (stderr), for assertions and failures. */
  readonly log: () => string;
  /**
   * Resolves `name` with `avahi-resolve -4 -n` (avahi gives up after 5 s).
   * `address` is the answer, undefined when avahi found none.
   */
  resolve(name: string): Promise<{ address: string | undefined; output: string }>;
  /** Publishes `name` → `address` with `avahi-publish -a -R` until the returned function is called. */
  publish(name: string, address: string): Promise<() => Promise<void>>;
  /** Stops every process started here (by PID) and removes the directory. Idempotent. */
  close(): Promise<void>;
}

const BUS_CONFIG = (
  socket: string,
) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;

// IPv4 on every interface of the namespace (only lo there), no wide-area,
// and nothing of our own published: the daemon is a resolver and a relay
// for avahi-publish.
const AVAHI_CONFIG = `[server]
use-ipv4=yes
use-ipv6=no
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-addresses=no
publish-hinfo=no
publish-workstation=no
`;

/** Runs a child to its end within `ms`, killing it (by PID) if it overstays. */
function collect(child: ChildProcess, ms: number): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function stop(child: ChildProcess, ms = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts dbus-daemon and avahi-daemon inside `ns`; resolves once avahi says its startup is complete (10 s at most). */
export async function startAvahi(ns: Netns): Promise<Avahi> {
  const dir = mkdtempSync(join(tmpdir(), "purertc-avahi-"));
  const socket = join(dir, "bus");
  writeFileSync(join(dir, "bus.conf"), BUS_CONFIG(socket));
  writeFileSync(join(dir, "avahi-daemon.conf"), AVAHI_CONFIG);
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${socket}` };
  const children = new Set<ChildProcess>();
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once("close", () => children.delete(child));
    return child;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all([...children].map((child) => stop(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const bus = track(
      ns.spawn(DBUS_DAEMON, [`--config-file=${join(dir, "bus.conf")}`, "--nofork", "--print-address"], {
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("dbus-daemon printed no address in 10 s")), 10_000);
      bus.stdout?.setEncoding("utf8").once("data", () => {
        clearTimeout(timer);
        resolve();
      });
      bus.once("close", (code) => {
        clearTimeout(timer);
        reject(new Error(`dbus-daemon exited with ${code}`));
      });
    });
    const daemon = track(
      ns.spawn(
        "/bin/sh",
        [
          "-c",
          'mount -t tmpfs tmpfs /run && mkdir /run/avahi-daemon && exec "$0" -f "$1" --no-drop-root --no-chroot --no-rlimits',
          AVAHI_DAEMON,
          join(dir, "avahi-daemon.conf"),
        ],
        { env, stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`avahi-daemon did not start in 10 s:\n${log}`)),
        10_000,
      );
      const onData = (d: string) => {
        log += d;
        if (log.includes("Server startup complete")) {
          clearTimeout(timer);
          resolve();
        }
      };
      daemon.stderr?.setEncoding("utf8").on("data", onData);
      daemon.stdout?.setEncoding("utf8").on("data", onData);
      daemon.once("close", (code) => {
        clearTimeout(timer);
        reject(new Error(`avahi-daemon exited with ${code}:\n${log}`));
      });
    });
    return {
      log: () => log,
      async resolve(name) {
        const { output } = await collect(
          track(ns.spawn(AVAHI_RESOLVE, ["-4", "-n", name], { env, stdio: ["ignore", "pipe", "pipe"] })),
          10_000,
        );
        const line = output.split("\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}\t`));
        return { address: line?.split("\t")[1]?.trim(), output };
      },
      async publish(name, address) {
        const child = track(
          ns.spawn(AVAHI_PUBLISH, ["-a", "-R", name, address], { env, stdio: ["ignore", "pipe", "pipe"] }),
        );
        let output = "";
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`avahi-publish did not establish in 10 s: ${output}`)),
            10_000,
          );
          const onData = (d: string) => {
            output += d;
            if (output.includes("Established under name")) {
              clearTimeout(timer);
              resolve();
            }
          };
          child.stdout?.setEncoding("utf8").on("data", onData);
          child.stderr?.setEncoding("utf8").on("data", onData);
          child.once("close", (code) => {
            clearTimeout(timer);
            reject(new Error(`avahi-publish exited with ${code}: ${output}`));
          });
        });
        return () => stop(child);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
