import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import type { ChannelPair } from "./pair.js";

/**
 * "node-floor": what Node 20's own primitives cost for the bulk row's bytes,
 * with no protocol at all. One thread seals each 1,178-byte record (the
 * channel's SCTP packet size) with AES-128-GCM from node:crypto (a cipher
 * object per record, as every Node DTLS must: Node 20 has no one-shot AEAD),
 * sends it with node:dgram to a second socket of the same process on
 * loopback, receives it and opens it; at most {@link WINDOW} records are in
 * flight (the receiver's kernel buffer never overflows, so nothing is lost or
 * retransmitted). No DTLS framing, no replay window, no SCTP, no
 * acknowledgements, no reassembly: every record's plaintext is counted as it
 * is opened. The stack's figure divided by this one is how much of the floor
 * the protocols keep; the floor divided by node-datachannel's figure bounds
 * what any JavaScript stack on this thread can reach.
 *
 * Plain node:dgram sockets, not @purertc/socket: the floor is Node's, not ours.
 */

/** The channel's SCTP packet size on loopback (pc.sctp.maxPacketSize), the raw DTLS row's record size too. */
export const FLOOR_RECORD = 1178;
/** Records sent and not yet received: ~80 KB, well inside a loopback socket's default receive buffer. */
const WINDOW = 64;
const HEADER = 8; // the record's sequence number, also its additional data
const TAG = 16;

const bound = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });

/** A connected "pair" of the floor: two sockets, one key, sealing on send and opening on receipt. */
export async function floorPair(): Promise<ChannelPair> {
  const start = performance.now();
  const key = randomBytes(16);
  const salt = randomBytes(4);
  const tx = createSocket("udp4");
  const rx = createSocket("udp4");
  await bound(tx);
  await bound(rx);
  const port = rx.address().port;
  const nonce = Buffer.alloc(12);
  salt.copy(nonce, 0);
  let seq = 0;
  let inFlight = 0;
  /** Messages given to send() and not yet wholly sealed, and how far into the first one. */
  const queue: Uint8Array[] = [];
  let offset = 0;
  let buffered = 0;
  let threshold = 0;
  let onLow: (() => void) | undefined;
  let onData: ((n: number) => void) | undefined;
  let failedOpens = 0;

  const seal = (plain: Uint8Array): Buffer => {
    const out = Buffer.allocUnsafe(HEADER + plain.length + TAG);
    out.writeUInt32BE(0, 0);
    out.writeUInt32BE(seq++, 4);
    out.copy(nonce, 4, 0, HEADER);
    const cipher = createCipheriv("aes-128-gcm", key, nonce);
    cipher.setAAD(out.subarray(0, HEADER));
    cipher.update(plain).copy(out, HEADER);
    cipher.final();
    cipher.getAuthTag().copy(out, HEADER + plain.length);
    return out;
  };

  const pump = () => {
    while (inFlight < WINDOW && queue.length) {
      const message = queue[0]!;
      const n = Math.min(FLOOR_RECORD, message.length - offset);
      tx.send(seal(message.subarray(offset, offset + n)), port, "127.0.0.1");
      inFlight++;
      offset += n;
      const before = buffered;
      buffered -= n;
      if (offset >= message.length) {
        queue.shift();
        offset = 0;
      }
      if (before > threshold && buffered <= threshold) onLow?.();
    }
  };

  rx.on("message", (record: Buffer) => {
    inFlight--;
    const body = record.length - HEADER - TAG;
    record.copy(nonce, 4, 0, HEADER);
    const decipher = createDecipheriv("aes-128-gcm", key, nonce);
    decipher.setAAD(record.subarray(0, HEADER));
    decipher.setAuthTag(record.subarray(HEADER + body));
    const plain = decipher.update(record.subarray(HEADER, HEADER + body));
    try {
      decipher.final();
    } catch {
      failedOpens++;
      return;
    }
    onData?.(plain.length);
    pump();
  });

  return {
    openMs: performance.now() - start,
    send: (data) => {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      queue.push(bytes);
      buffered += bytes.length;
      pump();
    },
    bufferedAmount: () => buffered,
    onBufferedAmountLow: (at, fn) => {
      threshold = at;
      onLow = fn;
      return () => {
        onLow = undefined;
      };
    },
    onMessage: (fn) => {
      onData = fn;
      return () => {
        onData = undefined;
      };
    },
    close: async () => {
      if (failedOpens) process.stderr.write(`node-floor: ${failedOpens} records failed to open\n`);
      await Promise.all([
        new Promise<void>((r) => tx.close(() => r())),
        new Promise<void>((r) => rx.close(() => r())),
      ]);
    },
  };
}
