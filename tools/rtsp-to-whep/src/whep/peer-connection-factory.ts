import {
  type PeerCertificate,
  PeerConnection,
  type PeerConnectionConfiguration,
  PeerConnectionError,
  SdpError,
} from "@purertc/peerconnection";
import { setTimer } from "@purertc/socket";
import { RtspError } from "../errors.js";
import type { WhepSession, WhepSessionFactory } from "./session.js";

/**
 * Sessions backed by purertc's PeerConnection, for what it can do today:
 * it answers offers whose transport is the data-channel section (its media
 * transceivers are still being written), so a browser's video-only WHEP
 * offer gets a 406 until they land; the HTTP contract, ICE, DTLS, trickle
 * and teardown run for real. The answer waits (bounded) for gathering, as
 * a WHEP server sends its candidates in the answer.
 */
export class PeerConnectionWhepFactory implements WhepSessionFactory {
  constructor(
    private readonly configuration: PeerConnectionConfiguration<PeerCertificate> = {
      interfaces: "loopback",
      mdns: false,
    },
    private readonly gatheringTimeoutMs = 2000,
  ) {}

  async create(offer: string, onEnded: () => void, signal: AbortSignal): Promise<WhepSession> {
    const pc = new PeerConnection(this.configuration);
    try {
      try {
        await pc.setRemoteDescription({ type: "offer", sdp: offer });
      } catch (error) {
        if (error instanceof PeerConnectionError && error.code === "ERR_INVALID_SDP") {
          const malformed = error.cause instanceof SdpError;
          throw new RtspError(malformed ? "ERR_BAD_OFFER" : "ERR_UNSUPPORTED_OFFER", error.message, {
            cause: error,
          });
        }
        throw error;
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, this.gatheringTimeoutMs, signal);
      const answer = pc.localDescription!.sdp;
      return new PeerConnectionSession(pc, answer, onEnded);
    } catch (error) {
      await pc.close();
      throw error;
    }
  }
}

class PeerConnectionSession implements WhepSession {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pc: PeerConnection,
    readonly answer: string,
    private readonly onEnded: () => void,
  ) {
    pc.addEventListener("connectionstatechange", this.onState);
  }

  async addCandidates(candidates: ReadonlyArray<string | undefined>, mid: string | undefined): Promise<void> {
    for (const candidate of candidates) {
      try {
        await this.pc.addIceCandidate(
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

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pc.removeEventListener("connectionstatechange", this.onState);
      await this.pc.close();
    })();
    return this.closing;
  }

  private readonly onState = () => {
    const state = this.pc.connectionState;
    if (state === "failed" || state === "closed") this.onEnded();
  };
}

/** Resolves when gathering completes, after `ms`, or when `signal` aborts; never rejects. */
function gathered(pc: PeerConnection, ms: number, signal: AbortSignal): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      cancel();
      pc.removeEventListener("icegatheringstatechange", onChange);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const cancel = setTimer(done, ms, signal);
    pc.addEventListener("icegatheringstatechange", onChange);
    signal.addEventListener("abort", done, { once: true });
  });
}
