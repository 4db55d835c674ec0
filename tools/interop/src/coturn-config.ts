import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OPENSSL } from "./openssl.js";

// How a coturn server for a test is configured: its options, its command
// line, and its TLS certificate. Starting it is coturn.ts.

/** Options of `startCoturn` (coturn.ts). */
export interface CoturnOptions {
  /**
   * `"stun"`: `--stun-only` (Binding only). `"turn"`: a TURN server with one
   * static long-term user (`-a -u user:pass -r realm`), fingerprints on,
   * loopback peers allowed, no TCP relay, relay ports from a random 200-port
   * window. Default `"stun"`.
   */
  mode?: "stun" | "turn";
  /** Listening (and relay) address: `127.0.0.1` (default) or `::1`. */
  host?: "127.0.0.1" | "::1";
  /** TURN user. Default `user`. */
  username?: string;
  /** TURN password. Default `pass`. */
  password?: string;
  /** TURN realm. Default `example.org`. */
  realm?: string;
  /** `--stale-nonce=N`: nonces expire after N seconds (to provoke 438). Default: off. */
  staleNonceSeconds?: number;
  /** `--channel-lifetime`. Default coturn's (600). */
  channelLifetimeSeconds?: number;
  /** `--permission-lifetime`. Default coturn's (300). */
  permissionLifetimeSeconds?: number;
  /** `--max-allocate-lifetime`. Default coturn's (3600). */
  maxAllocateLifetimeSeconds?: number;
  /**
   * Also listen for TLS (`turns:`) on a free TCP port, with a fresh
   * self-signed ECDSA certificate for the listening IP (made with openssl).
   */
  tls?: boolean;
  /** Extra `turnserver` arguments (appended last). */
  args?: string[];
  /** How long to wait for the server to be ready (per attempt). Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** Writes a self-signed ECDSA P-256 certificate for IP `host` into `dir`; returns its PEM. */
export function makeCertificate(dir: string, host: string): string {
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    OPENSSL,
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat(
      ["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=purertc-coturn"],
      ["-addext", `subjectAltName=IP:${host}`],
    ),
    { stdio: "ignore" },
  );
  return readFileSync(cert, "utf8");
}

/** The `turnserver` command line for one attempt. */
export function turnserverArgs(
  options: CoturnOptions,
  settings: { mode: "stun" | "turn"; host: string; port: number; dir: string; tlsPort: number | undefined },
  credentials: { username: string; password: string; realm: string },
): string[] {
  const { mode, host, port, dir, tlsPort } = settings;
  const args = ["-n", "--log-file=stdout", "--simple-log", "--no-cli", "-L", host, "-p", String(port)];
  args.push(`--pidfile=${join(dir, "turnserver.pid")}`, `--db=${join(dir, "turndb")}`);
  if (tlsPort !== undefined) {
    args.push("--cert", join(dir, "cert.pem"), "--pkey", join(dir, "key.pem"));
    args.push("--tls-listening-port", String(tlsPort));
  } else args.push("--no-tls");
  args.push("--no-dtls");
  if (mode === "stun") args.push("--stun-only");
  else {
    // A random 200-port relay window, so servers of parallel tests rarely share one.
    const minPort = 40000 + Math.floor(Math.random() * 100) * 200;
    args.push(
      "-E",
      host,
      "--no-tcp-relay",
      "--min-port",
      String(minPort),
      "--max-port",
      String(minPort + 199),
    );
    args.push("-a", "-u", `${credentials.username}:${credentials.password}`, "-r", credentials.realm);
    args.push("-f", "--allow-loopback-peers");
  }
  if (options.staleNonceSeconds !== undefined) args.push(`--stale-nonce=${options.staleNonceSeconds}`);
  if (options.channelLifetimeSeconds !== undefined)
    args.push("--channel-lifetime", String(options.channelLifetimeSeconds));
  if (options.permissionLifetimeSeconds !== undefined)
    args.push("--permission-lifetime", String(options.permissionLifetimeSeconds));
  if (options.maxAllocateLifetimeSeconds !== undefined)
    args.push("--max-allocate-lifetime", String(options.maxAllocateLifetimeSeconds));
  args.push(...(options.args ?? []));
  return args;
}

/** A running `turnserver`, stopped with `close()` (or `await using`). */
export interface CoturnServer extends AsyncDisposable {
  /** The process id (close(), pause() and resume() signal exactly this process). */
  readonly pid: number;
  readonly mode: "stun" | "turn";
  /** The listening address: `127.0.0.1` or `::1`. */
  readonly host: string;
  /** The listening UDP port (an ephemeral one, picked free). */
  readonly port: number;
  /** `host:port` (`[host]:port` for IPv6). */
  readonly address: string;
  /** The TURN credentials (also set in STUN mode, unused there). */
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** With `tls`: the TLS listening port. */
  readonly tlsPort: number | undefined;
  /** With `tls`: the server's certificate (PEM), to trust in the client. */
  readonly certificatePem: string | undefined;
  /** The temporary directory holding the pid file, the database and the TLS key. */
  readonly dir: string;
  /** Everything the server printed so far (bounded to 1 MB). */
  output(): string;
  /**
   * Stops the server: SIGCONT (in case it is paused) and SIGTERM to its PID,
   * SIGKILL after 2 s if it is still there, then removes its temporary
   * directory. Idempotent.
   */
  close(): Promise<void>;
  /** Freezes the server (SIGSTOP; returns once all its threads are stopped): it stays bound but answers nothing. */
  pause(): void;
  /** Resumes a paused server (SIGCONT). */
  resume(): void;
}
