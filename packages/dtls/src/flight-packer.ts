import { encodeHandshakeFragment, HANDSHAKE_HEADER_LENGTH } from "./handshake/header.js";
import { ContentType } from "./record/header.js";
import type { RecordLayer } from "./record/record-layer.js";

/** One entry of a flight: a handshake message or a ChangeCipherSpec. */
export type FlightItem =
  | {
      kind: "handshake";
      type: number;
      seq: number;
      body: Uint8Array;
      epoch: number;
      /** The whole message with its header (as hashed), sent as is when it fits in one fragment. */
      whole?: Uint8Array;
    }
  | { kind: "ccs" };

const CCS_BODY = Uint8Array.of(1);
/** Most plaintext bytes in one record (RFC 8446 §5.1). */
const MAX_PLAINTEXT = 16384;

/**
 * Seals a flight into records (each message in the epoch it belongs to,
 * fragmented to fit) and packs them into datagrams of at most `mtu` bytes,
 * handed to `send` in order. Run again for a retransmission: same epochs and
 * keys, new record numbers (RFC 6347 §4.2.4, RFC 9147 §4.2.1).
 *
 * DTLS 1.3's encrypted epochs (2 and up) carry consecutive handshake messages
 * of one epoch in one record while they fit (RFC 8446 §5.1 and RFC 9147 §5.5
 * allow several per record; BoringSSL sends them so): every record there costs an AEAD and
 * a record-number mask on both sides, and a server flight of five messages
 * took five of each. DTLS 1.2's flights stay one message per record, as
 * before (plaintext records cost nothing to seal).
 */
export function packFlight(
  flight: readonly FlightItem[],
  records: RecordLayer,
  mtu: number,
  send: (datagram: Uint8Array) => void,
): void {
  let parts: Uint8Array[] = [];
  let size = 0;
  // The handshake record being filled (epochs 2 and up): its fragments (written into one plaintext
  // when it is sealed, no buffer per fragment), their bytes with headers, its epoch.
  let pending: Fragment[] = [];
  let pendingSize = 0;
  let pendingEpoch = -1;
  const flush = () => {
    seal();
    if (parts.length === 0) return;
    const d = parts.length === 1 ? parts[0]! : concatAll(parts, size);
    parts = [];
    size = 0;
    send(d);
  };
  const push = (rec: Uint8Array) => {
    if (size + rec.length > mtu) flush();
    parts.push(rec);
    size += rec.length;
  };
  /** Seals the handshake record being filled into the current datagram (room for it was kept). */
  function seal(): void {
    if (pending.length === 0) return;
    const rec = records.seal(ContentType.handshake, writeFragments(pending, pendingSize), pendingEpoch);
    pending = [];
    pendingSize = 0;
    parts.push(rec);
    size += rec.length;
  }
  for (const item of flight) {
    if (item.kind === "ccs") {
      seal();
      push(records.seal(ContentType.changeCipherSpec, CCS_BODY, 0));
      continue;
    }
    const coalesce = item.epoch >= 2;
    if (pendingEpoch !== item.epoch) seal();
    pendingEpoch = item.epoch;
    const overhead = records.overhead(item.epoch);
    const room = Math.max(mtu - overhead - HANDSHAKE_HEADER_LENGTH, 64);
    const total = item.body.length;
    let offset = 0;
    do {
      const remaining = total - offset;
      // What fits beside the datagram's records and the record being filled (a record's plaintext
      // stays within 2^14 bytes even with a large mtu).
      let free = Math.min(
        mtu - size - overhead - pendingSize - HANDSHAKE_HEADER_LENGTH,
        MAX_PLAINTEXT - pendingSize - HANDSHAKE_HEADER_LENGTH,
      );
      // Start a new datagram unless a useful part of the message fits in this one.
      if (free < Math.min(remaining, 64)) {
        flush();
        free = room;
      }
      const n = Math.min(remaining, free);
      if (coalesce) {
        pending.push({ type: item.type, seq: item.seq, body: item.body, offset, length: n });
        pendingSize += HANDSHAKE_HEADER_LENGTH + n;
      } else {
        const frag =
          n === total && item.whole
            ? item.whole
            : encodeHandshakeFragment(item.type, item.seq, item.body, offset, n);
        push(records.seal(ContentType.handshake, frag, item.epoch));
      }
      offset += n;
    } while (offset < total);
  }
  flush();
}

/** A fragment to write into a coalesced record: `body[offset, offset + length)` of message `seq`. */
interface Fragment {
  type: number;
  seq: number;
  body: Uint8Array;
  offset: number;
  length: number;
}

/** The plaintext of a record of several fragments, each with its handshake header (RFC 9147 §5.2). */
function writeFragments(fragments: readonly Fragment[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const f of fragments) {
    const total = f.body.length;
    out[o] = f.type;
    out[o + 1] = total >>> 16;
    out[o + 2] = (total >>> 8) & 0xff;
    out[o + 3] = total & 0xff;
    out[o + 4] = f.seq >>> 8;
    out[o + 5] = f.seq & 0xff;
    out[o + 6] = f.offset >>> 16;
    out[o + 7] = (f.offset >>> 8) & 0xff;
    out[o + 8] = f.offset & 0xff;
    out[o + 9] = f.length >>> 16;
    out[o + 10] = (f.length >>> 8) & 0xff;
    out[o + 11] = f.length & 0xff;
    out.set(
      f.offset === 0 && f.length === total ? f.body : f.body.subarray(f.offset, f.offset + f.length),
      o + HANDSHAKE_HEADER_LENGTH,
    );
    o += HANDSHAKE_HEADER_LENGTH + f.length;
  }
  return out;
}

function concatAll(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
