import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// Runs the built CLI (tools/cli/dist, built by `npm test` before vitest).
const main = fileURLToPath(new URL("../../../tools/cli/dist/main.js", import.meta.url));

function run(...args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  let buffered = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
    for (const w of [...waiters]) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const event = (name: string, ms = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no "${name}" event in ${ms} ms: ${JSON.stringify(lines)} ${stderr}`));
      }, ms);
      const check = () => {
        const found = lines.find((l) => l.event === name);
        if (found) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        }
      };
      waiters.add(check);
      check();
    });
  return { child, lines, exit, event, stderr: () => stderr };
}

describe("purertc dtls-server / dtls-client (built CLI, real UDP on loopback)", () => {
  test("client ↔ server with --srtp and --echo: connected events, data echoed, close_notify, exit 0", async () => {
    const server = run("dtls-server", "--listen", "127.0.0.1:0", "--srtp", "--echo", "--json");
    try {
      const listening = await server.event("listening");
      expect(server.lines[0]).toEqual(listening);
      expect(listening.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(listening.fingerprint).toMatch(/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const client = run(
        "dtls-client",
        String(listening.address),
        "--srtp",
        "--fingerprint",
        String(listening.fingerprint),
        "--send",
        "hello dtls",
        "--json",
      );
      const [c, s] = await Promise.all([client.event("connected"), server.event("connected")]);
      // Our client and server speak DTLS 1.3 with the hybrid post-quantum group.
      expect(c.version).toBe("1.3");
      expect(s.version).toBe("1.3");
      expect(c.group).toBe("X25519MLKEM768");
      expect(c.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
      expect(c.peerFingerprint).toBe(listening.fingerprint);
      expect(c.extendedMasterSecret).toBe(true);
      expect(c.srtpProfile).toBe("SRTP_AES128_CM_HMAC_SHA1_80");
      expect(c.srtpKeyingMaterial).toMatch(/^[0-9a-f]{120}$/);
      expect(s.srtpKeyingMaterial).toBe(c.srtpKeyingMaterial);
      expect(s.remote).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await client.event("data")).text).toBe("hello dtls");
      expect((await server.event("data")).text).toBe("hello dtls");
      expect(await client.exit).toBe(0);
      expect((await server.event("closed")).remote).toBe(s.remote);
      server.child.kill("SIGTERM");
      expect(await server.exit).toBe(0);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  test("RSA certificates; a fingerprint mismatch prints an error event and exits 1", async () => {
    const server = run("dtls-server", "--cert", "rsa", "--json");
    try {
      const listening = await server.event("listening");
      const wrong = `sha-256 ${Array(32).fill("AB").join(":")}`;
      const bad = run("dtls-client", String(listening.address), "--fingerprint", wrong, "--json");
      const error = await bad.event("error");
      expect(error.message).toContain("does not match");
      expect(await bad.exit).toBe(1);
      const good = run("dtls-client", String(listening.address), "--cert", "rsa", "--wait", "10", "--json");
      expect((await good.event("connected")).cipherSuite).toBe("TLS_AES_128_GCM_SHA256"); // 1.3, rsa_pss_rsae
      expect(await good.exit).toBe(0);
      server.child.kill("SIGINT");
      expect(await server.exit).toBe(0);
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});
