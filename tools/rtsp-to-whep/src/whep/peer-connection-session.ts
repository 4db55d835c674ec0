import { type PeerConnection, PeerConnectionError, type RtpSender } from "@purertc/peerconnection";
import { startTimer } from "@purertc/socket";
import type { AudioRelay } from "../audio.js";
import { RtspError } from "../errors.js";
import type { FanOut, FanOutViewer, ViewerStats } from "../fanout.js";
import type { AccessUnit } from "../h264-source.js";
import { PacedSender, type PacingOptions, type PacingStats } from "./pacer.js";
import type { WhepSession } from "./session.js";
import type { UnitPackets } from "./unit-packets.js";

/** Why a viewer ended. */
export type ViewerEndReason =
  /** DELETE, or the endpoint closed. */
  | "deleted"
  /** The viewer closed its connection (DTLS close_notify), or ours was closed. */
  | "closed"
  /** ICE failed: consent freshness lost (RFC 7675). */
  | "failed"
  /** Disconnected (no consent answers) for longer than the grace period. */
  | "lost"
  /** ICE and DTLS did not complete in time. */
  | "connect-timeout";

/** A viewer's life: made (answered), connected (media flows), ended. */
export type ViewerState = "new" | "connected" | "ended";

/** A viewer's state change, as {@link PeerConnectionWhepFactoryOptions.onViewer} gets it. */
export interface ViewerEvent {
  readonly id: number;
  readonly state: ViewerState;
  /** Why it ended (state `ended`). */
  readonly reason?: ViewerEndReason;
}

/** What a session is made of (the factory's part). */
export interface SessionParts {
  readonly id: number;
  readonly pc: PeerConnection;
  /** The video sender; undefined for a data-channel session. */
  readonly sender: RtpSender | undefined;
  /** The audio sender (the viewer offered the camera's G.711) and where its packets come from. */
  readonly audioSender: RtpSender | undefined;
  readonly audio: AudioRelay | undefined;
  readonly fanOut: FanOut | undefined;
  readonly packets: UnitPackets;
  readonly connectTimeoutMs: number;
  /** Each viewer's token bucket; false sends every unit at once. */
  readonly pacing: PacingOptions | false;
  /** End a viewer disconnected this long (undefined: wait for ICE to fail). */
  readonly disconnectedGraceMs: number | undefined;
  readonly onEnded: (session: PeerConnectionSession) => void;
  readonly onViewer: ((event: ViewerEvent) => void) | undefined;
}

/**
 * One WHEP viewer on a purertc PeerConnection: joins the fan-out when the
 * connection is up (so it starts on the cached key frame), leaves it and
 * closes the connection on DELETE, on close or failure, or when it has not
 * connected in time. `close()` is idempotent and releases the timer, the
 * listeners, the fan-out viewer and the PeerConnection.
 */
export class PeerConnectionSession implements WhepSession {
  readonly answer: string;
  private viewer: FanOutViewer | undefined;
  private cancelConnectTimer: (() => void) | undefined;
  private cancelGraceTimer: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private lastStats: ViewerStats | undefined;
  private readonly pacer: PacedSender | undefined;
  /** Set once the viewer has sent its backlog (the cached GOP): live units then go unpaced. */
  private caughtUp = false;

  constructor(private readonly parts: SessionParts) {
    this.answer = parts.pc.localDescription!.sdp;
    if (parts.sender && parts.pacing !== false) this.pacer = new PacedSender(this.sendPacket, parts.pacing);
    parts.pc.addEventListener("connectionstatechange", this.onState);
    parts.pc.addEventListener("dtlsstatechange", this.onDtlsState);
    this.cancelConnectTimer = startTimer(this.onConnectTimeout, parts.connectTimeoutMs);
    parts.onViewer?.({ id: parts.id, state: "new" });
  }

  get id(): number {
    return this.parts.id;
  }

  /** Access units sent to this viewer and dropped for it (fan-out counters). */
  get stats(): ViewerStats {
    return this.viewer?.stats ?? this.lastStats ?? { delivered: 0, dropped: 0, overflows: 0, sinkErrors: 0 };
  }

  /** The pacer's counters (packets, bytes, waits), undefined when not paced. */
  get pacing(): PacingStats | undefined {
    return this.pacer?.stats;
  }

