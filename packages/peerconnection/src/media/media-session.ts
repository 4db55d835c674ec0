import { randomBytesPooled } from "@purertc/socket";
import { rejected } from "../sdp/rejected.js";
import type { SdpMediaSection, SdpSession } from "../sdp/types.js";
import { codecParameters, mimeTypeOf, orderByPreference } from "./codecs.js";
import {
  answerSection,
  MID_EXTENSION_URI,
  offerSection,
  receives,
  reverseDirection,
  type SectionTransport,
  sends,
} from "./sdp-build.js";
import { parseRtpMedia, type RtpCodec, type RtpDirection } from "./sdp-media.js";
import { TrackEvent } from "./track-event.js";
import { RtpTransceiver, type TransceiverInit } from "./transceiver.js";

/** What one negotiated transceiver carries, as the RTP router needs it. */
export interface NegotiatedMedia {
  transceiver: RtpTransceiver;
  mid: string;
  /** Negotiated codecs (answer's payload types), first preferred. */
  codecs: RtpCodec[];
  /** The MID header extension's id, when negotiated. */
  midExtensionId: number | undefined;
  /** SSRCs the remote signalled for this section. */
  remoteSsrcs: number[];
  direction: RtpDirection;
  reducedSize: boolean;
}

/**
 * The PeerConnection's transceivers and their part of offer/answer (JSEP,
 * RFC 8829): mids, the audio/video m-sections, association of a remote
 * offer's sections with transceivers, the `track` event, and what each
 * negotiated section carries.
 */
export class MediaSession {
  readonly transceivers: RtpTransceiver[] = [];
  /** RTCP CNAME of every sender of this connection (RFC 7022: random per connection). */
  readonly cname = randomBytesPooled(12).toString("base64");
  /** m-section mids in the order of the last description (JSEP keeps m-lines in place). */
  private order: string[] = [];
  private dataMid: string | undefined;
  private readonly announced = new WeakSet<RtpTransceiver>();
  negotiated: NegotiatedMedia[] = [];

  constructor(
    private readonly dispatch: (event: Event) => void,
    private readonly onStop: (transceiver: RtpTransceiver) => void,
  ) {}

  addTransceiver(kind: "audio" | "video", init?: TransceiverInit): RtpTransceiver {
    const t = new RtpTransceiver(kind, this.cname, init);
    t.link = { stopTransceiver: this.onStop };
    this.transceivers.push(t);
    return t;
  }

  private nextMid(): string {
    const used = new Set([...this.order, ...this.transceivers.map((t) => t.mid ?? "")]);
    let n = 0;
    while (used.has(String(n))) n++;
    return String(n);
  }

  /**
   * The sections of an offer, in m-line order: those of the last
   * description where they were, then new transceivers, then the data
   * section (kept in its place once it has one).
   */
  offerSections(transport: SectionTransport, data: (mid: string) => SdpMediaSection): SdpMediaSection[] {
    for (const t of this.transceivers) if (t.mid === null && !t.stopped) t.mid = this.nextMid();
    this.dataMid ??= this.order.length === 0 && this.transceivers.length === 0 ? "0" : this.nextMid();
    const mids = [...this.order];
    for (const t of this.transceivers)
      if (t.mid !== null && !mids.includes(t.mid) && !t.stopped) mids.push(t.mid);
    if (!mids.includes(this.dataMid)) mids.push(this.dataMid);
    return mids.map((mid) => {
      if (mid === this.dataMid) return data(mid);
      const t = this.transceivers.find((x) => x.mid === mid);
      if (!t) return rejected({ kind: "video", protocol: "UDP/TLS/RTP/SAVPF", formats: ["96"], mid });
      return offerSection(t, mid, transport);
    });
  }

