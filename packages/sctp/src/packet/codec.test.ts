import { describe, expect, it } from "vitest";
import { SctpError } from "../errors.js";
import {
  ChunkType,
  crc32c,
  decodePacket,
  encodePacket,
  ParamType,
  type SctpPacket,
  sctpChecksum,
} from "./index.js";

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

describe("CRC32c", () => {
  // RFC 3720 (iSCSI) Appendix B.4, the CRC32c test vectors SCTP shares.
  it("matches RFC 3720 B.4", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  it("continues across calls and any split", () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
    for (let k = 0; k <= 100; k += 7) expect(crc32c(data, k, 100, crc32c(data, 0, k))).toBe(crc32c(data));
  });

  it("checksum of a packet skips its checksum field", () => {
    const p = encodePacket({ sourcePort: 1, destinationPort: 2, verificationTag: 3, chunks: [] });
    const stored = (p[8]! | (p[9]! << 8) | (p[10]! << 16) | (p[11]! << 24)) >>> 0;
    expect(sctpChecksum(p)).toBe(stored);
    p.fill(0, 8, 12);
    expect(crc32c(p)).toBe(stored);
  });
});

describe("packets", () => {
  const base: Omit<SctpPacket, "chunks"> = {
    sourcePort: 5000,
    destinationPort: 5000,
    verificationTag: 0xdeadbeef,
  };

  it("an INIT as Chromium's dcsctp sends it decodes", () => {
    const init = {
      type: ChunkType.Init,
      initiateTag: 0x12345678,
      aRwnd: 5 * 1024 * 1024,
      outboundStreams: 1024,
      inboundStreams: 1024,
      initialTsn: 0xfffffff0,
      supportedExtensions: [ChunkType.ForwardTsn, ChunkType.ReConfig, 64, 194],
      forwardTsnSupported: true,
      zeroChecksumEdmid: 1,
      unrecognized: [],
    } as const;
    const bytes = encodePacket({
      ...base,
      verificationTag: 0,
      chunks: [{ ...init, supportedExtensions: [...init.supportedExtensions], unrecognized: [] }],
    });
    const p = decodePacket(bytes);
    expect(p.chunks[0]).toEqual({
      ...init,
      supportedExtensions: [...init.supportedExtensions],
      unrecognized: [],
    });
    // Length field: 20 fixed + 8 (4 extensions) + 4 (forward tsn) + 8 (zero checksum).
    expect((bytes[14]! << 8) | bytes[15]!).toBe(40);
  });

  it("a bad checksum is ERR_BAD_CHECKSUM; zero is accepted only when agreed", () => {
    const bytes = encodePacket({ ...base, chunks: [{ type: ChunkType.CookieAck }] });
    const z = encodePacket({ ...base, chunks: [{ type: ChunkType.CookieAck }] }, { zeroChecksum: true });
    expect(() => decodePacket(z)).toThrow(SctpError);
    expect(decodePacket(z, { acceptZeroChecksum: true }).chunks).toEqual([{ type: ChunkType.CookieAck }]);
    bytes[4] = bytes[4]! ^ 1;
    expect(() => decodePacket(bytes)).toThrowError(expect.objectContaining({ code: "ERR_BAD_CHECKSUM" }));
  });

  it("a chunk length that lies is ERR_BAD_LENGTH", () => {
    const bytes = encodePacket({ ...base, chunks: [{ type: ChunkType.Shutdown, cumulativeTsnAck: 7 }] });
    bytes[15] = 200;
    expect(() => decodePacket(bytes, { skipChecksum: true })).toThrowError(
      expect.objectContaining({ code: "ERR_BAD_LENGTH" }),
    );
    bytes[15] = 2;
    expect(() => decodePacket(bytes, { skipChecksum: true })).toThrowError(
      expect.objectContaining({ code: "ERR_BAD_LENGTH" }),
    );
  });

  it("a SACK whose counts promise more than it holds allocates nothing", () => {
    // 65535 gap blocks and 65535 dup TSNs announced in a 16-byte SACK.
    const bytes = hex("1388 1388 00000001 00000000  03 00 0010 00000005 00010000 ffff ffff");
    expect(() => decodePacket(bytes, { skipChecksum: true })).toThrowError(
      expect.objectContaining({ code: "ERR_BAD_LENGTH" }),
    );
  });

  it("unknown chunks follow their upper two bits (RFC 9260 §3.2)", () => {
    const ack = "0b000004";
    const make = (t: number) =>
      hex(`1388 1388 00000001 00000000 ${t.toString(16).padStart(2, "0")}000005 aa000000 ${ack}`);
    // 00 and 01: stop processing; the unknown chunk is kept last for the report.
    for (const t of [0x3f, 0x7f]) {
      const p = decodePacket(make(t), { skipChecksum: true });
      expect(p.chunks.map((c) => c.type)).toEqual(["unknown"]);
    }
    // 10 and 11: skip and go on.
    for (const t of [0xbf, 0xff]) {
      const p = decodePacket(make(t), { skipChecksum: true });
      expect(p.chunks.map((c) => c.type)).toEqual(["unknown", ChunkType.CookieAck]);
      expect(p.chunks[0]).toMatchObject({ chunkType: t, raw: hex(`${t.toString(16)}000005aa`) });
    }
  });

  it("unknown INIT parameters are reported or skipped by their upper bits", () => {
    const init = "01000024 00000001 00010000 0400 0400 00000001";
    // 0xC123 (11: skip, report), 0x8123 (10: skip), then Forward-TSN-Supported.
    const bytes = hex(`1388 1388 00000000 00000000 ${init} c1230006 abcd0000 81230004 c0000004`);
    const p = decodePacket(bytes, { skipChecksum: true });
    expect(p.chunks[0]).toMatchObject({ forwardTsnSupported: true, unrecognized: [hex("c1230006abcd")] });
    // 0x4123 (01: stop, report): Forward-TSN-Supported after it is not processed.
    const stop = hex(`1388 1388 00000000 00000000 ${init} 41230006 abcd0000 81230004 c0000004`);
    expect(decodePacket(stop, { skipChecksum: true }).chunks[0]).toMatchObject({
      forwardTsnSupported: false,
      unrecognized: [hex("41230006abcd")],
    });
  });

  it("parameters are padded inside a chunk but the last padding is not counted", () => {
    const bytes = encodePacket({
      ...base,
      chunks: [
        { type: ChunkType.Heartbeat, info: Uint8Array.of(1, 2, 3) },
        { type: ChunkType.Error, causes: [{ code: 1, value: Uint8Array.of(0, 5) }] },
      ],
    });
    expect(bytes.length).toBe(12 + 12 + 12);
    expect((bytes[14]! << 8) | bytes[15]!).toBe(11);
    expect((bytes[26]! << 8) | bytes[27]!).toBe(10);
    expect(ParamType.HeartbeatInfo).toBe((bytes[16]! << 8) | bytes[17]!);
  });
});
