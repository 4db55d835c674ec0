import { DtlsError } from "../errors.js";
import type { RecordAead } from "./aead.js";
import { DTLS_1_2, type DtlsRecord, encodeRecord } from "./header.js";
import { ReplayWindow } from "./replay-window.js";

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

  /** Encodes one record in `epoch` (default: the write epoch), protected when the epoch has a cipher. */
  seal(type: number, plaintext: Uint8Array, epoch = this.writeEpoch): Uint8Array {
    const seq = this.writeSeq[epoch]!;
    if (seq > MAX_SEQUENCE) throw new DtlsError("ERR_DTLS_STATE", "record sequence numbers exhausted");
    this.writeSeq[epoch] = seq + 1;
    if (epoch === 0) return encodeRecord(type, DTLS_1_2, 0, seq, plaintext);
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
  }

  /** Overhead of a record in `epoch`: header plus AEAD expansion. */
  overhead(epoch: number): number {
    return 13 + (epoch === 0 ? 0 : (this.writeCipher[epoch]?.overhead ?? 0));
  }
}
