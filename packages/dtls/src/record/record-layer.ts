import { DtlsError } from "../errors.js";
import type { RecordAead } from "./aead.js";
import { type RecordAead13, reconstructSequence, type UnifiedRecord } from "./aead13.js";
import { DTLS_1_2, type DtlsRecord, encodeRecord } from "./header.js";
import { ReplayWindow } from "./replay-window.js";

/** A DTLS 1.3 read epoch: its keys and replay window. */
interface ReadState13 {
  epoch: number;
  aead: RecordAead13;
  window: ReplayWindow;
}

/** Largest DTLS 1.3 record body parseUnifiedRecord accepts (2^14 + 256, RFC 8446 §5.2). */
const MAX_CIPHERTEXT_13 = 16384 + 256;

/** 2^48 - 1: the last record sequence number of an epoch (RFC 6347 §4.1). */
const MAX_SEQUENCE = 2 ** 48 - 1;

/**
 * The record layer state of one connection: per-epoch write sequence numbers
 * and ciphers, per-epoch read ciphers and replay windows. DTLS 1.2 over
 * WebRTC uses epoch 0 (plaintext hello flights) and epoch 1 (after
 * ChangeCipherSpec); renegotiation, which would add epochs, is refused.
 */
export class RecordLayer {
  /** Epoch new records are written in. */
  writeEpoch = 0;
  private readonly writeSeq: number[] = [0, 0];
  private readonly writeCipher: (RecordAead | undefined)[] = [undefined, undefined];
  private readonly readCipher: (RecordAead | undefined)[] = [undefined, undefined];
  private readonly replay: ReplayWindow[] = [new ReplayWindow(), new ReplayWindow()];
  /** Records dropped because they failed authentication. */
  authFailures = 0;
  /** Records dropped as replays or too old. */
  replays = 0;

  /** Installs the epoch-1 ciphers (after the key block is derived). */
  setEpochOneCiphers(read: RecordAead, write: RecordAead): void {
    this.readCipher[1] = read;
    this.writeCipher[1] = write;
  }

  /** True when records of `epoch` can be opened. */
  canRead(epoch: number): boolean {
    return epoch === 0 || (epoch === 1 && this.readCipher[1] !== undefined);
  }

  /** Sets the next epoch-0 write sequence number (a server continuing from a cookie exchange). */
  setWriteSequence(epoch: number, seq: number): void {
    this.writeSeq[epoch] = seq;
  }

  // DTLS 1.3 (RFC 9147): epochs 2 (handshake), 3 (application) and up (KeyUpdate), each with
  // its own ciphers; the handshake epoch stays readable after the handshake (a retransmitted
  // Finished is acknowledged again).
  private readonly write13 = new Map<number, RecordAead13>();
  private readonly read13 = new Map<number, ReadState13>();
  /** The read state each value of the two epoch bits selects (the highest such epoch), kept per change. */
  private readonly readByBits: (ReadState13 | undefined)[] = [undefined, undefined, undefined, undefined];

  private indexReadEpochs(): void {
    this.readByBits.fill(undefined);
    for (const s of this.read13.values()) {
      const i = s.epoch & 3;
      const cur = this.readByBits[i];
      if (!cur || s.epoch > cur.epoch) this.readByBits[i] = s;
    }
  }

  /** Installs DTLS 1.3 keys of `epoch` for reading and/or writing. */
  setEpoch13(epoch: number, read: RecordAead13 | undefined, write: RecordAead13 | undefined): void {
    if (read) {
      this.read13.set(epoch, { epoch, aead: read, window: new ReplayWindow() });
      this.indexReadEpochs();
    }
    if (write) {
      this.write13.set(epoch, write);
      this.writeSeq[epoch] = 0;
    }
  }

  /** Forgets the read keys of `epoch` (an old epoch after a KeyUpdate). */
  dropReadEpoch13(epoch: number): void {
    this.read13.delete(epoch);
    this.indexReadEpochs();
  }

  /** Forgets the write keys of `epoch`. */
  dropWriteEpoch13(epoch: number): void {
    this.write13.delete(epoch);
  }

  /** True when some DTLS 1.3 read epoch has these two low bits. */
  canReadBits13(bits: number): boolean {
    return this.readByBits[bits & 3] !== undefined;
  }

  /** True when DTLS 1.3 records of `epoch` can be opened. */
  canRead13(epoch: number): boolean {
    return this.read13.has(epoch);
  }

  /** The next write sequence number of `epoch`. */
  writeSequence(epoch: number): number {
    return this.writeSeq[epoch] ?? 0;
  }

