import {
  DtlsCertificate,
  type DtlsConnection,
  DtlsServer,
  type SrtpProfileName,
  srtpKeyingMaterialLength,
} from "@purertc/dtls";
import { type Command, parseHostPort, UsageError } from "../command.js";

/** SRTP profiles the CLI offers with --srtp, in preference order. */
export const CLI_SRTP_PROFILES: SrtpProfileName[] = ["SRTP_AES128_CM_HMAC_SHA1_80", "SRTP_AEAD_AES_128_GCM"];

/** The `connected` event of dtls-server and dtls-client. */
export function connectedEvent(
  conn: DtlsConnection,
  remote: string,
): { event: string } & Record<string, unknown> {
  const profile = conn.srtpProfile;
  return {
    event: "connected",
    remote,
    version: conn.version ?? null,
    group: conn.group ?? null,
    cipherSuite: conn.cipherSuite,
    peerFingerprint: conn.peerFingerprint,
    extendedMasterSecret: conn.extendedMasterSecret,
    srtpProfile: profile ?? null,
    srtpKeyingMaterial: profile
      ? Buffer.from(
          conn.exportKeyingMaterial("EXTRACTOR-dtls_srtp", srtpKeyingMaterialLength(profile)),
        ).toString("hex")
      : null,
  };
}

/** Parses --cert. */
export function certOption(value: unknown): "ecdsa" | "rsa" {
  if (value === undefined) return "ecdsa";
  if (value === "ecdsa" || value === "rsa") return value;
  throw new UsageError(`--cert wants ecdsa or rsa, got "${String(value)}"`);
}

/**
 * `purertc dtls-server`: a DTLS 1.3 and 1.2 server on one UDP socket. Prints
 * `listening`, then per client `connected`, `data` and `closed`; with
 * --echo it sends each datagram back. Runs until SIGINT/SIGTERM.
 */
export const command: Command = {
  name: "dtls-server",
  summary: "DTLS 1.3 / 1.2 server (stateless cookies, mutual auth, use_srtp with --srtp, --echo)",
  usage: "dtls-server [--listen <ip:port>] [--cert ecdsa|rsa] [--srtp] [--echo] [--json]",
  options: {
    listen: { type: "string" },
    cert: { type: "string" },
    srtp: { type: "boolean" },
    echo: { type: "boolean" },
  },
  async run(args, ctx) {
    const { host, port } = parseHostPort(String(args.values.listen ?? "127.0.0.1:0"), 0);
    const certificate = await DtlsCertificate.generate({ keyType: certOption(args.values.cert) });
    const server = await DtlsServer.listen({
      address: host,
      port,
      certificate,
      // A server learns its clients from their certificates: it reports each fingerprint.
      acceptAnyPeerCertificate: true,
      srtpProfiles: args.values.srtp ? CLI_SRTP_PROFILES : [],
      signal: ctx.signal,
    });
    try {
      const a = server.address();
      const address = a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      ctx.emit(
        { event: "listening", address, fingerprint: certificate.fingerprint },
        `listening on ${address}, fingerprint ${certificate.fingerprint}`,
      );
      server.on("connection", (conn, remote) => {
        conn.on("connected", () => {
          const e = connectedEvent(conn, remote);
          ctx.emit(
            e,
            `${remote} connected: ${e.cipherSuite}, peer ${e.peerFingerprint}, srtp ${e.srtpProfile}`,
          );
        });
        conn.on("message", (data) => {
          const text = new TextDecoder().decode(data);
          ctx.emit({ event: "data", remote, text }, `${remote}: ${text}`);
          if (args.values.echo && conn.state === "connected") conn.send(data);
        });
        conn.on("close", (error) => {
          ctx.emit(
            error ? { event: "closed", remote, error: error.message } : { event: "closed", remote },
            `${remote} closed${error ? `: ${error.message}` : ""}`,
          );
        });
      });
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        server.once("close", () => resolve());
      });
    } finally {
      await server.close();
    }
    return 0;
  },
};
