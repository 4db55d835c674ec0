import { createDebug } from "@purertc/socket";
import { candidateAddress } from "./candidate.js";
import type { IceAgentStats } from "./options.js";
import type { IceSession } from "./session.js";

const log = createDebug("purertc:ice");

/** Datagram counters of an agent, and the counting of each datagram handed up. */
export class AgentCounters {
  datagramsSent = 0;
  datagramsReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  dropped = 0;

  /** Counts a dropped datagram (class field: handed to sessions as their `onDrop`). */
  readonly drop = (reason: string): void => {
    this.dropped++;
    if (log.enabled) log("dropped: %s", reason);
  };

  /** Counts `data` in and hands it to `handler`; a handler that throws counts as a drop. */
  receive(data: Uint8Array, handler: ((data: Uint8Array) => void) | undefined): void {
    this.datagramsReceived++;
    this.bytesReceived += data.byteLength;
    if (!handler) return;
    try {
      handler(data);
    } catch (error) {
      this.dropped++;
      log("onDatagram threw: %s", (error as Error)?.message);
    }
  }
}

/**
 * The counters and the candidates and pairs of `session`, copied, with the
 * id of the pair that transports data (selected, or valid before nomination).
 */
export function agentStats(
  counters: AgentCounters,
  session: IceSession,
  selectedCandidatePairId: string | undefined,
): IceAgentStats {
  return {
    ...counters,
    selectedCandidatePairId,
    localCandidates: session.localCandidates.map((l) => ({ ...l.candidate })),
    remoteCandidates: session.remoteCandidates.map((c) => ({ ...c })),
    pairs: session.checklist.all.map((p) => ({
      id: p.id,
      local: candidateAddress(p.local.candidate),
      remote: candidateAddress(p.remote),
      state: p.state,
      nominated: p.nominated,
      priority: p.priority.toString(),
    })),
  };
}
