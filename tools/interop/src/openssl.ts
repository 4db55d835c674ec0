import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "./peers.js";

/** Path of the openssl binary. */
export const OPENSSL = "/usr/bin/openssl";

/** Whether openssl is installed; under CI=true a missing one throws (see requirePeer). */
export function requireOpenSsl(): { available: boolean; reason: string } {
  return requirePeer(OPENSSL, "openssl");
}

/** Options of {@link startOpenSslDtls}. */
export interface OpenSslDtlsOptions {
  /** `server` runs `s_server -listen`, `client` runs `s_client`. */
  role: "server" | "client";
  /** Client: the `host:port` to connect to. Server: binds 127.0.0.1 on a free port. */
  connect?: string;
  /** Certificate and key as PEM; default a fresh ECDSA P-256 pair made with `openssl req`. */
  certificatePem?: string;
  privateKeyPem?: string;
  /** Key type of the generated certificate. Default `ecdsa`. */
  keyType?: "ecdsa" | "rsa";
  /** OpenSSL cipher string. Default by key type (ECDHE-ECDSA/RSA-AES128-GCM-SHA256). */
  cipher?: string;
  /** `-use_srtp` profiles, e.g. `SRTP_AES128_CM_SHA1_80`. */
  srtp?: string;
  /** Export `EXTRACTOR-dtls_srtp` keying material of this length (`-keymatexport`). */
  keyMaterialLength?: number;
  /** Server: require a client certificate (`-Verify 1`). */
  requireClientCertificate?: boolean;
  /** Extra arguments. */
  args?: string[];
  /** MTU (`-mtu`). Default 1200. */
  mtu?: number;
  /** Turn extended_master_secret off (an OPENSSL_CONF with `Options = -ExtendedMasterSecret`). */
  noExtendedMasterSecret?: boolean;
}

/** A running openssl DTLS peer. */
export interface OpenSslDtlsPeer {
  readonly pid: number;
  /** Server: the bound `127.0.0.1:port`. */
  readonly address: string;
  /** The certificate the peer presents (PEM). */
  readonly certificatePem: string;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  /** Resolves once the handshake is done (`CONNECTION ESTABLISHED`, or the keying material, or the cipher line). */
  established(timeoutMs?: number): Promise<void>;
  /** Resolves with the match once `pattern` appears in the output; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Writes to the peer's stdin (data it sends). */
  write(text: string): void;
  /** Exported keying material (hex, uppercase) once printed. */
  keyingMaterial(timeoutMs?: number): Promise<string>;
  /** Ends stdin (s_client sends close_notify), then kills by PID if still running; resolves on exit. */
  close(): Promise<number | null>;
}

