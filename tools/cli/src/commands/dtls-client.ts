import { connectDtls, DtlsCertificate } from "@purertc/dtls";
import { type Command, intOption, parseHostPort } from "../command.js";
import { CLI_SRTP_PROFILES, certOption, connectedEvent } from "./dtls-server.js";

/**
 * `purertc dtls-client <ip:port>`: a DTLS 1.3 (or 1.2) handshake to a server; prints
 * `connected`, sends --send, prints the reply as `data` (or waits --wait ms),
 * sends close_notify and exits 0. A failed handshake or fingerprint mismatch
 * prints `error` and exits 1.
 */
export const command: Command = {
  name: "dtls-client",
  summary: "DTLS 1.3 / 1.2 client: handshake, optional --send, reply or --wait, close_notify",
  usage:
    'dtls-client <ip:port> [--cert ecdsa|rsa] [--srtp] [--fingerprint "sha-256 AB:…"] [--send <text>] [--wait <ms>] [--json]',
  options: {
    cert: { type: "string" },
    srtp: { type: "boolean" },
    fingerprint: { type: "string" },
    send: { type: "string" },
    wait: { type: "string" },
  },
  async run(args, ctx) {
    const target = args.positionals[0];
    const { host, port } = parseHostPort(String(target ?? ""));
    const wait = intOption(args.values.wait, "wait", 1000);
    const certificate = await DtlsCertificate.generate({ keyType: certOption(args.values.cert) });
    const fingerprint = args.values.fingerprint as string | undefined;
    const conn = await connectDtls({
      address: host,
      port,
      certificate,
      // Without --fingerprint the tool only reports what the server presented.
      ...(fingerprint ? { peerFingerprint: fingerprint } : { acceptAnyPeerCertificate: true }),
      srtpProfiles: args.values.srtp ? CLI_SRTP_PROFILES : [],
      handshakeTimeoutMs: 10_000,
      signal: ctx.signal,
    });
    try {
      const remote = `${host.includes(":") ? `[${host}]` : host}:${port}`;
      const e = connectedEvent(conn, remote);
      ctx.emit(
        e,
        `connected to ${remote}: ${e.cipherSuite}, peer ${e.peerFingerprint}, srtp ${e.srtpProfile}`,
      );
      const reply = new Promise<void>((resolve) => {
        conn.on("message", (data) => {
          const text = new TextDecoder().decode(data);
          ctx.emit({ event: "data", remote, text }, `${remote}: ${text}`);
          resolve();
        });
        conn.once("close", () => resolve());
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        // Bounded by --wait, tied to the connection's lifetime.
        conn.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      if (typeof args.values.send === "string") conn.send(new TextEncoder().encode(args.values.send));
      await Promise.race([reply, waitFor(wait, conn.signal)]);
    } finally {
      await conn.close();
    }
    return 0;
  },
};

/** Resolves after `ms` or when `signal` aborts (never rejects). */
async function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  const { sleep } = await import("@purertc/socket");
  await sleep(ms, signal).catch(() => {});
}
