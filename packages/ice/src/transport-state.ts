import { type CancelTimer, startTimer } from "@purertc/socket";
import type { ConsentState } from "./consent.js";
import type { EarlyState } from "./early-pair.js";
import type { IceAgentOptions, IceTransportState } from "./options.js";
import type { IceSession } from "./session.js";

/** What the transport state is computed from. */
export interface TransportFacts {
  closing: boolean;
  /** The transport went away under the agent (a closed UdpMux). */
  lost: boolean;
  started: boolean;
  /** The current generation. */
  session: IceSession;
  /** The generation of the selected pair, if one is selected. */
  selectedSession: IceSession | undefined;
  /**
   * Nothing is selected: consent of the valid pair of the current generation
   * data goes on (RFC 8445 §12.1), `lost` when the last one lost it, `gone`
   * when it failed a check; undefined when none has carried data.
   */
  early: EarlyState | undefined;
  consentState: ConsentState;
  /** Whether the remote is taken to have ended its candidates without saying so (see `assumeEndOfCandidatesAfterMs`). */
  assumeRemoteEnded: (s: IceSession) => boolean;
}

/** The W3C `RTCIceTransportState` the agent is in (RFC 8445 §6.1.3 for failure). */
export function transportState(f: TransportFacts): IceTransportState {
  if (f.closing) return "closed";
  if (f.lost) return "failed";
  const s = f.session;
  if (f.selectedSession) {
    if (f.consentState === "lost") return "failed";
    if (f.consentState === "stale") return "disconnected";
    const done =
      f.selectedSession === s && s.remoteEnded && s.gatheringState === "complete" && !s.checklist.pending;
    return done ? "completed" : "connected";
  }
  // A valid pair before nomination completes: connected, as Chromium reports a writable
  // connection; its consent moves the state as a selected pair's does (RFC 7675).
  if (f.early === "stale") return "disconnected";
  if (f.early === "fresh") return "connected";
  if (!f.started || !s.remoteKey) return "new";
  // The pair that carried data failed a check or lost consent (failed for good, RFC 7675 §5.1): no
  // other valid pair has fresh consent, so only one still being checked can carry data again (as
  // Chromium, `disconnected` once no longer writable); W3C `failed` is for when none can.
  const gone = f.early === "gone" || f.early === "lost";
  const allFailed = gone || s.checklist.all.every((p) => p.state === "failed");
  // A nomination in flight may still select a pair: not failed yet (failed is terminal).
  const settled =
    s.gatheringState === "complete" &&
    s.pendingResolves === 0 &&
    !s.checklist.pending &&
    !s.checklist.all.some((p) => p.nominating && p.state !== "failed");
  if (settled && allFailed && !awaitingConnection(s) && (s.remoteEnded || f.assumeRemoteEnded(s))) {
    return "failed";
  }
  if (gone) return "disconnected";
  if (s.checklist.size > 0 || s.remoteCandidates.length > 0) return "checking";
  return "new";
}

/**
 * ICE over TCP: we listen (a passive candidate) and the peer said it will
 * connect (an active candidate), but no connection has come yet. Its pairs
 * exist only once it connects, so an empty checklist is not a failure.
 */
function awaitingConnection(s: IceSession): boolean {
  if (!s.localCandidates.some((l) => l.base.tcpType === "passive")) return false;
  if (!s.remoteCandidates.some((c) => c.tcpType === "active" && c.type !== "prflx")) return false;
  return !s.checklist.all.some((p) => p.local.base.tcpType === "passive");
}

/**
 * `assumeEndOfCandidatesAfterMs`: the remote is taken to have ended its
 * candidates once every pair failed and none came for that long; until then
 * a timer runs `onTimer` to look again, until {@link AssumedEndOfCandidates.stop}.
 */
export class AssumedEndOfCandidates {
  private cancelTimer: CancelTimer | undefined = undefined;

  constructor(
    private readonly options: Pick<IceAgentOptions, "assumeEndOfCandidatesAfterMs">,
    private readonly onTimer: () => void,
  ) {}

  /** Whether `s`'s remote candidates are taken to be complete now. */
  readonly check = (s: IceSession): boolean => {
    const after = this.options.assumeEndOfCandidatesAfterMs;
    if (after === undefined || s.checklist.size === 0) return false;
    const wait = s.lastRemoteCandidateAt + after - performance.now();
    if (wait <= 0) return true;
    this.cancelTimer?.();
    this.cancelTimer = startTimer(this.fire, wait + 1);
    return false;
  };

  private readonly fire = (): void => {
    this.cancelTimer = undefined;
    this.onTimer();
  };

  /** Cancels the timer (the agent closed); idempotent. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