  /**
   * Opens a DTLS 1.3 record with the read epoch its two epoch bits match
   * (the highest if several), reconstructing its sequence number (RFC 9147
   * §4.2.2). Undefined (counted) when no epoch fits, on a replay, or when it
   * does not authenticate.
   */
  open13(r: UnifiedRecord): { epoch: number; seq: number; type: number; content: Uint8Array } | undefined {
    const state = this.readByBits[r.epochBits & 3];
    if (!state) return undefined;
    const epoch = state.epoch;
    if (r.body.length < 17) {
      this.authFailures++;
      return undefined;
    }
    const bits = state.aead.sequenceBits(r);
    const seq = reconstructSequence(bits, r.seqLength as 1 | 2, state.window.highest + 1);
    if (!state.window.check(seq)) {
      this.replays++;
      return undefined;
    }
    let opened: { type: number; content: Uint8Array };
    try {
      opened = state.aead.open(r, seq);
    } catch {
      this.authFailures++;
      return undefined;
    }
    state.window.accept(seq);
    return { epoch, seq, type: opened.type, content: opened.content };
  }

  /** Epoch, sequence number and content type of the record {@link openWhole13} opened last. */
  opened13 = { epoch: 0, seq: 0, type: 0 };

  /**
   * The receive fast path of a connected DTLS 1.3 connection: a datagram that
   * is exactly one record with the header every record we know of uses for
   * application data (16-bit sequence number, length present, no connection
   * ID: first byte 0x2c | epoch bits) and a read epoch for its bits. Returns
   * the content (fields in {@link opened13}), undefined when the record is
   * dropped (counted as {@link open13} counts), or null when the datagram has
   * another shape: then it goes through parseDatagram and {@link open13}.
   * It saves the parse's arrays, record objects and views on every datagram
   * (a quarter of the JS-heap garbage of a DTLS record's receive path, which
   * sets how often the young generation is collected in a bulk transfer).
   */
  openWhole13(d: Uint8Array): Uint8Array | undefined | null {
    const first = d[0]!;
    if ((first & 0xfc) !== 0x2c || d.length < 5 + 17 || d.length > 5 + MAX_CIPHERTEXT_13) return null;
    if (((d[3]! << 8) | d[4]!) !== d.length - 5) return null;
    const state = this.readByBits[first & 3];
    if (!state) return null;
    const aead = state.aead;
    const body = d.subarray(5);
    const seq = reconstructSequence(aead.sequenceBitsAt(d, 2, body), 2, state.window.highest + 1);
    if (!state.window.check(seq)) {
      this.replays++;
      return undefined;
    }
    let content: Uint8Array;
    try {
      content = aead.openAt(d, 5, 2, seq, body);
    } catch {
      this.authFailures++;
      return undefined;
    }
    state.window.accept(seq);
    const o = this.opened13;
    o.epoch = state.epoch;
    o.seq = seq;
    o.type = aead.openedType;
    return content;
  }

  /** Encodes one record in `epoch` (default: the write epoch), protected when the epoch has a cipher. */
  seal(type: number, plaintext: Uint8Array, epoch = this.writeEpoch): Uint8Array {
    const seq = this.writeSeq[epoch] ?? 0;
    if (seq > MAX_SEQUENCE) throw new DtlsError("ERR_DTLS_STATE", "record sequence numbers exhausted");
    this.writeSeq[epoch] = seq + 1;
    if (epoch === 0) return encodeRecord(type, DTLS_1_2, 0, seq, plaintext);
    if (epoch >= 2) {
      const c = this.write13.get(epoch);
      if (!c) throw new DtlsError("ERR_DTLS_STATE", `no cipher for epoch ${epoch}`);
      return c.seal(epoch, seq, type, plaintext);
    }
    const cipher = this.writeCipher[epoch];
    if (!cipher) throw new DtlsError("ERR_DTLS_STATE", `no cipher for epoch ${epoch}`);
    return cipher.seal(type, DTLS_1_2, epoch, seq, plaintext);
  }

  /**
   * Opens a record: checks the replay window, authenticates and decrypts.
   * Returns undefined (and counts) for replays and records that fail
   * authentication: they are dropped silently (RFC 6347 §4.1.2.7).
   */
  open(record: DtlsRecord): Uint8Array | undefined {
    const { epoch } = record;
    if (epoch === 0) return record.body;
    const cipher = this.readCipher[epoch];
    const window = this.replay[epoch];
    if (!cipher || !window) return undefined;
    if (!window.check(record.sequence)) {
      this.replays++;
      return undefined;
    }
    let plain: Uint8Array;
    try {
      plain = cipher.open(record.type, record.version, epoch, record.sequence, record.body);
    } catch {
      this.authFailures++;
      return undefined;
    }
    window.accept(record.sequence);
    return plain;
  }

  /** Drops the epoch-1 ciphers (on close: nothing is sealed or opened after it). */
  release(): void {
    this.writeCipher[1] = undefined;
    this.readCipher[1] = undefined;
    this.write13.clear();
    this.read13.clear();
    this.readByBits.fill(undefined);
  }

  /** Overhead of a record in `epoch`: header plus AEAD expansion. */
  overhead(epoch: number): number {
    if (epoch >= 2) return this.write13.get(epoch)?.overhead ?? 13;
    return 13 + (epoch === 0 ? 0 : (this.writeCipher[epoch]?.overhead ?? 0));
  }
}
