import { setTimer } from "@purertc/socket";
import type { StunMessage } from "@purertc/stun";
import { IceError } from "./errors.js";

/** Retransmission schedule of one STUN client transaction. */
export interface RetransmitOptions {
  /** First retransmission timeout, ms (doubles after each try). */
  rto: number;
  /** Largest timeout between two tries, ms. */
  maxRto: number;
  /** Transmissions in all (the first one included). */
  attempts: number;
}

/** What a transaction resolves to: the response and where it came from. */
export interface TransactionResult {
  response: StunMessage;
  address: string;
  port: number;
}

interface Pending {
  resolve(result: TransactionResult): void;
  reject(error: Error): void;
  accept(response: StunMessage, address: string, port: number): boolean;
  cancelTimer(): void;
}

/**
 * The agent's STUN client transactions (connectivity checks, consent checks,
 * server-reflexive requests): retransmission with a doubling RTO
 * (RFC 8489 §6.2.1), matching of responses by transaction id, and
 * cancellation of all of them when the owner's signal aborts.
 *
 * A response whose `accept` test fails (wrong MESSAGE-INTEGRITY) is ignored
 * and the transaction goes on, as RFC 8489 §6.3.3 asks for a forged answer.
 */
export class Transactions {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly signal: AbortSignal) {}

  /** Number of transactions in flight. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Runs one transaction: calls `send` now and at each retransmission until
   * a response is accepted (resolves) or the tries run out (rejects). The
   * returned `cancel` ends it early (the promise then never settles).
   */
  start(
    transactionId: Uint8Array,
    send: () => void,
    schedule: RetransmitOptions,
    accept: (response: StunMessage, address: string, port: number) => boolean = () => true,
  ): { result: Promise<TransactionResult>; cancel: () => void } {
    const key = Buffer.from(transactionId.buffer, transactionId.byteOffset, 12).toString("hex");
    let cancel = () => {};
    const result = new Promise<TransactionResult>((resolve, reject) => {
      if (this.signal.aborted) {
        reject(new IceError("ERR_CLOSED", "the ICE agent is closed"));
        return;
      }
      let attempt = 0;
      let rto = schedule.rto;
      let cancelTimer = () => {};
      const entry: Pending = {
        resolve,
        reject,
        accept,
        cancelTimer: () => cancelTimer(),
      };
      const fire = () => {
        if (attempt >= schedule.attempts) {
          this.pending.delete(key);
          reject(new IceError("ERR_STATE", "STUN transaction timed out"));
          return;
        }
        attempt++;
        send();
        // After the last transmission, wait one more RTO for the answer.
        cancelTimer = setTimer(fire, rto, this.signal);
        rto = Math.min(rto * 2, schedule.maxRto);
      };
      this.pending.set(key, entry);
      cancel = () => {
        cancelTimer();
        this.pending.delete(key);
      };
      fire();
    });
    // A caller that cancels never looks at the promise: do not let it reject unhandled.
    result.catch(() => {});
    return { result, cancel: () => cancel() };
  }

  /**
   * Offers a response to the transactions; true when it matched one (and was
   * accepted). Responses for unknown ids are for nobody: false.
   */
  handleResponse(response: StunMessage, address: string, port: number): boolean {
    const key = response.transactionIdHex;
    const entry = this.pending.get(key);
    if (!entry) return false;
    let ok = false;
    try {
      ok = entry.accept(response, address, port);
    } catch {
      ok = false; // a malformed attribute in a response: ignore it
    }
    if (!ok) return false;
    this.pending.delete(key);
    entry.cancelTimer();
    entry.resolve({ response, address, port });
    return true;
  }

  /** Ends every transaction (rejecting with `ERR_CLOSED`). */
  clear(): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const entry of all) {
      entry.cancelTimer();
      entry.reject(new IceError("ERR_CLOSED", "the ICE agent is closed"));
    }
  }
}
