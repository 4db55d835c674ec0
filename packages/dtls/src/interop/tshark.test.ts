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

describe.skipIf(!tshark.available)("tshark as an oracle", () => {
  test("a whole handshake, data and close_notify decode as DTLS 1.2 with no malformed packet or warning", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "purertc-dtls-pcap-"));
    const file = join(dir, "dtls.pcap");
    try {
      const certificate = await DtlsCertificate.generate();
      await withLeakCheck(async () => {
        // DTLS 1.2: this tshark (Debian's) is the oracle for 1.2 records.
        await using server = await DtlsServer.listen({
          certificate,
          versions: ["1.2"],
          acceptAnyPeerCertificate: true,
          srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
        });
        server.on("connection", (c) => c.on("message", (d) => c.send(d)));
        const port = server.address().port;
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
            versions: ["1.2"],
            acceptAnyPeerCertificate: true,
            srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
            mtu: 400, // fragmented flights too
          });
          const echoed = new Promise((r) => client.once("message", r));
          client.send(new Uint8Array(100));
          await echoed;
          await client.close();
          await new Promise((r) => setTimeout(r, 300)); // let the capture see the last datagrams
        } finally {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGINT");
          await exited;
        }
        const read = (...args: string[]) =>
          execFileSync("/usr/bin/tshark", ["-r", file, "-d", `udp.port==${port},dtls`, ...args], {
            encoding: "utf8",
          });
        expect(read("-Y", "_ws.malformed || _ws.expert.severity >= warning").trim()).toBe("");
        const rows = read(
          "-T",
          "fields",
          "-e",
          "dtls.record.content_type",
          "-e",
          "dtls.record.version",
          "-e",
          "dtls.handshake.type",
        )
          .trim()
          .split("\n")
          .map((line) => line.split("\t").map((f) => f.split(",").filter(Boolean)));
        const contentTypes = rows.flatMap((r) => r[0] ?? []).map(Number);
        const versions = rows.flatMap((r) => r[1] ?? []);
        const types = rows.flatMap((r) => r[2] ?? []).map(Number);
        // ClientHello, HelloVerifyRequest, ClientHello+cookie, ServerHello, Certificate, ServerKeyExchange,
        // CertificateRequest, ServerHelloDone, Certificate, ClientKeyExchange, CertificateVerify (Finished is encrypted).
        for (const t of [1, 3, 2, 11, 12, 13, 14, 16, 15]) expect(types).toContain(t);
        expect(versions.every((v) => v === "0xfefd" || v === "0xfeff")).toBe(true);
        for (const t of [20, 21, 22, 23]) expect(contentTypes).toContain(t); // CCS, close_notify, handshake, data
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
