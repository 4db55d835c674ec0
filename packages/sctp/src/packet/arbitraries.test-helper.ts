/** fast-check arbitraries of every chunk type, for the property tests. */
import fc from "fast-check";
import type { Chunk } from "./chunk.js";
import { ChunkType, ParamType } from "./constants.js";
import type { SctpPacket } from "./packet.js";
import type { ReconfigParameter } from "./reconfig.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

const data = fc.record({
  type: fc.constant(ChunkType.Data),
  tsn: u32,
  streamId: u16,
  ssn: u16,
  ppid: u32,
  userData: bytes(1, 64),
  unordered: fc.boolean(),
  beginning: fc.boolean(),
  ending: fc.boolean(),
  immediate: fc.boolean(),
});

const init = fc.record(
  {
    type: fc.constantFrom(ChunkType.Init, ChunkType.InitAck),
    initiateTag: u32,
    aRwnd: u32,
    outboundStreams: u16,
    inboundStreams: u16,
    initialTsn: u32,
    stateCookie: bytes(0, 64),
    supportedExtensions: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
    forwardTsnSupported: fc.boolean(),
    zeroChecksumEdmid: u32,
    unrecognized: fc.constant([] as Uint8Array[]),
  },
  {
    requiredKeys: [
      "type",
      "initiateTag",
      "aRwnd",
      "outboundStreams",
      "inboundStreams",
      "initialTsn",
      "forwardTsnSupported",
      "unrecognized",
    ],
  },
);

const sack = fc.record({
  type: fc.constant(ChunkType.Sack),
  cumulativeTsnAck: u32,
  aRwnd: u32,
  gapAckBlocks: fc.array(fc.record({ start: u16, end: u16 }), { maxLength: 8 }),
  duplicateTsns: fc.array(u32, { maxLength: 8 }),
});

const heartbeat = fc.record({
  type: fc.constantFrom(ChunkType.Heartbeat, ChunkType.HeartbeatAck),
  info: bytes(0, 40),
});

const cause = fc.record({ code: u16, value: bytes(0, 20) });
const abort = fc.record({
  type: fc.constant(ChunkType.Abort),
  reflected: fc.boolean(),
  causes: fc.array(cause, { maxLength: 3 }),
});
const error = fc.record({ type: fc.constant(ChunkType.Error), causes: fc.array(cause, { maxLength: 3 }) });

const simple = fc.oneof(
  fc.record({ type: fc.constant(ChunkType.Shutdown), cumulativeTsnAck: u32 }),
  fc.record({ type: fc.constant(ChunkType.ShutdownAck) }),
  fc.record({ type: fc.constant(ChunkType.ShutdownComplete), reflected: fc.boolean() }),
  fc.record({ type: fc.constant(ChunkType.CookieEcho), cookie: bytes(0, 80) }),
  fc.record({ type: fc.constant(ChunkType.CookieAck) }),
);

const forwardTsn = fc.record({
  type: fc.constant(ChunkType.ForwardTsn),
  newCumulativeTsn: u32,
  streams: fc.array(fc.record({ streamId: u16, ssn: u16 }), { maxLength: 6 }),
});

// The first fragment carries the PPID and FSN 0, the others an FSN and no PPID (RFC 8260 §2.1).
const iData = fc
  .record({
    type: fc.constant(ChunkType.IData),
    tsn: u32,
    streamId: u16,
    mid: u32,
    fsn: u32,
    ppid: u32,
    userData: bytes(1, 64),
    unordered: fc.boolean(),
    beginning: fc.boolean(),
    ending: fc.boolean(),
    immediate: fc.boolean(),
  })
  .map((c) => (c.beginning ? { ...c, fsn: 0 } : { ...c, ppid: 0 }));

const iForwardTsn = fc.record({
  type: fc.constant(ChunkType.IForwardTsn),
  newCumulativeTsn: u32,
  streams: fc.array(fc.record({ streamId: u16, unordered: fc.boolean(), mid: u32 }), { maxLength: 6 }),
});

const reconfigParam: fc.Arbitrary<ReconfigParameter> = fc.oneof(
  fc.record({
    type: fc.constant(ParamType.OutgoingSsnReset),
    requestSeq: u32,
    responseSeq: u32,
    senderLastTsn: u32,
    streamIds: fc.array(u16, { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constant(ParamType.IncomingSsnReset),
    requestSeq: u32,
    streamIds: fc.array(u16, { maxLength: 5 }),
  }),
  fc.record({ type: fc.constant(ParamType.SsnTsnReset), requestSeq: u32 }),
  fc.record({ type: fc.constant(ParamType.ReconfigResponse), responseSeq: u32, result: u32 }),
  fc.record({
    type: fc.constant(ParamType.ReconfigResponse),
    responseSeq: u32,
    result: u32,
    senderNextTsn: u32,
    receiverNextTsn: u32,
  }),
  fc.record({
    type: fc.constantFrom(ParamType.AddOutgoingStreams, ParamType.AddIncomingStreams),
    requestSeq: u32,
    newStreams: u16,
  }),
);
const reconfig = fc.record({
  type: fc.constant(ChunkType.ReConfig),
  params: fc.array(reconfigParam, { minLength: 1, maxLength: 2 }),
});

// Unknown chunk types with the "skip" bit (10, 11) so they never stop processing.
const unknown = fc
  .tuple(
    fc
      .integer({ min: 0x80, max: 0xff })
      .filter((t) => t !== ChunkType.ForwardTsn && t !== ChunkType.ReConfig && t !== ChunkType.IForwardTsn),
    fc.integer({ min: 0, max: 255 }),
    bytes(0, 12),
  )
  .map(([t, flags, v]) => {
    const raw = new Uint8Array(4 + v.length);
    raw[0] = t;
    raw[1] = flags;
    raw[2] = raw.length >> 8;
    raw[3] = raw.length & 0xff;
    raw.set(v, 4);
    return { type: "unknown" as const, chunkType: t, flags, raw };
  });

/** Any chunk the codec encodes (whose decoding gives it back). */
export const arbChunk: fc.Arbitrary<Chunk> = fc.oneof(
  { weight: 4, arbitrary: data },
  init,
  sack,
  heartbeat,
  abort,
  error,
  simple,
  forwardTsn,
  reconfig,
  { weight: 2, arbitrary: iData },
  iForwardTsn,
  unknown,
) as fc.Arbitrary<Chunk>;

/** A packet of 0..5 chunks. */
export const arbPacket: fc.Arbitrary<SctpPacket> = fc.record({
  sourcePort: u16,
  destinationPort: u16,
  verificationTag: u32,
  chunks: fc.array(arbChunk, { maxLength: 5 }),
});
