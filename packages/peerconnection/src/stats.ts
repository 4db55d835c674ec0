import type { SdpCandidate } from "./sdp/types.js";
import type { DtlsTransportState, IceTransportState } from "./states.js";

/** One report of an RTCStatsReport: `id`, `type`, `timestamp` and type-specific members. */
export interface Stats {
  id: string;
  type: string;
  timestamp: number;
  [member: string]: unknown;
}

/** RTCStatsReport: a map from report id to report. */
export type StatsReport = Map<string, Stats>;

/** A candidate as the transport reports it. */
export interface CandidateStatsSource {
  address: string;
  port: number;
  transport: string;
  type: string;
  priority: number;
  foundation: string;
  relatedAddress?: string | undefined;
  relatedPort?: number | undefined;
  /** `active`, `passive` or `so` for TCP candidates. */
  tcpType?: string | undefined;
}

/** What the transport knows for getStats(); every member optional before it exists. */
export interface TransportStatsSource {
  iceRole?: "controlling" | "controlled";
  iceLocalUsernameFragment?: string;
  dtlsRole?: "client" | "server";
  /** e.g. "FEFD" (DTLS 1.2) as browsers write it. */
  tlsVersion?: string;
  /** The DTLS key exchange group (`X25519MLKEM768`, `x25519`, …). */
  tlsGroup?: string;
  dtlsCipher?: string;
  srtpCipher?: string;
  localCandidates: CandidateStatsSource[];
  remoteCandidates: CandidateStatsSource[];
  selectedPair?: {
    local: CandidateStatsSource;
    remote: CandidateStatsSource;
    rttMs: number | undefined;
    state: string;
    nominated: boolean;
  };
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
  localCertificate?: { fingerprint: string; der: Uint8Array };
  remoteCertificate?: { fingerprint: string; der: Uint8Array };
}

function candidateId(prefix: string, c: CandidateStatsSource): string {
  return `${prefix}_${c.address}_${c.port}_${c.transport.toLowerCase()}_${c.type}`;
}

function candidateStats(
  kind: "local-candidate" | "remote-candidate",
  c: CandidateStatsSource,
  now: number,
): Stats {
  return {
    id: candidateId(kind === "local-candidate" ? "IL" : "IR", c),
    type: kind,
    timestamp: now,
    transportId: "T01",
    address: c.address,
    port: c.port,
    protocol: c.transport.toLowerCase(),
    candidateType: c.type,
    priority: c.priority,
    foundation: c.foundation,
    ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress } : {}),
    ...(c.relatedPort !== undefined ? { relatedPort: c.relatedPort } : {}),
    ...(c.tcpType !== undefined ? { tcpType: c.tcpType } : {}),
  };
}

function certificateStats(id: string, cert: { fingerprint: string; der: Uint8Array }, now: number): Stats {
  const [algorithm = "sha-256", value = ""] = cert.fingerprint.split(" ");
  return {
    id,
    type: "certificate",
    timestamp: now,
    fingerprint: value,
    fingerprintAlgorithm: algorithm,
    base64Certificate: Buffer.from(cert.der).toString("base64"),
  };
}

/** Converts an SDP candidate to the stats form. */
export function sdpCandidateSource(c: SdpCandidate): CandidateStatsSource {
  return c;
}

/**
 * Builds the W3C stats (webrtc-stats): `peer-connection`, one `transport`
 * (T01), its selected `candidate-pair` (the pair used to transport: before
 * nomination, the valid pair data goes on), `local-candidate`s,
 * `remote-candidate`s and the two `certificate`s.
 */
export function buildStats(
  source: TransportStatsSource | undefined,
  states: { iceState: IceTransportState; dtlsState: DtlsTransportState },
): StatsReport {
  const now = performance.timeOrigin + performance.now();
  const report: StatsReport = new Map();
  const add = (s: Stats) => report.set(s.id, s);
  add({ id: "P", type: "peer-connection", timestamp: now, dataChannelsOpened: 0, dataChannelsClosed: 0 });
  const transport: Stats = {
    id: "T01",
    type: "transport",
    timestamp: now,
    bytesSent: source?.bytesSent ?? 0,
    bytesReceived: source?.bytesReceived ?? 0,
    packetsSent: source?.packetsSent ?? 0,
    packetsReceived: source?.packetsReceived ?? 0,
    iceState: states.iceState,
    dtlsState: states.dtlsState,
  };
  add(transport);
  if (!source) return report;
  if (source.iceRole) transport.iceRole = source.iceRole;
  if (source.iceLocalUsernameFragment) transport.iceLocalUsernameFragment = source.iceLocalUsernameFragment;
  if (source.dtlsRole) transport.dtlsRole = source.dtlsRole;
  if (source.tlsVersion) transport.tlsVersion = source.tlsVersion;
  if (source.tlsGroup) transport.tlsGroup = source.tlsGroup;
  if (source.dtlsCipher) transport.dtlsCipher = source.dtlsCipher;
  if (source.srtpCipher) transport.srtpCipher = source.srtpCipher;
  for (const c of source.localCandidates) add(candidateStats("local-candidate", c, now));
  for (const c of source.remoteCandidates) add(candidateStats("remote-candidate", c, now));
  const pair = source.selectedPair;
  if (pair) {
    const local = candidateStats("local-candidate", pair.local, now);
    const remote = candidateStats("remote-candidate", pair.remote, now);
    add(local);
    add(remote);
    const id = `CP${local.id}_${remote.id}`;
    transport.selectedCandidatePairId = id;
    add({
      id,
      type: "candidate-pair",
      timestamp: now,
      transportId: "T01",
      localCandidateId: local.id,
      remoteCandidateId: remote.id,
      state: pair.state,
      nominated: pair.nominated,
      bytesSent: source.bytesSent,
      bytesReceived: source.bytesReceived,
      packetsSent: source.packetsSent,
      packetsReceived: source.packetsReceived,
      ...(pair.rttMs !== undefined ? { currentRoundTripTime: pair.rttMs / 1000 } : {}),
    });
  }
  if (source.localCertificate) {
    transport.localCertificateId = "CFlocal";
    add(certificateStats("CFlocal", source.localCertificate, now));
  }
  if (source.remoteCertificate) {
    transport.remoteCertificateId = "CFremote";
    add(certificateStats("CFremote", source.remoteCertificate, now));
  }
  return report;
}
