import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SctpMessageEvent } from "./association-types.js";
import { once } from "./memory-link.test-helper.js";
import { CauseCode, ChunkType, ParamType } from "./packet/constants.js";
import { encodePacket } from "./packet/packet.js";
import {
  tsharkAvailable as available,
  chunkTypes,
  flaggedFrames,
  tshark,
  writeSctpPcap,
} from "./tshark.test-helper.js";
import { weriftPeer } from "./werift.test-helper.js";

const hdr = { sourcePort: 5000, destinationPort: 5000, verificationTag: 0x01020304 };
const crafted: Uint8Array[] = [
  encodePacket({
    ...hdr,
    chunks: [
      {
        type: ChunkType.Sack,
        cumulativeTsnAck: 100,
        aRwnd: 65536,
        gapAckBlocks: [
          { start: 2, end: 3 },
          { start: 6, end: 6 },
        ],
        duplicateTsns: [99],
      },
      { type: ChunkType.ForwardTsn, newCumulativeTsn: 120, streams: [{ streamId: 3, ssn: 7 }] },
      { type: ChunkType.Heartbeat, info: Uint8Array.of(1, 2, 3, 4, 5) },
    ],
  }),
  encodePacket({
    ...hdr,
    chunks: [
      {
        type: ChunkType.ReConfig,
        params: [
          { type: ParamType.IncomingSsnReset, requestSeq: 5, streamIds: [1, 2, 3] },
          { type: ParamType.AddOutgoingStreams, requestSeq: 6, newStreams: 16 },
        ],
      },
      {
        type: ChunkType.ReConfig,
        params: [
          {
            type: ParamType.ReconfigResponse,
            responseSeq: 9,
            result: 1,
            senderNextTsn: 7,
            receiverNextTsn: 8,
          },
        ],
      },
    ],
  }),
  encodePacket({
    ...hdr,
    chunks: [
      {
        type: ChunkType.Error,
        causes: [{ code: CauseCode.InvalidStreamIdentifier, value: Uint8Array.of(0, 9, 0, 0) }],
      },
      {
        type: ChunkType.Abort,
        reflected: true,
        causes: [{ code: CauseCode.UserInitiatedAbort, value: new TextEncoder().encode("bye") }],
      },
    ],
  }),
];

describe.skipIf(!available)("tshark reads what we encode", () => {
  it("a whole session with werift and crafted chunks: no malformed packet, every CRC32c good", async () => {
    const peer = weriftPeer("server");
    await peer.werift.start(5000);
    const opened = once(peer.ours, "open");
    peer.ours.connect();
    await opened;
    peer.werift.onReceive.subscribe((s, p, d) => void peer.werift.send(s, p, d, { ordered: true }));
    for (let i = 0; i < 20; i++) peer.ours.send(1, 51, new Uint8Array(3000).fill(i));
    for (let got = 0; got < 20; got++) await once<SctpMessageEvent>(peer.ours, "message");
    peer.ours.resetStreams([1]);
    await once(peer.ours, "streamreset");
    await peer.ours.shutdown();
    await peer.close();
    const ours = peer.packets.filter((p) => p.from === "ours").map((p) => p.bytes);
    const all = [...ours, ...crafted];

    const dir = mkdtempSync(join(tmpdir(), "purertc-sctp-tshark-"));
    try {
      const pcap = join(dir, "sctp.pcap");
      // Last, a negative control: a flipped bit must be flagged, or the oracle is blind.
      const flipped = new Uint8Array(crafted[0]!);
      flipped[20] = flipped[20]! ^ 1;
      writeSctpPcap(pcap, [...all, flipped]);
      const flagged = flaggedFrames(pcap);
      expect(flagged).toEqual([String(all.length + 1)]);
      const types = chunkTypes(pcap);
      // INIT, COOKIE-ECHO, DATA, SACK, RE-CONFIG, SHUTDOWN, SHUTDOWN-COMPLETE from the session; the crafted rest.
      for (const t of [0, 1, 3, 4, 6, 7, 9, 10, 14, 130, 192]) expect(types).toContain(String(t));
      const sack = tshark(
        pcap,
        "-Y",
        "sctp.sack_cumulative_tsn_ack == 100",
        "-T",
        "fields",
        "-e",
        "sctp.sack_gap_block_start",
        "-e",
        "sctp.sack_duplicate_tsn",
      );
      expect(sack).toEqual(["2,6\t99"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
