import { createDebug } from "@purertc/socket";
import type { CandidatePair } from "./pair.js";
import type { SessionState } from "./session-state.js";

const log = createDebug("purertc:ice");

/**
 * The pair data goes on before nomination completes (RFC 8445 §12.1: "an
 * agent MAY send data on a valid pair before nomination"), as Chromium
 * (a writable connection) and pion (`getBestValidCandidatePair`) do: the pair
 * the peer's last datagram came on when it is valid for us (so a DTLS server
 * answers on the path its ClientHello took), else the best valid pair of the
 * generation. Only while nothing is selected: once a pair is, data goes on it.
 *
 * A valid pair has consent for as long as its last check (ours answered, or
 * the peer's received) is younger than the consent timeout (RFC 7675 §5.1);
 * an older one is not used.
 */
export class EarlyPair {
  private pair: CandidatePair | undefined = undefined;
  private session: SessionState | undefined = undefined;

  /** @param consentTimeoutMs how long a check gives a valid pair consent. */
  constructor(private readonly consentTimeoutMs: number) {}

  /** The pair to send on in `session` now, or undefined when none is valid (and fresh). */
  get(session: SessionState): CandidatePair | undefined {
    const p = this.pair;
    if (p !== undefined && this.session === session && this.usable(p)) return p;
    this.pair = undefined;
    this.session = session;
    // Highest priority first: the best valid pair.
    for (const candidate of session.checklist.all) {
      if (this.usable(candidate)) {
        this.pair = candidate;
        if (log.enabled) log("early data on %s", candidate.toString());
        break;
      }
    }
    return this.pair;
  }

  /** A datagram from the peer came on `pair` of `session`: answers go back on it if it is valid. */
  received(session: SessionState, pair: CandidatePair): void {
    if (pair === this.pair || pair.state !== "succeeded") return;
    this.pair = pair;
    this.session = session;
    if (log.enabled) log("early data on %s (the peer's path)", pair.toString());
  }

  /** Forgets the pair (a pair was selected, a restart, close). */
  clear(): void {
    this.pair = undefined;
    this.session = undefined;
  }

  private usable(p: CandidatePair): boolean {
    return p.state === "succeeded" && performance.now() - p.lastActivity < this.consentTimeoutMs;
  }
}
