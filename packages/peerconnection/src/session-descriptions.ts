import { randomBytesPooled } from "@purertc/socket";
import {
  answerSession,
  checkLocal,
  type LocalState,
  localCandidateInit,
  localParameters,
  offerSession,
} from "./description-steps.js";
import { PeerConnectionError } from "./errors.js";
import type { IceCandidateInit, SessionDescription, SessionDescriptionInit } from "./events.js";
import { type LocalParameters, withLocalCandidates } from "./local-description.js";
import type { MediaSession } from "./media/media-session.js";
import type { PeerTransport } from "./peer-transport.js";
import {
  checkAnswer,
  type RemoteParameters,
  readCandidateInit,
  readRemoteDescription,
} from "./remote-description.js";
import { serializeSdp } from "./sdp/serialize.js";
import type { SdpCandidate, SdpSession } from "./sdp/types.js";

/**
 * A PeerConnection's descriptions: the offers and answers it made, the
 * local and remote ones applied, and the candidates trickled either way.
 * The signalling state and the transport stay with the PeerConnection.
 */
export class SessionDescriptions {
  private readonly sessionId = randomBytesPooled(8).readBigUInt64BE() >> 1n;
  private sessionVersion = 1;
  /** The local description applied. */
  local: LocalState | undefined;
  /** The remote description applied, with trickled candidates added. */
  remote: RemoteParameters | undefined;
  private remoteType: "offer" | "answer" | "pranswer" = "offer";
  /** The last offer and answer created. */
  lastOffer: SdpSession | undefined;
  lastAnswer: SdpSession | undefined;
  /** Their SDP as createOffer / createAnswer handed it out (setLocalDescription's fast check). */
  private lastOfferSdp: string | undefined;
  private lastAnswerSdp: string | undefined;
  private readonly localCandidates: LocalParameters["candidates"] = [];
  private localEnd = false;

  constructor(private readonly iceLite: boolean) {}

  /** The local description, with every candidate gathered so far. */
  get localDescription(): SessionDescription | null {
    if (!this.local) return null;
    return {
      type: this.local.type,
      sdp: serializeSdp(withLocalCandidates(this.local.session, this.localCandidates, this.localEnd)),
    };
  }

  /** The remote description, with trickled candidates added. */
  get remoteDescription(): SessionDescription | null {
    if (!this.remote) return null;
    return { type: this.remoteType, sdp: serializeSdp(this.remote.session) };
  }

  /** Whether the remote description has a=ice-options:trickle; null before one. */
  get canTrickleIceCandidates(): boolean | null {
    return this.remote
      ? (
          this.remote.session.media[this.remote.index]?.iceOptions ??
          this.remote.session.iceOptions ??
          []
        ).includes("trickle")
      : null;
  }

  /** A new offer over the transport, kept as the last one. */
  createOffer(transport: PeerTransport, media: MediaSession): SessionDescriptionInit {
    this.lastOffer = offerSession(this.parameters(transport), media);
    this.lastOfferSdp = serializeSdp(this.lastOffer);
    return { type: "offer", sdp: this.lastOfferSdp };
  }

  /** A new answer to `remote` over the transport, kept as the last one. */
  createAnswer(
    transport: PeerTransport,
    remote: RemoteParameters,
    setup: "active" | "passive",
    media: MediaSession,
  ): SessionDescriptionInit {
    this.lastAnswer = answerSession(this.parameters(transport), remote, setup, media);
    this.lastAnswerSdp = serializeSdp(this.lastAnswer);
    return { type: "answer", sdp: this.lastAnswerSdp };
  }

  /** The last offer (type "offer") or answer created. */
  lastCreated(type: SessionDescriptionInit["type"]): SdpSession | undefined {
    return type === "offer" ? this.lastOffer : this.lastAnswer;
  }

  /** The SDP text of {@link lastCreated}, as it was handed out. */
  lastCreatedSdp(type: SessionDescriptionInit["type"]): string | undefined {
    return type === "offer" ? this.lastOfferSdp : this.lastAnswerSdp;
  }

  /**
   * Applies a local offer or answer: the last one of its type created.
   * @throws PeerConnectionError ERR_INVALID_MODIFICATION for any other SDP.
   */
  applyLocal(type: "offer" | "answer" | "pranswer", sdp: string): LocalState {
    this.local = checkLocal(type, sdp, this.lastCreated(type), this.lastCreatedSdp(type));
    return this.local;
  }

  /**
   * Applies a remote offer or answer.
   * @returns the parameters read, and whether it is the first remote description.
   * @throws PeerConnectionError for SDP that does not parse, an ICE restart, or an answer that does not fit the offer.
   */
  applyRemote(
    type: "offer" | "answer" | "pranswer",
    sdp: string,
  ): { remote: RemoteParameters; first: boolean } {
    const remote = readRemoteDescription(sdp);
    if (this.remote && (this.remote.iceUfrag !== remote.iceUfrag || this.remote.icePwd !== remote.icePwd)) {
      throw new PeerConnectionError("ERR_OPERATION", "ICE restart is not supported");
    }
    if (type !== "offer") checkAnswer(this.lastOffer, remote);
    const first = !this.remote;
    this.remote = remote;
    this.remoteType = type;
    return { remote, first };
  }

  /**
   * Records a trickled remote candidate in the remote description;
   * undefined for end-of-candidates (RFC 8838).
   * @throws PeerConnectionError ERR_INVALID_STATE before a remote description.
   */
  addRemoteCandidate(candidate: IceCandidateInit | null | undefined): SdpCandidate | undefined {
    const remote = this.remote;
    if (!remote)
      throw new PeerConnectionError("ERR_INVALID_STATE", "addIceCandidate before setRemoteDescription");
    const parsed = readCandidateInit(candidate, remote);
    const media = remote.session.media[remote.index]!;
    if (parsed) media.candidates.push(parsed);
    else media.endOfCandidates = true;
    return parsed;
  }

  /** Records a gathered candidate; returns the icecandidate event's init. */
  addLocalCandidate(candidate: SdpCandidate, ufrag: string): IceCandidateInit {
    this.localCandidates.push(candidate);
    return localCandidateInit(this.local, candidate, ufrag);
  }

  /** Gathering completed: the local description carries a=end-of-candidates. */
  endLocalCandidates(): void {
    this.localEnd = true;
  }

  private parameters(transport: PeerTransport): LocalParameters {
    return localParameters(transport, this.sessionId, this.sessionVersion++, this.iceLite);
  }
}
