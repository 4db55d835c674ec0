import type { DataChannels } from "./data-channels.js";
import { answerSetup } from "./description-steps.js";
import type { IceCandidateInit, SessionDescriptionInit } from "./events.js";
import type { PeerMedia } from "./media/peer-media.js";
import type { PeerTransport } from "./peer-transport.js";
import { serializeSdp } from "./sdp/serialize.js";
import type { SessionDescriptions } from "./session-descriptions.js";
import { nextSignalingState, type SignalingState } from "./states.js";
import type { TransportLink } from "./transport-link.js";

/** The PeerConnection's signalingState, which it keeps and announces. */
export interface SignalingHost {
  state(): SignalingState;
  /** Sets it and fires `signalingstatechange` when it changes. */
  set(state: SignalingState): void;
}

/**
 * The offer/answer operations of a PeerConnection (JSEP, RFC 8829), as its
 * operations chain runs them: each applies a description to the
 * descriptions, the transceivers and the transport.
 */
export class Negotiation {
  constructor(
    private readonly descriptions: SessionDescriptions,
    private readonly link: TransportLink,
    private readonly media: PeerMedia,
    private readonly channels: DataChannels,
    private readonly signaling: SignalingHost,
  ) {}

  /** See PeerConnection.createOffer. */
  async createOffer(): Promise<SessionDescriptionInit> {
    const transport = await this.link.ensure();
    return this.descriptions.createOffer(transport, this.media.session);
  }

  /** See PeerConnection.createAnswer. */
  async createAnswer(): Promise<SessionDescriptionInit> {
    const { remote, setup } = answerSetup(this.descriptions.remote, this.signaling.state());
    const transport = await this.link.ensure();
    return this.descriptions.createAnswer(transport, remote, setup, this.media.session);
  }

  /** See PeerConnection.setLocalDescription. */
  async setLocal(description?: SessionDescriptionInit): Promise<void> {
    let init = description;
    if (!init || (init.type !== "rollback" && !init.sdp)) {
      const type = init?.type ?? (this.signaling.state() === "have-remote-offer" ? "answer" : "offer");
      const session = this.descriptions.lastCreated(type);
      // Without one made yet: an implicit create, outside the chain we are already in.
      if (session) init = { type, sdp: serializeSdp(session) };
      else init = type === "offer" ? await this.createOffer() : await this.createAnswer();
    }
    const next = nextSignalingState(this.signaling.state(), "local", init.type);
    if (init.type === "rollback") {
      this.descriptions.local = undefined;
      this.signaling.set(next);
      return;
    }
    this.descriptions.applyLocal(init.type, init.sdp ?? "");
    this.signaling.set(next);
    this.completeMedia();
    const transport = await this.link.ensure();
    // The offerer controls; against an ice-lite peer a full agent always does (RFC 8445 §6.1.1).
    transport.gather(init.type === "offer" || this.descriptions.remote?.iceLite === true);
    this.maybeStart(transport);
  }

  /** See PeerConnection.setRemoteDescription. */
  async setRemote(description: SessionDescriptionInit): Promise<void> {
    const next = nextSignalingState(this.signaling.state(), "remote", description.type);
    if (description.type === "rollback") {
      this.descriptions.remote = undefined;
      this.signaling.set(next);
      return;
    }
    const { remote, first } = this.descriptions.applyRemote(description.type, description.sdp ?? "");
    this.signaling.set(next);
    if (description.type === "offer") this.media.session.applyRemoteOffer(remote.session);
    else this.media.session.applyRemoteAnswer(remote.session);
    this.completeMedia();
    const transport = await this.link.ensure();
    if (first) {
      for (const c of remote.candidates) await transport.addRemoteCandidate(c);
      if (remote.endOfCandidates) await transport.addRemoteCandidate(undefined);
    }
    this.maybeStart(transport);
  }

  /** See PeerConnection.addIceCandidate. */
  async addIceCandidate(candidate: IceCandidateInit | null | undefined): Promise<void> {
    const parsed = this.descriptions.addRemoteCandidate(candidate);
    const transport = await this.link.ensure();
    await transport.addRemoteCandidate(parsed);
  }

  /** Once an offer/answer exchange completes: what each transceiver negotiated. */
  private completeMedia(): void {
    const { local, remote } = this.descriptions;
    if (!local || !remote || this.signaling.state() !== "stable") return;
    this.media.complete(local.session, remote.session, local.type === "offer");
  }

  /** Starts checks (and DTLS after them) once both descriptions are in. */
  private maybeStart(transport: PeerTransport): void {
    const { local, remote } = this.descriptions;
    if (!local || !remote || this.signaling.state() !== "stable") return;
    this.link.start(transport, local, remote, this.channels);
  }
}
