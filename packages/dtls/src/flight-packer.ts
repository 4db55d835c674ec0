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

/**
 * Seals a flight into records (each message in the epoch it belongs to,
 * fragmented to fit) and packs them into datagrams of at most `mtu` bytes,
 * handed to `send` in order. Run again for a retransmission: same epochs and
 * keys, new record numbers (RFC 6347 §4.2.4, RFC 9147 §4.2.1).
 */
export function packFlight(
  flight: readonly FlightItem[],
  records: RecordLayer,
  mtu: number,
  send: (datagram: Uint8Array) => void,
): void {
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
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
  for (const item of flight) {
    if (item.kind === "ccs") {
      push(records.seal(ContentType.changeCipherSpec, CCS_BODY, 0));
      continue;
    }
    const room = Math.max(mtu - records.overhead(item.epoch) - HANDSHAKE_HEADER_LENGTH, 64);
    const total = item.body.length;
    let offset = 0;
    do {
      const remaining = total - offset;
      let free = mtu - size - records.overhead(item.epoch) - HANDSHAKE_HEADER_LENGTH;
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
      push(records.seal(ContentType.handshake, frag, item.epoch));
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
