import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SctpCloseEvent } from "./association-types.js";
import { once, openLink } from "./memory-link.test-helper.js";
import type { Chunk } from "./packet/chunk.js";
import { ChunkType } from "./packet/constants.js";
import { sctpChecksum } from "./packet/crc32c.js";
import { encodePacket } from "./packet/packet.js";
import { recordingLink } from "./recording-link.test-helper.js";
import { chunkTypes, flaggedFrames, tshark, tsharkAvailable, writeSctpPcap } from "./tshark.test-helper.js";

// I-DATA on the wire (RFC 8260): hostile chunks into an established association, and Wireshark's reading of ours.
// Negotiation, interleaving, partial reliability, reset and teardown are in interleave.test.ts.

describe("hostile I-DATA into an established association", () => {
  it("random I-DATA and I-FORWARD-TSN near the window: handlePacket never throws; a lie ends it with a typed error", async () => {
    const chunk = fc.record({
      iForward: fc.boolean(),
      tsnOffset: fc.integer({ min: -2, max: 40 }),
      streamId: fc.integer({ min: 0, max: 3 }),
      mid: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 0xffffffff })),
      fsn: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 0xffffffff })),
      size: fc.integer({ min: 1, max: 1500 }),
      flags: fc.integer({ min: 0, max: 15 }),
    });
    let ended = 0;
    for (let round = 0; round < 6; round++) {
      const { link: l } = recordingLink(true, true);
      await openLink(l);
      let error: string | undefined;
      l.b.addEventListener("close", (e) => {
        error = (e as SctpCloseEvent).error?.code;
      });
      const peerTag = l.a.tcb!.c.peerTag;
      fc.assert(
        fc.property(fc.array(chunk, { minLength: 1, maxLength: 4 }), (list) => {
          const cum = l.b.tcb?.receiver.cumTsn ?? 0;
          const chunks: Chunk[] = list.map((c) => {
            const tsn = (cum + c.tsnOffset) >>> 0;
            if (c.iForward)
              return {
                type: ChunkType.IForwardTsn,
                newCumulativeTsn: tsn,
                streams: [{ streamId: c.streamId, unordered: (c.flags & 4) !== 0, mid: c.mid }],
              };
            const beginning = (c.flags & 2) !== 0;
            return {
              type: ChunkType.IData,
              tsn,
              streamId: c.streamId,
              mid: c.mid,
              fsn: beginning ? 0 : c.fsn,
              ppid: beginning ? 53 : 0,
              userData: new Uint8Array(c.size),
              unordered: (c.flags & 4) !== 0,
              beginning,
              ending: (c.flags & 1) !== 0,
              immediate: (c.flags & 8) !== 0,
            };
          });
          l.b.handlePacket(
            encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: peerTag, chunks }),
          );
        }),
        { numRuns: 300 },
      );
      await new Promise((r) => setImmediate(r));
      if (l.b.state === "closed") {
        ended++;
        expect(error).toBe("ERR_PROTOCOL_VIOLATION");
      }
      await l.close();
    }
    // Huge MIDs and FSNs are lies: the rounds meet some and end (the check is live).
    expect(ended).toBeGreaterThan(0);
  });
});

describe.skipIf(!tsharkAvailable)("tshark reads our I-DATA (Wireshark's RFC 8260 dissector)", () => {
  it("an interleaved session with loss and I-FORWARD-TSN: no malformed packet, MIDs and FSNs as we sent them", async () => {
    const packets: Uint8Array[] = [];
    const { link: l, sent } = recordingLink(
      true,
      true,
      {
        loss: 0.2,
        seed: 5,
        filter: (_from, p) => {
          packets.push(p.slice());
          return p;
        },
      },
      { rtoInitial: 50, rtoMin: 50 },
    );
    await openLink(l);
    let got = 0;
    l.b.addEventListener("message", () => got++);
    for (let i = 0; i < 6; i++) l.a.send(i % 3, 53, new Uint8Array(5000).fill(i));
    for (let i = 0; i < 20; i++)
      l.a.send(3, 53, new Uint8Array(2500), { unordered: i % 2 === 0, maxRetransmits: 0 });
    l.a.send(4, 51, Uint8Array.of(1));
    while (got < 7 || !sent[0].some((c) => c.type === ChunkType.IForwardTsn))
      await once(l.b, "message", 10_000).catch(() => {});
    await l.a.shutdown();
    await l.close();
    const dir = mkdtempSync(join(tmpdir(), "purertc-sctp-idata-tshark-"));
    try {
      const pcap = join(dir, "idata.pcap");
      // Zero checksum was agreed between two purertc ends (RFC 9653): give tshark real CRCs.
      writeSctpPcap(pcap, packets.map(withCrc));
      const flagged = flaggedFrames(pcap);
      expect(flagged).toEqual([]);
      const types = chunkTypes(pcap);
      for (const t of [ChunkType.IData, ChunkType.IForwardTsn]) expect(types).toContain(String(t));
      expect(types).not.toContain(String(ChunkType.Data));
      // Every I-DATA chunk tshark reads carries the MID we sent with its TSN, and the FSNs are ours
      // (tshark lists an FSN only for fragments after the first, so those are compared as a multiset).
      const chunks = sent.flat().flatMap((c) => (c.type === ChunkType.IData ? [c] : []));
      const fields = tshark(
        pcap,
        "-Y",
        "sctp.chunk_type == 64",
        "-T",
        "fields",
        "-e",
        "sctp.data_tsn_raw",
        "-e",
        "sctp.data_mid",
        "-e",
        "sctp.data_fsn",
      ).map((line) => line.split("\t").map((f) => (f === "" ? [] : f.split(","))));
      const theirs = fields.flatMap(([tsns, mids]) => tsns!.map((t, i) => `${t}:${mids![i]}`));
      expect(new Set(theirs)).toEqual(new Set(chunks.map((c) => `${c.tsn}:${c.mid}`)));
      const sorted = (a: number[]) => a.sort((x, y) => x - y);
      expect(sorted(fields.flatMap(([, , fsns]) => (fsns ?? []).map(Number)))).toEqual(
        sorted(chunks.flatMap((c) => (c.beginning ? [] : [c.fsn]))),
      );
      const forwards = tshark(
        pcap,
        "-Y",
        "sctp.chunk_type == 194",
        "-T",
        "fields",
        "-e",
        "sctp.i_forward_tsn_sid",
      );
      expect(forwards.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The packet with its CRC32c filled in (a zero-checksum packet as a CRC-checking reader expects it). */
function withCrc(p: Uint8Array): Uint8Array {
  const b = p.slice();
  b.fill(0, 8, 12);
  const crc = sctpChecksum(b);
  b[8] = crc;
  b[9] = crc >>> 8;
  b[10] = crc >>> 16;
  b[11] = crc >>> 24;
  return b;
}
