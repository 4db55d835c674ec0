import { formatCandidate } from "./sdp/attributes.js";
import { rejected } from "./sdp/rejected.js";
import type { SdpCandidate, SdpFingerprint, SdpMediaSection, SdpSession, SdpSetup } from "./sdp/types.js";

/** What the local side puts in its descriptions. */
export interface LocalParameters {
  sessionId: string;
  sessionVersion: number;
  iceUfrag: string;
  icePwd: string;
  fingerprints: SdpFingerprint[];
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
  /** Write `a=ice-lite` (session level, RFC 8839 §5.3). */
  iceLite?: boolean;
}

/** Default SCTP port (RFC 8841 §5; what browsers write). */
export const SCTP_PORT = 5000;
/** Default a=max-message-size (RFC 8841 §6; Chromium's value). */
export const MAX_MESSAGE_SIZE = 262144;

function session(local: LocalParameters, media: SdpMediaSection[], bundle: string[]): SdpSession {
  return {
    version: 0,
    origin: {
      username: "-",
      sessionId: local.sessionId,
      sessionVersion: String(local.sessionVersion),
      netType: "IN",
      addrType: "IP4",
      address: "127.0.0.1",
    },
    sessionName: "-",
    timing: "0 0",
    groups: bundle.length ? [{ semantics: "BUNDLE", mids: bundle }] : [],
    fingerprints: [],
    ...(local.iceLite ? { iceLite: true } : {}),
    otherLines: [{ type: "a", name: "msid-semantic", value: " WMS" }],
    media,
  };
}

/** The default candidate's address for `c=`/`m=` (RFC 8839 §4.2.1.1), 0.0.0.0:9 before any. */
function defaultAddress(local: LocalParameters): { address: string; port: number; addrType: string } {
  const c = local.candidates.find((x) => /^udp$/i.test(x.transport) && !x.address.endsWith(".local"));
  if (!c) return { address: "0.0.0.0", port: 9, addrType: "IP4" };
  return { address: c.address, port: c.port, addrType: c.address.includes(":") ? "IP6" : "IP4" };
}

function dataSection(
  local: LocalParameters,
  mid: string,
  setup: SdpSetup,
  maxMessageSize: number,
): SdpMediaSection {
  const d = defaultAddress(local);
  return {
    kind: "application",
    port: d.port,
    protocol: "UDP/DTLS/SCTP",
    formats: ["webrtc-datachannel"],
    connection: { netType: "IN", addrType: d.addrType, address: d.address },
    candidates: local.candidates,
    endOfCandidates: local.endOfCandidates,
    iceUfrag: local.iceUfrag,
    icePwd: local.icePwd,
    iceOptions: ["trickle"],
    fingerprints: local.fingerprints,
    setup,
    mid,
    sctpPort: SCTP_PORT,
    maxMessageSize,
    otherLines: [],
  };
}

/** The ICE/DTLS attributes each bundled section repeats (JSEP §5.2.1). */
export function transportAttributes(local: LocalParameters, setup: SdpSetup) {
  return {
    iceUfrag: local.iceUfrag,
    icePwd: local.icePwd,
    iceOptions: ["trickle"],
    fingerprints: local.fingerprints,
    setup,
  };
}

/** Builds the sections of an offer around the data section (media/: the transceivers' sections). */
export type OfferSections = (data: (mid: string) => SdpMediaSection) => SdpMediaSection[];

/**
 * An offer: one `m=application … UDP/DTLS/SCTP webrtc-datachannel` section
 * (so browsers accept it) beside the transceivers' sections when
 * `sections` is given, all in one BUNDLE group (RFC 9143),
 * `a=setup:actpass` (RFC 5763 §5), trickle.
 */
export function buildOffer(local: LocalParameters, sections?: OfferSections): SdpSession {
  const data = (mid: string) => dataSection(local, mid, "actpass", MAX_MESSAGE_SIZE);
  const media = sections ? sections(data) : [data("0")];
  return session(
    local,
    media,
    media.filter((m) => m.port !== 0).map((m) => m.mid!),
  );
}

/**
 * An answer to `offer`: the first `UDP/DTLS/SCTP` application section
 * (`dataIndex`, -1 for none) is accepted with `setup` (RFC 5763 §5), audio
 * and video sections as `media` answers them (media/); every other section
 * is rejected with port 0 (RFC 8866 §5.14, JSEP §5.3.1), keeping its mid.
 * The accepted ones form the BUNDLE group, in offer order.
 */
export function buildAnswer(
  local: LocalParameters,
  offer: SdpSession,
  dataIndex: number,
  setup: SdpSetup,
  media?: (offered: SdpMediaSection, index: number) => SdpMediaSection | undefined,
): SdpSession {
  const sections = offer.media.map((m, i): SdpMediaSection => {
    if (i === dataIndex) {
      // a=max-message-size says what WE can receive (RFC 8841 §6), whatever the offer says.
      return dataSection(local, m.mid ?? String(i), setup, MAX_MESSAGE_SIZE);
    }
    const answered = m.port !== 0 && (m.kind === "audio" || m.kind === "video") ? media?.(m, i) : undefined;
    return answered ?? rejected(m);
  });
  return session(
    local,
    sections,
    sections.filter((m) => m.port !== 0 && m.mid !== undefined).map((m) => m.mid!),
  );
}

/** The `icecandidate` init for one local candidate in section `mid`. */
export function candidateInit(c: SdpCandidate, mid: string, index: number, ufrag: string) {
  return { candidate: formatCandidate(c), sdpMid: mid, sdpMLineIndex: index, usernameFragment: ufrag };
}

/**
 * The local description as `localDescription` shows it: the description set,
 * with the candidates gathered so far, end-of-candidates once gathering is
 * complete, and `c=`/`m=` on the default candidate (RFC 8839 §4.2.1.1).
 */
export function withLocalCandidates(
  session: SdpSession,
  candidates: SdpCandidate[],
  ended: boolean,
): SdpSession {
  if (candidates.length === 0 && !ended) return session;
  const media = session.media.map((m) =>
    m.port === 0 ? m : { ...m, candidates: [...candidates], endOfCandidates: ended },
  );
  const active = media.find((m) => m.port !== 0);
  const c = candidates.find((x) => /^udp$/i.test(x.transport) && !x.address.endsWith(".local"));
  if (active && c) {
    active.port = c.port;
    active.connection = {
      netType: "IN",
      addrType: c.address.includes(":") ? "IP6" : "IP4",
      address: c.address,
    };
  }
  return { ...session, media };
}