  /**
   * Associates a remote offer's audio/video sections with transceivers
   * (JSEP §5.10): by mid, else an unassociated transceiver of the same kind
   * that addTransceiver made (as addTrack's are in browsers), else a new
   * recvonly one. Then fires `track` for each section the remote sends on.
   */
  applyRemoteOffer(offer: SdpSession): void {
    for (const m of offer.media) {
      if (m.kind !== "audio" && m.kind !== "video") continue;
      if (m.port === 0 || m.mid === undefined) continue;
      let t = this.transceivers.find((x) => x.mid === m.mid);
      if (!t) {
        t = this.transceivers.find((x) => x.mid === null && !x.stopped && x.kind === m.kind);
        if (t) t.mid = m.mid;
        else {
          t = this.addTransceiver(m.kind, { direction: "recvonly" });
          t.mid = m.mid;
        }
      }
    }
    const data = offer.media.find((m) => m.kind === "application" && m.port !== 0);
    if (data?.mid !== undefined) this.dataMid = data.mid;
    this.order = offer.media.map((m, i) => m.mid ?? String(i));
    this.announceTracks(offer);
  }

  /** The answer's section for an offered audio/video section, or undefined to reject it. */
  answerFor(offered: SdpMediaSection, transport: SectionTransport): SdpMediaSection | undefined {
    const t = this.transceivers.find((x) => x.mid === offered.mid);
    return t ? answerSection(t, offered, transport) : undefined;
  }

  /** A remote answer: fires `track` where the peer sends. */
  applyRemoteAnswer(answer: SdpSession): void {
    this.announceTracks(answer);
  }

  private announceTracks(remote: SdpSession): void {
    for (const m of remote.media) {
      const t = this.transceivers.find((x) => x.mid === m.mid && m.mid !== undefined);
      if (!t || t.stopped || m.port === 0) continue;
      const rtp = parseRtpMedia(m);
      if (!sends(rtp.direction)) continue;
      t.receiver.streams = rtp.msids.map((x) => x.stream).filter((s) => s !== "-");
      const track = rtp.msids[0]?.track;
      if (track && !this.announced.has(t)) t.receiver.setTrackId(track);
      t.receiver.remoteSsrcs = rtp.ssrcs.map((s) => s.ssrc);
      if (this.announced.has(t)) continue;
      this.announced.add(t);
      this.dispatch(new TrackEvent(t));
    }
  }

  /**
   * Both descriptions are in (signaling stable): records per transceiver
   * what was negotiated (the answer's codecs and extension ids, the
   * directions), sets currentDirection and the senders' parameters.
   */
  completeNegotiation(local: SdpSession, remote: SdpSession, localIsOffer: boolean): NegotiatedMedia[] {
    const offer = localIsOffer ? local : remote;
    const answer = localIsOffer ? remote : local;
    this.order = offer.media.map((m, i) => m.mid ?? String(i));
    const out: NegotiatedMedia[] = [];
    for (const t of this.transceivers) {
      const i = answer.media.findIndex((m) => m.mid === t.mid && t.mid !== null);
      const a = answer.media[i];
      const r = remote.media[i];
      if (!a || !r || t.stopped) continue;
      if (a.port === 0) {
        t.currentDirection = "inactive";
        continue;
      }
      const answered = parseRtpMedia(a);
      const carried = answered.codecs.filter((c) => mimeTypeOf(t.kind, c) !== undefined);
      // The sender sends what the application prefers among what was agreed.
      const codecs = t.preferencesSet ? orderByPreference(t.kind, carried, t.preferences) : carried;
      const direction = localIsOffer ? reverseDirection(answered.direction) : answered.direction;
      t.currentDirection = direction;
      const midExtensionId = answered.extensions.find((e) => e.uri === MID_EXTENSION_URI)?.id;
      const params = codecs.map((c) => codecParameters(t.kind, c));
      t.sender.parameters.codecs = params;
      t.sender.parameters.headerExtensions =
        midExtensionId === undefined ? [] : [{ id: midExtensionId, uri: MID_EXTENSION_URI }];
      t.sender.parameters.rtcp.reducedSize = answered.rtcpRsize;
      t.receiver.codecs = receives(direction) ? params : [];
      out.push({
        transceiver: t,
        mid: t.mid!,
        codecs,
        midExtensionId,
        remoteSsrcs: parseRtpMedia(r).ssrcs.map((s) => s.ssrc),
        direction,
        reducedSize: answered.rtcpRsize,
      });
    }
    this.negotiated = out;
    return out;
  }

  /** Stops every transceiver (close()). */
  close(): void {
    for (const t of this.transceivers) t.stop();
    this.negotiated = [];
  }
}
