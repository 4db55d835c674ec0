import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { requirePeer } from "./peers.js";

/** Debian's Chromium: the only browser the interop tests use (never a downloaded one). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * The flags of INTEROP.md: headless, no sandbox (root in CI), no GPU, no QUIC,
 * no background traffic, and a host resolver that answers nothing but
 * `.local` names and 127.0.0.1, so Chromium never sends a DNS query.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE *.local , EXCLUDE 127.0.0.1",
];

/** Options of {@link launchChromium}. */
export interface ChromiumOptions {
  /**
   * Run Chromium inside this network namespace (made by the caller, e.g.
   * with `ip netns add`), through a two-line wrapper script around
   * `ip netns exec`. Playwright talks to it over a pipe, which crosses
   * namespaces.
   */
  netns?: string;
  /**
   * Let WebRTC gather raw IP candidates instead of `.local` mDNS names, by
   * granting camera and microphone permission (INTEROP.md). Default false.
   */
  rawCandidates?: boolean;
  /**
   * Let WebRTC use loopback (127.0.0.1, ::1): adds
   * `--allow-loopback-in-peer-connection` and implies `rawCandidates`.
   * Default false.
   */
  loopback?: boolean;
  /** More command-line flags (note: `--disable-features` replaces Playwright's own list). */
  extraArgs?: string[];
  /** Launch timeout. Default 30 s. */
  timeoutMs?: number;
}

/**
 * A running headless Chromium with one page on `about:blank`, where a test
 * can create `RTCPeerConnection`s with `page.evaluate`. `close()` ends the
 * browser and every process it started and removes its temporary profile,
 * HOME and wrapper script. Use `await using`.
 */
export interface ChromiumHandle extends AsyncDisposable {
  readonly context: BrowserContext;
  readonly page: Page;
  /** The temporary directory holding profile, HOME and XDG dirs. */
  readonly dir: string;
  /** Closes the browser and removes its files. Idempotent. */
  close(): Promise<void>;
}

/**
 * Launches Debian's headless Chromium through playwright-core, in a
 * persistent context on a fresh temporary profile, with HOME and the XDG
 * directories pointing into that temporary directory (so nothing is written
 * under the real HOME), optionally inside a network namespace.
 *
 * Under `CI=true` a missing /usr/bin/chromium throws; elsewhere it throws
 * too, use {@link chromiumAvailable} first to skip a test outside CI.
 *
 * ```ts
 * await using browser = await launchChromium({ loopback: true });
 * const state = await browser.page.evaluate(() => new RTCPeerConnection().connectionState);
 * ```
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumHandle> {
  const peer = requirePeer(CHROMIUM_PATH, "chromium");
  if (!peer.available) throw new Error(peer.reason);
  const dir = mkdtempSync(join(tmpdir(), "purertc-chromium-"));
  const home = join(dir, "home");
  let executablePath = CHROMIUM_PATH;
  if (options.netns !== undefined) {
    if (!/^[A-Za-z0-9_.-]+$/.test(options.netns)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`bad namespace name "${options.netns}"`);
    }
    executablePath = join(dir, "chromium-in-netns.sh");
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec "${options.netns}" ${CHROMIUM_PATH} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const args = [...CHROMIUM_FLAGS];
  if (options.loopback) args.push("--allow-loopback-in-peer-connection");
  args.push(...(options.extraArgs ?? []));
  let context: BrowserContext;
  try {
    context = await launchWithOneRetry(
      () =>
        chromium.launchPersistentContext(join(dir, "profile"), {
          executablePath,
          headless: true,
          args,
          timeout: options.timeoutMs ?? 30_000,
          env: {
            PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
            HOME: home,
            XDG_CONFIG_HOME: join(home, ".config"),
            XDG_CACHE_HOME: join(home, ".cache"),
            XDG_DATA_HOME: join(home, ".local", "share"),
            XDG_RUNTIME_DIR: join(dir, "run"),
          },
        }),
      dir,
    );
  } catch (error) {
    removeLaunchDir(dir);
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        await context.close();
      } catch {
        // Already gone (crashed or killed): still clean up below.
      }
      // Chromium's helpers normally exit with it; sweep any straggler that
      // still runs on this launch's own profile directory (only ours).
      removeLaunchDir(dir);
    })();
    return closing;
  };
  try {
    if (options.rawCandidates || options.loopback) await context.grantPermissions(["camera", "microphone"]);
    const page = context.pages()[0] ?? (await context.newPage());
    return { context, page, dir, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** True when Debian's Chromium is installed; under CI=true a missing one throws. */
export function chromiumAvailable(): boolean {
  return requirePeer(CHROMIUM_PATH, "chromium").available;
}

/**
 * A launch that timed out on a loaded machine (Chromium's start took over the timeout) is tried
 * once more, after its stragglers are killed and its profile emptied; any other failure is thrown.
 */
async function launchWithOneRetry(
  launch: () => Promise<BrowserContext>,
  dir: string,
): Promise<BrowserContext> {
  try {
    return await launch();
  } catch (error) {
    if (!(error instanceof Error) || !/timeout/i.test(error.message)) throw error;
    killProcessesUsing(dir);
    try {
      rmSync(join(dir, "profile"), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      throw error; // a profile that cannot be emptied: the launch's own error is the one to see
    }
    return await launch();
  }
}

/**
 * Kills what still runs on this launch's directory, then removes it. A Chromium helper still
 * writing its profile made rmSync fail with ENOTEMPTY, and that error hid the launch's own.
 */
function removeLaunchDir(dir: string): void {
  killProcessesUsing(dir);
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // Left in the temporary directory: the caller's own error (if any) matters more.
  }
}

function killProcessesUsing(dir: string): void {
  const out = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  for (const row of (out.stdout ?? "").split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(row);
    if (!match || !match[2]!.includes(dir) || Number(match[1]) === process.pid) continue;
    try {
      process.kill(Number(match[1]), "SIGKILL");
    } catch {
      // Already exited.
    }
  }
}
