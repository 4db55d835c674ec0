import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "@purertc/interop/peers";
import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { connectDtls, DtlsCertificate, DtlsServer } from "../index.js";

const tshark = requirePeer("/usr/bin/tshark", "tshark");

/**
 * Captures UDP `port` on lo into `file`. tshark says "Capturing on" a little
 * before it really captures, so it also captures `probePort`, and this
 * resolves only once a probe datagram sent there shows up in its output.
 */
async function capture(port: number, file: string, probe: ManagedSocket): Promise<ChildProcess> {
  const probePort = probe.address().port;
  const child = spawn(
    "/usr/bin/tshark",
    ["-i", "lo", "-f", `udp port ${port} or udp port ${probePort}`, "-w", file, "-P", "-l"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`tshark exited: ${out}`);
    if (out.includes(String(probePort)) && /UDP|Len=/.test(out)) return child;
    if (out.includes("Capturing on")) probe.send(Uint8Array.of(0), probePort, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`tshark did not start capturing: ${out}`);
}

/**
 * Runs an echo server and a client of `versions` on loopback under a capture,
 * one echoed datagram and a close, and returns a reader of the capture
 * decoded as DTLS (tshark's arguments after `-r file -d …,dtls`).
 */
async function capturedSession(
  dir: string,
  versions: ("1.2" | "1.3")[],
  clientOptions: { keyUpdateAfterRecords?: number; records?: number } = {},
): Promise<(...args: string[]) => string> {
  const file = join(dir, "dtls.pcap");
  const certificate = await DtlsCertificate.generate();
  let port = 0;
  await withLeakCheck(async () => {
    await using server = await DtlsServer.listen({
      certificate,
      versions,
      acceptAnyPeerCertificate: true,
      srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
    });
    server.on("connection", (c) => c.on("message", (d) => c.send(d)));
    port = server.address().port;
    const owner = {};
    await using probe = await SocketRegistry.default.open(owner, {
      label: "capture-probe",
      address: "127.0.0.1",
    });
    const child = await capture(port, file, probe);
    try {
      const client = await connectDtls({
        address: "127.0.0.1",
        port,
        certificate,
        versions,
        acceptAnyPeerCertificate: true,
        srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
        mtu: 400, // fragmented flights too
        ...(clientOptions.keyUpdateAfterRecords
          ? { keyUpdateAfterRecords: clientOptions.keyUpdateAfterRecords }
          : {}),
      });
      for (let i = 0; i < (clientOptions.records ?? 1); i++) {
        const echoed = new Promise((r) => client.once("message", r));
        client.send(new Uint8Array(100));
        await echoed;
      }
      await client.close();
      await new Promise((r) => setTimeout(r, 300)); // let the capture see the last datagrams
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
  });
  return (...args: string[]) =>
    execFileSync("/usr/bin/tshark", ["-r", file, "-d", `udp.port==${port},dtls`, ...args], {
      encoding: "utf8",
    });
}

/** Rows of `-T fields` output (one per frame, even where no field is present), each field split at commas. */
function fields(read: (...args: string[]) => string, ...names: string[]): string[][][] {
  // frame.number first: a row of empty fields is all whitespace, and trim() would drop it.
  return read("-T", "fields", ...["frame.number", ...names].flatMap((n) => ["-e", n]))
    .trim()
    .split("\n")
    .map((line) =>
      line
        .split("\t")
        .slice(1)
        .map((f) => f.split(",").filter(Boolean)),
    );
}

describe.skipIf(!tshark.available)("tshark as an oracle", () => {
  test("a whole handshake, data and close_notify decode as DTLS 1.2 with no malformed packet or warning", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "purertc-dtls-pcap-"));
    try {
      // DTLS 1.2: this tshark (Debian's) is the oracle for 1.2 records.
      const read = await capturedSession(dir, ["1.2"]);
      expect(read("-Y", "_ws.malformed || _ws.expert.severity >= warning").trim()).toBe("");
      const rows = fields(read, "dtls.record.content_type", "dtls.record.version", "dtls.handshake.type");
      const contentTypes = rows.flatMap((r) => r[0] ?? []).map(Number);
      const versions = rows.flatMap((r) => r[1] ?? []);
      const types = rows.flatMap((r) => r[2] ?? []).map(Number);
      // ClientHello, HelloVerifyRequest, ClientHello+cookie, ServerHello, Certificate, ServerKeyExchange,
      // CertificateRequest, ServerHelloDone, Certificate, ClientKeyExchange, CertificateVerify (Finished is encrypted).
      for (const t of [1, 3, 2, 11, 12, 13, 14, 16, 15]) expect(types).toContain(t);
      expect(versions.every((v) => v === "0xfefd" || v === "0xfeff")).toBe(true);
      for (const t of [20, 21, 22, 23]) expect(contentTypes).toContain(t); // CCS, close_notify, handshake, data
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("DTLS 1.3: the plaintext hellos decode (fragmented ClientHello reassembled, ServerHello selecting 0xfefc and 0x11EC) with no malformed packet or warning", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "purertc-dtls-pcap-"));
    try {
      // This tshark (4.0) dissects DTLS 1.3's plaintext hellos but not its unified-header records:
      // those show as "Continuation Data", which must not be flagged either. Several records and a
      // KeyUpdate (after 2 records) put more of them on the wire (tshark cannot tell their epochs).
      const read = await capturedSession(dir, ["1.3"], { keyUpdateAfterRecords: 2, records: 4 });
      expect(read("-Y", "_ws.malformed || _ws.expert.severity >= warning").trim()).toBe("");
      const rows = fields(
        read,
        "dtls.handshake.type",
        "dtls.handshake.extensions.supported_version",
        "dtls.handshake.extensions_key_share_group",
        "dtls.record.length",
      );
      const hellos = rows.filter((r) => (r[0] ?? []).length > 0);
      const serverHellos = hellos.filter((r) => r[0]!.includes("2"));
      // HelloRetryRequest (cookie) and the ServerHello: both select DTLS 1.3; the ServerHello the hybrid group.
      expect(serverHellos.length).toBe(2);
      for (const r of serverHellos) expect(r[1]).toEqual(["0xfefc"]);
      expect(serverHellos[1]![2]).toEqual(["4588"]); // 0x11EC
      // The client's hellos offer 1.3 and 1.2 with shares for X25519MLKEM768 and x25519.
      const clientHellos = hellos.filter((r) => r[0]!.includes("1") && (r[1] ?? []).length > 0);
      expect(clientHellos.length).toBe(2);
      for (const r of clientHellos) expect(r[2]).toEqual(["4588", "29"]);
      // Everything after the hellos is ciphertext tshark does not take apart.
      const undissected = rows.filter((r) => (r[0] ?? []).length === 0 && (r[3] ?? []).length === 0);
      expect(undissected.length).toBeGreaterThanOrEqual(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
