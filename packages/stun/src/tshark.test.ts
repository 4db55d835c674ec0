import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCode, StunClass, StunKey, StunMessageBuilder, StunMethod } from "./index.js";
import { writeUdpPcap } from "./pcap.test-helper.js";
import { vector } from "./test-vectors.test-helper.js";

// tshark (Wireshark's dissector) as an independent oracle of what we encode.
// Under CI=true a missing tshark fails this file: never a silent skip.
const TSHARK = "/usr/bin/tshark";
const available = existsSync(TSHARK);
if (!available && process.env.CI === "true") {
  throw new Error(`interop peer missing in CI: ${TSHARK} (apt-get install -y tshark)`);
}

function tshark(pcap: string, ...args: string[]): string[] {
  const r = spawnSync(TSHARK, ["-r", pcap, "-d", "udp.port==3478,stun", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

const key = StunKey.shortTerm("tshark-oracle");

// Each message with what tshark must read from it.
const cases: Array<{ name: string; bytes: Uint8Array; fields?: Record<string, string> }> = [
  { name: "RFC 5769 2.1", bytes: vector("rfc5769-2.1-sample-request.hex") },
  { name: "RFC 5769 2.2", bytes: vector("rfc5769-2.2-sample-ipv4-response.hex") },
  { name: "RFC 5769 2.3", bytes: vector("rfc5769-2.3-sample-ipv6-response.hex") },
  { name: "RFC 5769 2.4", bytes: vector("rfc5769-2.4-sample-request-long-term.hex") },
  { name: "Chromium check", bytes: vector("chromium-156-binding-request.hex") },
  {
    name: "ICE check",
    bytes: new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .username("remote:local")
      .priority(0x6e7f1eff)
      .iceControlling(0x1234567890abcdefn)
      .useCandidate()
      .encode({ integrity: key, fingerprint: true }),
    fields: {
      "stun.att.username": "remote:local",
      "stun.att.priority": String(0x6e7f1eff),
      "stun.att.tie-breaker": "1234567890abcdef",
    },
  },
  {
    name: "Binding success, IPv4",
    bytes: new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse)
      .xorMappedAddress({ family: "IPv4", address: "192.0.2.1", port: 32853 })
      .software("purertc ✓")
      .encode({ integrity: key, fingerprint: true }),
    // 192.0.2.1 ^ 0x2112a442, 32853 ^ 0x2112
    fields: {
      "stun.att.ipv4-xord": "e112a643",
      "stun.att.port-xord": "a147",
      "stun.att.software": "purertc ✓",
    },
  },
  {
    name: "401 challenge",
    bytes: new StunMessageBuilder(StunMethod.Allocate, StunClass.ErrorResponse)
      .errorCode(ErrorCode.Unauthorized, "Unauthenticated")
      .realm("example.org")
      .nonce("abcdef0123456789")
      .passwordAlgorithms([
        { algorithm: 2, parameters: new Uint8Array(0) },
        { algorithm: 1, parameters: new Uint8Array(0) },
      ])
      .software("purertc")
      .encode({ fingerprint: true }),
    fields: {
      "stun.att.error": "1",
      "stun.att.error.class": "4",
      "stun.att.error.reason": "Unauthenticated",
      "stun.att.realm": "example.org",
      "stun.att.nonce": "abcdef0123456789",
    },
  },
  {
    name: "420 unknown attributes",
    bytes: new StunMessageBuilder(StunMethod.Binding, StunClass.ErrorResponse)
      .errorCode(420, "Unknown Attribute")
      .unknownAttributes([0x7777, 0x0031])
      .encode({ fingerprint: true }),
  },
  {
    name: "TURN Allocate success",
    bytes: new StunMessageBuilder(StunMethod.Allocate, StunClass.SuccessResponse)
      .xorRelayedAddress({ family: "IPv4", address: "198.18.0.1", port: 49152 })
      .xorRelayedAddress({ family: "IPv6", address: "fd00:198:18::1", port: 49153 })
      .lifetime(600)
      .xorMappedAddress({ family: "IPv6", address: "2001:db8::1", port: 5000 })
      .reservationToken(new Uint8Array(8).fill(7))
      .encode({ integrity: key, integritySha256: key, fingerprint: true }),
    fields: { "stun.att.lifetime": "600" },
  },
  {
    name: "TURN requests and indications",
    bytes: new StunMessageBuilder(StunMethod.Allocate, StunClass.Request)
      .requestedTransport(17)
      .requestedAddressFamily("IPv6")
      .additionalAddressFamily("IPv4")
      .evenPort({ reserveNext: true })
      .dontFragment()
      .encode({ fingerprint: true }),
  },
  {
    name: "ChannelBind",
    bytes: new StunMessageBuilder(StunMethod.ChannelBind, StunClass.Request)
      .channelNumber(0x4001)
      .xorPeerAddress({ family: "IPv4", address: "127.0.0.1", port: 5000 })
      .encode({ integrity: key, fingerprint: true }),
    fields: { "stun.att.channelnum": "0x4001" },
  },
  {
    name: "Send indication",
    bytes: new StunMessageBuilder(StunMethod.Send, StunClass.Indication)
      .xorPeerAddress({ family: "IPv6", address: "::1", port: 9 })
      .data(new Uint8Array([1, 2, 3, 4, 5]))
      .icmp({ type: 3, code: 4, data: 1280 })
      .addressErrorCode("IPv6", 440, "Address Family not Supported")
      .encode({ fingerprint: true }),
  },
];

describe.skipIf(!available)("tshark reads what we encode", () => {
  it("no malformed packet or warning; FINGERPRINT good; fields as encoded", () => {
    const dir = mkdtempSync(join(tmpdir(), "purertc-tshark-"));
    try {
      const pcap = join(dir, "stun.pcap");
      // Last, a negative control: one flipped bit must be flagged, or the oracle is blind.
      const flipped = new Uint8Array(cases[5]!.bytes);
      flipped[24]! ^= 1;
      writeUdpPcap(pcap, [...cases.map((c) => c.bytes), flipped]);

      const flagged = tshark(
        pcap,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= warning",
        "-T",
        "fields",
        "-e",
        "frame.number",
      );
      expect(flagged).toEqual([String(cases.length + 1)]);

      const names = [...new Set(cases.flatMap((c) => Object.keys(c.fields ?? {})))];
      const rows = tshark(
        pcap,
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=f",
        "-e",
        "stun.type.class",
        "-e",
        "stun.att.crc32.status",
        ...names.flatMap((n) => ["-e", n]),
      ).map((l) => l.split("\t"));
      expect(rows).toHaveLength(cases.length + 1);
      cases.forEach((c, i) => {
        const row = rows[i]!;
        expect(row[0], `${c.name}: a STUN message`).not.toBe("");
        const hasFingerprint =
          c.bytes.length >= 28 &&
          c.bytes[c.bytes.length - 8] === 0x80 &&
          c.bytes[c.bytes.length - 7] === 0x28;
        if (hasFingerprint) expect(row[1], `${c.name}: CRC-32 status`).toBe("1");
        for (const [field, value] of Object.entries(c.fields ?? {})) {
          expect(row[2 + names.indexOf(field)], `${c.name}: ${field}`).toBe(value);
        }
      });
      expect(rows[cases.length]![1]).toBe("0"); // the flipped one: bad FINGERPRINT
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