/** Makes a self-signed certificate with `openssl req`, as PEM strings. */
export function opensslCertificate(keyType: "ecdsa" | "rsa" = "ecdsa"): {
  certificatePem: string;
  privateKeyPem: string;
} {
  const dir = mkdtempSync(join(tmpdir(), "purertc-ossl-"));
  try {
    const newkey =
      keyType === "ecdsa"
        ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        : ["-newkey", "rsa:2048"];
    execFileSync(
      OPENSSL,
      [
        "req",
        "-x509",
        ...newkey,
        "-nodes",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
        "-days",
        "30",
        "-subj",
        "/CN=openssl-peer",
      ],
      { stdio: "ignore" },
    );
    return {
      certificatePem: readFileSync(join(dir, "c.pem"), "utf8"),
      privateKeyPem: readFileSync(join(dir, "k.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts `openssl s_server -dtls1_2 -listen` (ready at `ACCEPT host:port`)
 * or `openssl s_client -dtls1_2` (started; wait for `CONNECTION ESTABLISHED`
 * or keying material yourself), per the recipes in INTEROP.md. Stop it with
 * close(), which ends it by its PID.
 */
export async function startOpenSslDtls(options: OpenSslDtlsOptions): Promise<OpenSslDtlsPeer> {
  const keyType = options.keyType ?? "ecdsa";
  const pem =
    options.certificatePem && options.privateKeyPem
      ? { certificatePem: options.certificatePem, privateKeyPem: options.privateKeyPem }
      : opensslCertificate(keyType);
  const dir = mkdtempSync(join(tmpdir(), "purertc-ossl-"));
  writeFileSync(join(dir, "c.pem"), pem.certificatePem);
  writeFileSync(join(dir, "k.pem"), pem.privateKeyPem);
  const cipher =
    options.cipher ?? (keyType === "ecdsa" ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-RSA-AES128-GCM-SHA256");
  const common = [
    "-dtls1_2",
    "-cert",
    join(dir, "c.pem"),
    "-key",
    join(dir, "k.pem"),
    "-cipher",
    cipher,
    "-mtu",
    String(options.mtu ?? 1200),
  ];
  if (options.srtp) common.push("-use_srtp", options.srtp);
  if (options.keyMaterialLength)
    common.push(
      "-keymatexport",
      "EXTRACTOR-dtls_srtp",
      "-keymatexportlen",
      String(options.keyMaterialLength),
    );
  const args =
    options.role === "server"
      ? [
          "s_server",
          ...common,
          "-accept",
          "127.0.0.1:0",
          "-listen",
          "-naccept",
          "1",
          ...(options.requireClientCertificate ? ["-Verify", "1"] : []),
        ]
      : // -brief hides the keying material, so it is only used without -keymatexport.
        [
          "s_client",
          ...common,
          "-connect",
          options.connect ?? "",
          "-nocommands",
          "-noservername",
          ...(options.keyMaterialLength ? [] : ["-brief"]),
        ];
  args.push(...(options.args ?? []));
  const env = { ...process.env };
  if (options.noExtendedMasterSecret) {
    writeFileSync(
      join(dir, "openssl.cnf"),
      "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\nOptions = -ExtendedMasterSecret\n",
    );
    env.OPENSSL_CONF = join(dir, "openssl.cnf");
  }
  const child: ChildProcess = spawn(OPENSSL, args, { stdio: ["pipe", "pipe", "pipe"], env });
  let out = "";
  let exited = false;
  let exitCode: number | null = null;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("latin1");
    notify();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString("latin1");
    notify();
  });
  child.stdin?.on("error", () => {});
  const exit = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exited = true;
      exitCode = code;
      rmSync(dir, { recursive: true, force: true });
      notify();
      resolve(code);
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) return done(() => resolve(m));
        if (exited)
          return done(() => reject(new Error(`openssl exited (${exitCode}) before ${pattern}:\n${out}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`timeout waiting for ${pattern} from openssl:\n${out}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });
  let address = "";
  if (options.role === "server") {
    try {
      address = (await waitFor(/ACCEPT (\S+)/))[1]!;
    } catch (error) {
      child.kill("SIGKILL");
      await exit;
      throw error;
    }
  }
  const pid = child.pid ?? -1;
  return {
    pid,
    address,
    certificatePem: pem.certificatePem,
    output: () => out,
    waitFor,
    write: (text) => {
      if (!exited) child.stdin?.write(text);
    },
    established: async (timeoutMs) => {
      await waitFor(/CONNECTION ESTABLISHED|Keying material: [0-9A-Fa-f]+|CIPHER is /, timeoutMs);
    },
    keyingMaterial: async (timeoutMs) =>
      (await waitFor(/Keying material: ([0-9A-Fa-f]+)/, timeoutMs))[1]!.toUpperCase(),
    close: async () => {
      if (exited) return exitCode;
      child.stdin?.end();
      const timer = setTimeout(() => {
        if (!exited) process.kill(pid, "SIGKILL");
      }, 1000);
      if (options.role === "server" && !exited) process.kill(pid, "SIGTERM");
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
