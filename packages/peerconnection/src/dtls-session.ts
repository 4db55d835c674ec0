import { createHash } from "node:crypto";
import {
  DEFAULT_SRTP_PROFILES,
  DtlsCertificate,
  DtlsConnection,
  type DtlsError,
  type DtlsVersion,
  defaultCertificatePool,
  NamedGroup,
  type NamedGroupName,
  normalizeFingerprint,
  type SrtpProfileName,
  srtpKeyingMaterialLength,
} from "@purertc/dtls";
import type { DatagramTransport } from "@purertc/socket";
import { createDebug } from "@purertc/socket";
import { PeerConnectionError } from "./errors.js";
import { fingerprintBytes } from "./sdp/attributes.js";
import type { SdpFingerprint } from "./sdp/types.js";
import type { DtlsTransportState } from "./states.js";
import type { TransportStatsSource } from "./stats.js";

const log = createDebug("purertc:pc");

/** The certificate type of the `certificates` option: a @purertc/dtls certificate. */
export type PeerCertificate = DtlsCertificate;

/** A fresh ECDSA P-256 certificate (what `PeerConnection.generateCertificate()` returns). */
export function generateCertificate(): Promise<PeerCertificate> {
  return DtlsCertificate.generate();
}

/**
 * The certificate of a connection without `certificates`: a fresh ECDSA P-256
 * one of its own, as browsers make, from @purertc/dtls's process-wide pool
 * (made ahead on idle turns, each handed out once; made now when the pool is
 * empty).
 */
export function connectionCertificate(): PeerCertificate {
  return defaultCertificatePool().take();
}

/** Options of {@link startDtls}. */
export interface DtlsSessionOptions {
  transport: DatagramTransport;
  role: "client" | "server";
  certificate: PeerCertificate;
  /** The remote a=fingerprint values; one must match the peer's certificate (RFC 8122 §5). */
  fingerprints: SdpFingerprint[];
  /** DTLS versions (default 1.3 and 1.2). */
  versions?: readonly DtlsVersion[] | undefined;
  /** Key exchange groups by name (default: the DTLS package's). */
  groups?: readonly NamedGroupName[] | undefined;
  /** DTLS 1.3: a KeyUpdate after this many records in one epoch (default: the DTLS package's). */
  keyUpdateAfterRecords?: number | undefined;
  /** Closes the connection when it aborts; without one, close() does. */
  signal?: AbortSignal | undefined;
  onState(state: DtlsTransportState, error?: Error): void;
  onData(data: Uint8Array): void;
}

/** The DTLS side of the transport, as PeerTransport drives it. */
export interface DtlsSession {
  send(data: Uint8Array): void;
  /** Bytes a DTLS record adds to the datagram it carries, once connected (the negotiated version and cipher). */
  recordOverhead(): number | undefined;
  /** Once connected with use_srtp: the profile and the "EXTRACTOR-dtls_srtp" keying material (RFC 5764 §4.2). */
  srtpKeys(): { profile: SrtpProfileName; material: Uint8Array } | undefined;
  describe(source: TransportStatsSource): void;
  close(): Promise<void>;
}

/** Does the certificate match any of the fingerprints (any hash function Node knows)? */
export function matchesFingerprint(der: Uint8Array, fingerprints: SdpFingerprint[]): boolean {
  for (const f of fingerprints) {
    let digest: Buffer;
    try {
      digest = createHash(f.algorithm.replace("-", "")).update(der).digest();
    } catch {
      continue; // a hash function Node does not have: another fingerprint may match
    }
    if (Buffer.from(fingerprintBytes(f)).equals(digest)) return true;
  }
  return false;
}

/**
 * Starts a DTLS connection over the selected ICE pair. The DTLS handshake
 * itself refuses a certificate that matches none of the SHA fingerprints
 * (sha-1 … sha-512, bad_certificate alert); a description with only other
 * hash functions (md5) is checked here right after the handshake, before the
 * state says connected.
 */
export function startDtls(options: DtlsSessionOptions): DtlsSession {
  const verifiable: string[] = [];
  for (const f of options.fingerprints) {
    try {
      verifiable.push(normalizeFingerprint(`${f.algorithm} ${f.value}`));
    } catch {
      // A hash function DTLS does not check (md5, md2): left to matchesFingerprint below.
    }
  }
  const connection = new DtlsConnection(options.transport, {
    role: options.role,
    certificate: options.certificate,
    ...(verifiable.length ? { peerFingerprint: verifiable } : { acceptAnyPeerCertificate: true }),
    // ICE already verified the peer's address: no cookie round trip (RFC 6347 §4.2.1 allows skipping).
    helloVerify: false,
    // use_srtp (RFC 5764) offered and accepted as browsers do: pion's DTLS
    // aborts with insufficient_security when it offers a profile and none is
    // chosen, even on a data-channel-only connection.
    srtpProfiles: DEFAULT_SRTP_PROFILES,
    ownsTransport: false,
    ...(options.versions ? { versions: options.versions } : {}),
    ...(options.groups ? { groups: options.groups.map((g) => NamedGroup[g]) } : {}),
    ...(options.keyUpdateAfterRecords ? { keyUpdateAfterRecords: options.keyUpdateAfterRecords } : {}),
    signal: options.signal,
  });
  let done = false;
  const finish = (state: DtlsTransportState, error?: Error) => {
    if (done) return;
    if (state === "closed" || state === "failed") done = true;
    options.onState(state, error);
  };
  connection.on("message", (data) => options.onData(data));
  connection.on("close", (error?: DtlsError) => {
    finish(error && error.code !== "ERR_DTLS_CLOSED" ? "failed" : "closed", error);
  });
  connection.connect().then(
    () => {
      const der = connection.peerCertificate;
      if (!verifiable.length && (!der || !matchesFingerprint(der, options.fingerprints))) {
        const error = new PeerConnectionError(
          "ERR_FINGERPRINT",
          "peer certificate does not match a=fingerprint (RFC 8122 §5)",
        );
        finish("failed", error);
        void connection.close();
        return;
      }
      finish("connected");
    },
    () => {
      // The close event reports it.
    },
  );
  return {
    send(data) {
      if (connection.state !== "connected") return;
      try {
        connection.send(data);
      } catch (error) {
        // Like UDP: a datagram that cannot go is dropped, never thrown at the sender.
        log("datagram dropped: %s", (error as Error).message);
      }
    },
    recordOverhead() {
      return connection.recordOverhead;
    },
    srtpKeys() {
      const profile = connection.srtpProfile;
      if (!profile || connection.state !== "connected") return undefined;
      return {
        profile,
        material: connection.exportKeyingMaterial("EXTRACTOR-dtls_srtp", srtpKeyingMaterialLength(profile)),
      };
    },
    describe(source) {
      // As browsers report it: the wire version in hex (FEFC = DTLS 1.3, FEFD = DTLS 1.2).
      source.tlsVersion = connection.version === "1.3" ? "FEFC" : "FEFD";
      if (connection.group) source.tlsGroup = connection.group;
      if (connection.cipherSuite) source.dtlsCipher = connection.cipherSuite;
      const der = connection.peerCertificate;
      if (der && connection.peerFingerprint)
        source.remoteCertificate = { fingerprint: connection.peerFingerprint, der };
      if (connection.srtpProfile) source.srtpCipher = connection.srtpProfile;
    },
    async close() {
      done = true;
      await connection.close();
    },
  };
}
