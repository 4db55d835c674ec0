import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DtlsCertificate, DtlsConnection } from "@purertc/dtls";
import { dtls13FuzzTargets, dtlsFuzzTargets, type FuzzTarget } from "@purertc/dtls/fuzz";
import { encodeFrame, FrameDecoder, MAX_FRAME } from "@purertc/ice";
import { mdnsFuzzTargets } from "@purertc/mdns/fuzz";
import { parseSdp, SdpError } from "@purertc/peerconnection";
import { sctpFuzzTargets } from "@purertc/sctp/fuzz";
import type { DatagramTransport } from "@purertc/socket";
import {
  decodeMessage,
  newTransactionId,
  StunClass,
  StunError,
  StunKey,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
} from "@purertc/stun";
import { decodeChannelData, encodeChannelData, splitChannelDataStream, TurnError } from "@purertc/turn";
import { appTargets } from "./app-targets.js";
import { mediaTargets } from "./media-targets.js";

export type { FuzzTarget };

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Every attribute getter of a decoded message: attribute values are parsed when read. */
function readAll(m: StunMessage): void {
  const getters = [
    "username",
    "priority",
    "iceControlling",
    "iceControlled",
    "useCandidate",
    "xorMappedAddress",
    "mappedAddress",
    "errorCode",
    "realm",
    "nonce",
    "lifetime",
    "xorPeerAddress",
    "xorRelayedAddress",
    "data",
    "channelNumber",
    "software",
  ];
  for (const g of getters) {
    try {
      void (m as unknown as Record<string, unknown>)[g];
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
    }
  }
  m.checkFingerprint();
  m.checkIntegrity(StunKey.shortTerm("p".repeat(22)));
}

function stunSeeds(): Uint8Array[] {
  const key = StunKey.shortTerm("p".repeat(22));
  return [
    new StunMessageBuilder(StunMethod.Binding, StunClass.Request, newTransactionId())
      .username("abcd:efgh")
      .priority(1853824767)
      .iceControlling(0x1234567890abcdefn)
      .useCandidate()
      .encode({ integrity: key, fingerprint: true }),
    new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, newTransactionId())
      .xorMappedAddress({ family: "IPv4", address: "198.18.0.1", port: 50000 })
      .encode({ integrity: key, fingerprint: true }),
    new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, newTransactionId())
      .xorMappedAddress({ family: "IPv6", address: "fd00:198:18::1", port: 50000 })
      .encode({ fingerprint: true }),
    new StunMessageBuilder(StunMethod.Binding, StunClass.ErrorResponse, newTransactionId())
      .errorCode(487, "Role Conflict")
      .encode({ integrity: key, fingerprint: true }),
    new StunMessageBuilder(StunMethod.Data, StunClass.Indication)
      .xorPeerAddress({ family: "IPv4", address: "198.18.0.2", port: 5000 })
      .data(new Uint8Array([1, 2, 3, 4, 5]))
      .encode({ fingerprint: true }),
    new StunMessageBuilder(StunMethod.Refresh, StunClass.SuccessResponse)
      .lifetime(600)
      .encode({ fingerprint: true }),
  ];
}

/**
 * Datagrams of a real DTLS handshake (both directions) over an in-memory pair
 * of transports. DTLS 1.2: its messages travel in the clear, so they seed the
 * 1.2 message parsers. DTLS 1.3 (with a HelloRetryRequest cookie, so both
 * hellos and the hybrid key share are seen) seeds the unified-header and 1.3
 * hello parsers; its encrypted messages are seeded from our encoders.
 */
async function dtlsCapture(certificate: DtlsCertificate, version: "1.2" | "1.3"): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  const make = (): DatagramTransport & { peer?: DatagramTransport } => ({
    onDatagram: undefined,
    onClose: undefined,
    closed: false,
    send(data) {
      sent.push(new Uint8Array(data));
      const peer = this.peer;
      setImmediate(() => peer?.onDatagram?.(data));
    },
    async close() {},
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  const options = { certificate, acceptAnyPeerCertificate: true, versions: [version] };
  const client = new DtlsConnection(a, { role: "client", ...options });
  const server = new DtlsConnection(b, { role: "server", helloVerify: true, ...options });
  await Promise.all([client.connect(), server.connect()]);
  if (version === "1.3") client.send(new Uint8Array(40));
  await client.close();
  await server.close();
  return sent;
}

/**
 * ICE over TCP's RFC 4571 framing (RFC 6544 §3): a fresh FrameDecoder per
 * case is fed the bytes in three pieces (a one-byte piece splits a length
 * prefix, the rest a frame), each STUN-looking frame (RFC 7983: first byte
 * 0 to 3) goes to the STUN decoder, and what the decoder holds must stay
 * within one frame.
 */
function iceTcpFramingTarget(): FuzzTarget {
  const stun = stunSeeds();
  const onFrame = (frame: Uint8Array) => {
    if (frame[0]! < 4) readAll(decodeMessage(frame));
  };
  return {
    name: "ICE-TCP framing (RFC 4571 FrameDecoder, then STUN)",
    seeds: [...stun.map((m) => encodeFrame(m)), Buffer.concat(stun.map((m) => encodeFrame(m)))],
    run(b) {
      const decoder = new FrameDecoder();
      const cut = b.length >> 1;
      decoder.push(b.subarray(0, 1), onFrame);
      decoder.push(b.subarray(1, cut), onFrame);
      decoder.push(b.subarray(Math.max(1, cut)), onFrame);
      if (decoder.buffered > MAX_FRAME + 2) throw new Error(`FrameDecoder holds ${decoder.buffered} bytes`);
    },
    expected: (e) => e instanceof StunError,
  };
}

/** Every fuzz target: STUN, TURN ChannelData, ICE-TCP framing, the DTLS parsers, SDP, mDNS, SCTP, RTP/RTCP/SRTP and the depacketizers, DCEP, RTSP. */
export async function allTargets(): Promise<FuzzTarget[]> {
  const sdpDir = `${ROOT}test-vectors/sdp/`;
  const sdps = readdirSync(sdpDir)
    .filter((f) => f.endsWith(".sdp"))
    .map((f) => new Uint8Array(readFileSync(sdpDir + f)));
  const latin1 = new TextDecoder("latin1");
  const certificate = await DtlsCertificate.generate();
  return [
    {
      name: "STUN message (decode + every attribute)",
      seeds: stunSeeds(),
      run: (b) => readAll(decodeMessage(b)),
      expected: (e) => e instanceof StunError,
    },
    {
      name: "TURN ChannelData (datagram and stream framing)",
      seeds: [
        encodeChannelData(0x4000, new Uint8Array([9, 8, 7])),
        encodeChannelData(0x4ffe, new Uint8Array(37), true),
        encodeChannelData(0x4001, new Uint8Array(0)),
      ],
      run(b) {
        try {
          decodeChannelData(b);
        } finally {
          splitChannelDataStream(b);
        }
      },
      expected: (e) => e instanceof TurnError,
    },
    iceTcpFramingTarget(),
    ...dtlsFuzzTargets(await dtlsCapture(certificate, "1.2")),
    ...dtls13FuzzTargets(await dtlsCapture(certificate, "1.3"), certificate.der),
    {
      name: "SDP (parseSdp)",
      seeds: sdps,
      run: (b) => void parseSdp(latin1.decode(b)),
      expected: (e) => e instanceof SdpError,
    },
    ...mdnsFuzzTargets(),
    ...(await sctpFuzzTargets()),
    ...mediaTargets(),
    ...appTargets(),
  ];
}
