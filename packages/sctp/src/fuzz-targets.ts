/**
 * The fuzz targets of @purertc/sctp for `npm run fuzz` (tools/bench/src/fuzz):
 * the packet decoder with every chunk and parameter parser behind it (the
 * checksum check skipped, so mutated input reaches the chunk parsers rather
 * than stopping at CRC32c). Seeds are the packets of a real exchange between
 * two associations: INIT to SHUTDOWN-COMPLETE with DATA, SACKs with gap
 * blocks, FORWARD-TSN and RE-CONFIG, once with DATA and once with I-DATA and
 * I-FORWARD-TSN (RFC 8260) negotiated. (The association's own handling of
 * hostile packets is covered by robustness.test.ts, which can await it.)
 * Not part of the library's API (subpath `@purertc/sctp/fuzz`).
 * @module
 */
import { SctpAssociation } from "./association.js";
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import { decodePacket } from "./packet/packet.js";
import { DataReceiver } from "./reassembly.js";

/** One parser under fuzz: `run` must return or throw an error `expected` accepts. */
export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  run(input: Uint8Array): void;
  expected(error: unknown): boolean;
}

const isSctpError = (error: unknown) => error instanceof SctpError;

/** Bounded wait for `predicate`, polling on the event loop. */
async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`SCTP seed capture: ${what} did not happen in ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * The packets of two associations talking over an in-memory link that drops
 * every 7th packet from A (gap blocks, retransmissions and, for a
 * maxRetransmits:0 message, FORWARD-TSN), with a stream reset and a shutdown;
 * `interleaving`: I-DATA and I-FORWARD-TSN instead of DATA and FORWARD-TSN.
 */
export async function captureSctpPackets(interleaving = false): Promise<Uint8Array[]> {
  const sent: Uint8Array[] = [];
  let fromA = 0;
  const link = (to: () => SctpAssociation, dropEvery: number) => ({
    send(packet: Uint8Array) {
      sent.push(packet.slice());
      if (dropEvery && ++fromA % dropEvery === 0) return;
      const copy = packet.slice();
      setImmediate(() => to().handlePacket(copy));
    },
  });
  const options = { rtoInitial: 50, rtoMin: 20, interleaving };
  const a: SctpAssociation = new SctpAssociation({ transport: link(() => b, 7), ...options });
  const b: SctpAssociation = new SctpAssociation({ transport: link(() => a, 0), ...options });
  let received = 0;
  b.addEventListener("message", () => received++);
  try {
    a.connect();
    b.connect();
    await until(() => a.state === "established" && b.state === "established", "the handshake");
    for (let i = 0; i < 40; i++)
      a.send(1 + (i % 3), 51, new Uint8Array(300 + i * 37), { unordered: i % 2 === 0 });
    a.send(4, 53, new Uint8Array(5000)); // fragmented
    for (let i = 0; i < 10; i++) a.send(5, 51, new Uint8Array(100), { maxRetransmits: 0 });
    await until(() => received >= 41, "the reliable messages");
    a.resetStreams([1, 2]);
    await new Promise((r) => setTimeout(r, 100));
    await a.shutdown();
  } finally {
    await a.close();
    await b.close();
  }
  return sent;
}

/** The SCTP fuzz targets, seeded with {@link captureSctpPackets}' packets. */
export async function sctpFuzzTargets(): Promise<FuzzTarget[]> {
  const seeds = [...(await captureSctpPackets(false)), ...(await captureSctpPackets(true))];
  return [
    {
      name: "SCTP packet (decode: common header, every chunk and parameter)",
      seeds,
      run: (b) => void decodePacket(b, { skipChecksum: true }),
      expected: isSctpError,
    },
    {
      name: "SCTP reassembly (a receiver fed the packet's DATA, I-DATA, FORWARD-TSN and I-FORWARD-TSN chunks)",
      seeds,
      run: reassemble,
      expected: isSctpError,
    },
  ];
}

/** Feeds a decoded packet's user data chunks to a fresh receiver (small window and messages: limits are reached). */
function reassemble(input: Uint8Array): void {
  const chunks = decodePacket(input, { skipChecksum: true }).chunks;
  let receiver: DataReceiver | undefined;
  for (const c of chunks) {
    if (
      c.type !== ChunkType.IData &&
      c.type !== ChunkType.Data &&
      c.type !== ChunkType.IForwardTsn &&
      c.type !== ChunkType.ForwardTsn
    )
      continue;
    receiver ??= new DataReceiver(
      c.type === ChunkType.IForwardTsn || c.type === ChunkType.ForwardTsn ? c.newCumulativeTsn : c.tsn,
      32_768,
      8192,
      {
        deliver: noop,
        tooBig: noop,
        violation: noop,
      },
    );
    if (c.type === ChunkType.IForwardTsn || c.type === ChunkType.ForwardTsn) receiver.forward(c);
    else receiver.receive(c);
  }
}

function noop(): void {}
