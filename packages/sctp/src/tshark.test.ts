import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SctpMessageEvent } from "./association-types.js";
import { once } from "./memory-link.test-helper.js";
import { CauseCode, ChunkType, ParamType } from "./packet/constants.js";
import { encodePacket } from "./packet/packet.js";
import { weriftPeer } from "./werift.test-helper.js";

// tshark (Wireshark's SCTP dissector, CRC32c checking on) as an independent
// oracle of what we encode. Under CI=true a missing tshark fails the file.
const TSHARK = "/usr/bin/tshark";
const available = existsSync(TSHARK);
if (!available && process.env.CI === "true") {
  throw new Error(`interop peer missing in CI: ${TSHARK} (apt-get install -y tshark)`);
}

/** Writes SCTP packets as raw IPv4 (protocol 132) in a pcap file. */
function writeSctpPcap(path: string, packets: Uint8Array[]): void {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(101, 20); // LINKTYPE_RAW
  parts.push(global);
  packets.forEach((p, i) => {
    const ip = Buffer.alloc(20);
    const total = 20 + p.length;
    ip[0] = 0x45;
    ip.writeUInt16BE(total, 2);
    ip.writeUInt16BE(i + 1, 4);
    ip[8] = 64;
    ip[9] = 132; // SCTP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(total, 8);
    record.writeUInt32LE(total, 12);
    parts.push(record, ip, Buffer.from(p));
  });
  writeFileSync(path, Buffer.concat(parts));
}

function tshark(pcap: string, ...args: string[]): string[] {
  const r = spawnSync(TSHARK, ["-r", pcap, "-o", "sctp.checksum:CRC-32C", ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length > 0);
}

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
      const flagged = tshark(
        pcap,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= warning || sctp.checksum.status == 0",
        "-T",
        "fields",
        "-e",
        "frame.number",
      );
      expect(flagged).toEqual([String(all.length + 1)]);
      const types = new Set(
        tshark(pcap, "-T", "fields", "-e", "sctp.chunk_type").flatMap((l) => l.split(",")),
      );
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
