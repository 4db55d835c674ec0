/**
 * Fuzz targets above the transport: DCEP (RFC 8832) as the data channels parse
 * it, and the RTSP client's parsers (@purertc/rtsp-to-whep): the stream reader
 * (responses, requests and `$` interleaved frames), the DESCRIBE SDP, the
 * Transport header and the WWW-Authenticate challenges. Seeds are our own
 * DCEP messages and GStreamer's captured RTSP bytes (test-vectors/rtsp).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FuzzTarget } from "@purertc/dtls/fuzz";
import { encodeDcepAck, encodeDcepOpen, PeerConnectionError, parseDcep } from "@purertc/peerconnection";
import {
  parseChallenges,
  parseDescription,
  parseTransport,
  RtspError,
  RtspReader,
} from "@purertc/rtsp-to-whep";

const VECTORS = fileURLToPath(new URL("../../../../test-vectors/rtsp/", import.meta.url));
const text = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const isRtspError = (e: unknown) => e instanceof RtspError;

function vector(name: string): Uint8Array {
  const raw = readFileSync(VECTORS + name);
  return name.endsWith(".hex")
    ? Uint8Array.from(Buffer.from(raw.toString("latin1").replace(/\s+/g, ""), "hex"))
    : new Uint8Array(raw);
}

/** The DCEP and RTSP fuzz targets. */
export function appTargets(): FuzzTarget[] {
  const describe = vector("gstreamer-1.22-describe-200.txt");
  const describeText = latin1.decode(describe);
  const sdp = describeText.slice(describeText.indexOf("\r\n\r\n") + 4);
  return [
    {
      name: "DCEP message (parseDcep)",
      seeds: [
        encodeDcepOpen({
          ordered: true,
          maxRetransmits: null,
          maxPacketLifeTime: null,
          priority: 256,
          label: "chat",
          protocol: "",
        }),
        encodeDcepOpen({
          ordered: false,
          maxRetransmits: 3,
          maxPacketLifeTime: null,
          priority: 512,
          label: "game",
          protocol: "v1",
        }),
        encodeDcepOpen({
          ordered: false,
          maxRetransmits: null,
          maxPacketLifeTime: 150,
          priority: 128,
          label: "",
          protocol: "x",
        }),
        encodeDcepAck(),
      ],
      run: (b) => void parseDcep(b),
      expected: (e) => e instanceof PeerConnectionError,
    },
    {
      name: "RTSP stream reader (responses, requests, interleaved frames)",
      seeds: [
        describe,
        vector("gstreamer-1.22-describe-401-digest.txt"),
        vector("gstreamer-1.22-setup-tcp-200.txt"),
        vector("gstreamer-1.22-play-interleaved.hex"),
      ],
      run(b) {
        // A fresh reader per case, fed in two pieces as TCP may split it.
        const reader = new RtspReader(() => {});
        const cut = b.length >> 1;
        reader.push(b.subarray(0, cut));
        reader.push(b.subarray(cut));
      },
      expected: isRtspError,
    },
    {
      name: "RTSP DESCRIBE SDP (parseDescription)",
      seeds: [text.encode(sdp)],
      run: (b) => void parseDescription(latin1.decode(b), "rtsp://127.0.0.1:8554/cam/"),
      expected: isRtspError,
    },
    {
      name: "RTSP Transport header (parseTransport)",
      seeds: [
        text.encode('RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D;mode="PLAY"'),
        text.encode("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;source=127.0.0.1"),
      ],
      run: (b) => void parseTransport(latin1.decode(b)),
      expected: isRtspError,
    },
    {
      name: "RTSP WWW-Authenticate challenges (parseChallenges)",
      seeds: [
        text.encode(
          'Digest realm="GStreamer", nonce="0123456789abcdef", algorithm=MD5, qop="auth", Basic realm="cam"',
        ),
        text.encode(
          'Digest realm="cam", nonce="abc", algorithm=SHA-256, qop="auth,auth-int", opaque="x", stale=FALSE',
        ),
      ],
      run: (b) => void parseChallenges(latin1.decode(b)),
      expected: isRtspError,
    },
  ];
}
