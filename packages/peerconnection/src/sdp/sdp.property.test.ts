import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SdpError } from "../errors.js";
import { parseCandidate, parseSdp, serializeSdp } from "./index.js";
import type { SdpCandidate, SdpMediaSection, SdpSession } from "./types.js";

const vectorsDir = fileURLToPath(new URL("../../../../test-vectors/sdp/", import.meta.url));
const samples = readdirSync(vectorsDir)
  .filter((f) => f.endsWith(".sdp"))
  .map((f) => readFileSync(vectorsDir + f, "utf8"));

/** Parses; any throw other than SdpError fails the property. */
function tryParse(text: string): SdpSession | undefined {
  try {
    return parseSdp(text);
  } catch (error) {
    if (error instanceof SdpError) return undefined;
    throw error;
  }
}

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,11}$/);
const iceChars = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."abcXYZ0189+/"), minLength: min, maxLength: max });
const hexPairs = (n: number) =>
  fc
    .uint8Array({ minLength: n, maxLength: n })
    .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, "0").toUpperCase()).join(":"));

const KNOWN_EXTENSIONS = ["raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"];

const candidate: fc.Arbitrary<SdpCandidate> = fc
  .record(
    {
      foundation: iceChars(1, 32),
      component: fc.integer({ min: 1, max: 256 }),
      transport: fc.constantFrom("udp", "UDP", "tcp"),
      priority: fc.integer({ min: 0, max: 0xffffffff }),
      address: fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.uuid().map((u) => `${u}.local`),
      ),
      port: fc.integer({ min: 0, max: 65535 }),
      type: fc.constantFrom("host", "srflx", "prflx", "relay"),
      tcpType: fc.constantFrom("active", "passive", "so"),
      generation: fc.nat(),
      ufrag: iceChars(4, 8),
      networkId: fc.nat({ max: 0xffff }),
      networkCost: fc.nat({ max: 999 }),
      extensions: fc.array(
        fc.tuple(
          token.filter((t) => !KNOWN_EXTENSIONS.includes(t)),
          token,
        ),
        {
          maxLength: 3,
        },
      ),
    },
    {
      requiredKeys: [
        "foundation",
        "component",
        "transport",
        "priority",
        "address",
        "port",
        "type",
        "extensions",
      ],
    },
  )
  .chain((c) =>
    // raddr and rport come together (RFC 8839 §5.1).
    fc
      .option(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })), { nil: undefined })
      .map((related) => (related ? { ...c, relatedAddress: related[0], relatedPort: related[1] } : c)),
  );

const media: fc.Arbitrary<SdpMediaSection> = fc.record(
  {
    kind: fc.constantFrom("application", "audio", "video"),
    port: fc.integer({ min: 0, max: 65535 }),
    protocol: fc.constantFrom("UDP/DTLS/SCTP", "UDP/TLS/RTP/SAVPF"),
    formats: fc.array(token, { minLength: 1, maxLength: 4 }),
    connection: fc.record({ netType: fc.constant("IN"), addrType: fc.constant("IP4"), address: fc.ipV4() }),
    mid: token,
    candidates: fc.array(candidate, { maxLength: 4 }),
    endOfCandidates: fc.boolean(),
    iceUfrag: iceChars(4, 32),
    icePwd: iceChars(22, 40),
    iceOptions: fc.array(token, { minLength: 1, maxLength: 2 }),
    fingerprints: fc.array(
      fc.oneof(
        hexPairs(32).map((value) => ({ algorithm: "sha-256", value })),
        hexPairs(64).map((value) => ({ algorithm: "sha-512", value })),
      ),
      { maxLength: 3 },
    ),
    setup: fc.constantFrom("actpass", "active", "passive", "holdconn") as fc.Arbitrary<
      SdpMediaSection["setup"] & string
    >,
    sctpPort: fc.integer({ min: 0, max: 65535 }),
    maxMessageSize: fc.nat(),
    otherLines: fc.array(
      fc.record({
        type: fc.constant("a"),
        name: token.filter(
          (t) => !/^(ice-|fingerprint|setup|mid|candidate|end-of|sctp-port|max-message)/.test(t),
        ),
        value: fc.option(fc.string({ unit: fc.constantFrom(..."ab 1:/"), maxLength: 20 }), {
          nil: undefined,
        }),
      }),
      { maxLength: 3 },
    ),
  },
  {
    requiredKeys: [
      "kind",
      "port",
      "protocol",
      "formats",
      "candidates",
      "endOfCandidates",
      "fingerprints",
      "otherLines",
    ],
  },
);

const session: fc.Arbitrary<SdpSession> = fc.record({
  version: fc.constant(0 as const),
  origin: fc.record({
    username: token,
    sessionId: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
    sessionVersion: fc.nat().map(String),
    netType: fc.constant("IN"),
    addrType: fc.constant("IP4"),
    address: fc.ipV4(),
  }),
  sessionName: fc.constant("-"),
  timing: fc.constant("0 0"),
  groups: fc.array(fc.record({ semantics: fc.constant("BUNDLE"), mids: fc.array(token, { maxLength: 3 }) }), {
    maxLength: 1,
  }),
  fingerprints: fc.constant([]),
  otherLines: fc.constant([{ type: "a", name: "msid-semantic", value: " WMS" }]),
  media: fc.array(media, { maxLength: 3 }),
});

describe("SDP properties", () => {
  it("serialize → parse is the identity on generated descriptions", () => {
    fc.assert(
      fc.property(session, (s) => {
        expect(parseSdp(serializeSdp(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it("random text throws only SdpError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        tryParse(text);
        tryParse(`v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\n${text}`);
        tryParse(`v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=application 9 UDP/DTLS/SCTP x\na=${text}`);
      }),
      { numRuns: 1000 },
    );
  });

  it("random candidate strings throw only SdpError", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(token, fc.string({ maxLength: 6 })), { maxLength: 20 }), (parts) => {
        try {
          parseCandidate(`candidate:${parts.join(" ")}`);
        } catch (error) {
          if (!(error instanceof SdpError)) throw error;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("mutated real SDPs throw only SdpError, and what parses round-trips", () => {
    const mutation = fc.record({
      sample: fc.nat({ max: samples.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          kind: fc.constantFrom("delete", "insert", "replace", "dropLine", "dupLine"),
          text: fc.string({ maxLength: 8 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ sample, edits }) => {
        let text = samples[sample]!;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.kind === "delete") text = text.slice(0, at) + text.slice(at + e.text.length + 1);
          else if (e.kind === "insert") text = text.slice(0, at) + e.text + text.slice(at);
          else if (e.kind === "replace") text = text.slice(0, at) + e.text + text.slice(at + e.text.length);
          else {
            const lines = text.split("\n");
            const i = e.at % lines.length;
            if (e.kind === "dropLine") lines.splice(i, 1);
            else lines.splice(i, 0, lines[i]!);
            text = lines.join("\n");
          }
        }
        const parsed = tryParse(text);
        if (parsed) expect(parseSdp(serializeSdp(parsed))).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it("a huge input is refused at once", () => {
    expect(() => parseSdp("a".repeat(10_000_000))).toThrow(SdpError);
  });
});
