import { describe, expect, it } from "vitest";
import { SctpError } from "../errors.js";
import { ChunkType, decodePacket, encodePacket, type IForwardTsnChunk, type SctpPacket } from "./index.js";

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

const header = { sourcePort: 5000, destinationPort: 5000, verificationTag: 0x01020304 };

/** The packet's chunk bytes (after the 12-byte common header). */
function chunkBytes(p: SctpPacket): string {
  return Buffer.from(encodePacket(p).subarray(12)).toString("hex");
}

// Layouts of RFC 8260 §2.1 (I-DATA) and §2.3.1 (I-FORWARD-TSN), written out by hand.
describe("I-DATA and I-FORWARD-TSN wire format (RFC 8260)", () => {
  it("a first fragment carries the PPID where later ones carry the FSN", () => {
    const first = {
      type: ChunkType.IData,
      tsn: 0x11223344,
      streamId: 7,
      mid: 0xfffffffe,
      fsn: 0,
      ppid: 53,
      userData: hex("aabbcc"),
      unordered: true,
      beginning: true,
      ending: false,
      immediate: true,
    } as const;
    //           type flags(I U B) len  TSN      SID  rsvd MID      PPID     data   pad
    const bytes = "40 0e 0017 11223344 0007 0000 fffffffe 00000035 aabbcc 00";
    expect(chunkBytes({ ...header, chunks: [first] })).toBe(bytes.replace(/\s+/g, ""));
    const later = { ...first, beginning: false, ending: true, immediate: false, fsn: 2, ppid: 0 };
    //           type flags(U E) len  TSN      SID  rsvd MID      FSN      data   pad
    const bytes2 = "40 05 0017 11223344 0007 0000 fffffffe 00000002 aabbcc 00";
    expect(chunkBytes({ ...header, chunks: [later] })).toBe(bytes2.replace(/\s+/g, ""));
    const decoded = decodePacket(encodePacket({ ...header, chunks: [first, later] })).chunks;
    expect(decoded).toEqual([first, later]);
  });

  it("I-FORWARD-TSN: new cumulative TSN, then (stream, U bit, MID) entries of 8 bytes", () => {
    const f: IForwardTsnChunk = {
      type: ChunkType.IForwardTsn,
      newCumulativeTsn: 0xdeadbeef,
      streams: [
        { streamId: 1, unordered: false, mid: 5 },
        { streamId: 0xffff, unordered: true, mid: 0xffffffff },
      ],
    };
    const bytes = "c2 00 0018 deadbeef 0001 0000 00000005 ffff 0001 ffffffff";
    expect(chunkBytes({ ...header, chunks: [f] })).toBe(bytes.replace(/\s+/g, ""));
    expect(decodePacket(encodePacket({ ...header, chunks: [f] })).chunks).toEqual([f]);
  });

  it("short or empty chunks and lengths that are not 8 + 8n are typed errors", () => {
    const bad = [
      "40 03 0013 00000001 0000 0000 00000000 000000", // I-DATA of 19 bytes
      "40 03 0014 00000001 0000 0000 00000000 00000000", // I-DATA without user data
      "c2 00 000c deadbeef 00010000", // I-FORWARD-TSN with half an entry
      "c2 00 0004", // I-FORWARD-TSN without a TSN
    ];
    for (const b of bad) {
      const packet = new Uint8Array([...encodePacket({ ...header, chunks: [] }), ...hex(b)]);
      const padded = new Uint8Array((packet.length + 3) & ~3);
      padded.set(packet);
      expect(() => decodePacket(padded, { skipChecksum: true }), b).toThrow(SctpError);
    }
  });
});