  async addCandidates(candidates: ReadonlyArray<string | undefined>, mid: string | undefined): Promise<void> {
    for (const candidate of candidates) {
      try {
        await this.parts.pc.addIceCandidate(
          candidate === undefined ? null : { candidate, sdpMid: mid ?? null, sdpMLineIndex: mid ? null : 0 },
        );
      } catch (error) {
        if (error instanceof PeerConnectionError && error.code === "ERR_OPERATION") {
          throw new RtspError("ERR_BAD_OFFER", `bad trickled candidate: ${error.message}`, { cause: error });
        }
        throw error;
      }
    }
  }

  /** Ends the viewer (the endpoint calls it on DELETE and when it closes). */
  close(): Promise<void> {
    return this.end("deleted");
  }

  private end(reason: ViewerEndReason): Promise<void> {
    // Assigned before the body runs: onEnded below re-enters close() through the endpoint.
    if (this.closing) return this.closing;
    let release!: () => void;
    this.closing = new Promise<void>((resolve) => {
      release = resolve;
    });
    void (async () => {
      const { pc } = this.parts;
      this.cancelConnectTimer?.();
      this.cancelConnectTimer = undefined;
      this.cancelGraceTimer?.();
      this.cancelGraceTimer = undefined;
      pc.removeEventListener("connectionstatechange", this.onState);
      pc.removeEventListener("dtlsstatechange", this.onDtlsState);
      if (this.viewer) {
        this.lastStats = { ...this.viewer.stats };
        this.viewer.close();
        this.viewer = undefined;
      }
      this.pacer?.close();
      this.parts.audio?.remove(this.sendAudio);
      this.parts.onEnded(this);
      this.parts.onViewer?.({ id: this.parts.id, state: "ended", reason });
      try {
        await pc.close();
      } catch {
        // Closing releases what it can; a failure here must not become an unhandled rejection.
      } finally {
        release();
      }
    })();
    return this.closing;
  }

  private readonly send = (unit: AccessUnit, queued: number): void | Promise<void> => {
    const sender = this.parts.sender;
    if (!sender) return;
    const packets = this.parts.packets.packetsOf(unit);
    // Only the catch-up is paced: live units come at the camera's rate already, and a bucket on them would cap
    // a starved event loop's output at one bucket per turn (measured: a 64-viewer proxy on a loaded machine
    // then dropped frames it could send).
    if (this.pacer && !this.caughtUp) {
      if (queued === 0) this.caughtUp = true;
      return this.pacer.send(packets);
    }
    for (const packet of packets) sender.sendRtp(packet);
  };

  private readonly sendPacket = (packet: Uint8Array): void => {
    this.parts.sender?.sendRtp(packet);
  };

  private readonly sendAudio = (packet: Uint8Array): void => {
    this.parts.audioSender?.sendRtp(packet);
  };

  private readonly onState = () => {
    const state = this.parts.pc.connectionState;
    if (state !== "disconnected") {
      this.cancelGraceTimer?.();
      this.cancelGraceTimer = undefined;
    }
    if (state === "connected") {
      this.cancelConnectTimer?.();
      this.cancelConnectTimer = undefined;
      if (!this.viewer && this.parts.sender && this.parts.fanOut) {
        this.viewer = this.parts.fanOut.addViewer(this.send);
      }
      if (this.parts.audioSender) this.parts.audio?.add(this.sendAudio);
      this.parts.onViewer?.({ id: this.parts.id, state: "connected" });
    } else if (state === "failed" || state === "closed") {
      void this.end(state);
    } else if (state === "disconnected" && this.parts.disconnectedGraceMs !== undefined) {
      this.cancelGraceTimer ??= startTimer(this.onGraceTimeout, this.parts.disconnectedGraceMs);
    }
  };

  // A tab that closes sends close_notify: W3C keeps connectionState, the DTLS transport shows it.
  private readonly onDtlsState = () => {
    if (this.parts.pc.dtlsState === "closed") void this.end("closed");
  };

  private readonly onGraceTimeout = () => {
    this.cancelGraceTimer = undefined;
    void this.end("lost");
  };

  private readonly onConnectTimeout = () => {
    this.cancelConnectTimer = undefined;
    void this.end("connect-timeout");
  };
}
