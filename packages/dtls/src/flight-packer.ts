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
  // The handshake record being filled (epochs 2 and up): its fragments, their bytes, its epoch.
  let pending: Uint8Array[] = [];
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
    const plain = pending.length === 1 ? pending[0]! : concatAll(pending, pendingSize);
    const rec = records.seal(ContentType.handshake, plain, pendingEpoch);
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
      const frag =
        n === total && item.whole
          ? item.whole
          : encodeHandshakeFragment(item.type, item.seq, item.body, offset, n);
      if (coalesce) {
        pending.push(frag);
        pendingSize += frag.length;
      } else push(records.seal(ContentType.handshake, frag, item.epoch));
      offset += n;
    } while (offset < total);
  }
  flush();
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
