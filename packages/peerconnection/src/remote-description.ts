import { PeerConnectionError, SdpError } from "./errors.js";
import type { IceCandidateInit } from "./events.js";
import { parseCandidate } from "./sdp/attributes.js";
import { parseSdp } from "./sdp/parse.js";
import type { SdpCandidate, SdpFingerprint, SdpSession, SdpSetup } from "./sdp/types.js";

/** What the local side takes from a remote description for its one (bundled) transport. */
export interface RemoteParameters {
  session: SdpSession;
  /** Index of the m-section the transport belongs to (the BUNDLE tag, RFC 9143 §7.2). */
  index: number;
  /** Index of the `UDP/DTLS/SCTP` data-channel section, -1 when there is none. */
  dataIndex: number;
  mid: string;
  iceUfrag: string;
  icePwd: string;
  iceLite: boolean;
  fingerprints: SdpFingerprint[];
  setup: SdpSetup;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
  /** The peer's `a=max-message-size`; absent means 65,536 (RFC 8841 §6.1), 0 means no limit. */
  maxMessageSize: number;
  /** The peer's `a=sctp-port` (default 5000, RFC 8841 §5). */
  sctpPort: number;
}

/** What a peer that writes no `a=max-message-size` can receive (RFC 8841 §6.1). */
export const DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65536;

function invalid(message: string, cause?: unknown): PeerConnectionError {
  return new PeerConnectionError("ERR_INVALID_SDP", message, { cause });
}

/**
 * Parses a remote SDP and picks the section our one transport uses: the
 * first mid of the BUNDLE group when that section is not rejected (the
 * offerer-tagged section, RFC 9143 §7.2), else the first non-rejected
 * `UDP/DTLS/SCTP` or RTP/SAVPF section; session-level ICE and DTLS
 * attributes are the fallback.
 * @throws PeerConnectionError ERR_INVALID_SDP (with the SdpError as cause).
 */
export function readRemoteDescription(sdp: string): RemoteParameters {
  let session: SdpSession;
  try {
    session = parseSdp(sdp);
  } catch (error) {
    if (error instanceof SdpError) throw invalid(`remote description: ${error.message}`, error);
    throw error;
  }
  const dataIndex = session.media.findIndex(
    (m) => m.kind === "application" && m.port !== 0 && m.protocol.toUpperCase().endsWith("DTLS/SCTP"),
  );
  const usable = (i: number) => {
    const m = session.media[i];
    if (m === undefined || m.port === 0 || (m.iceUfrag ?? session.iceUfrag) === undefined) return false;
    return i === dataIndex || /^(UDP\/TLS\/)?RTP\/SAVPF$/i.test(m.protocol);
  };
  const tag = session.groups.find((g) => g.semantics === "BUNDLE")?.mids[0];
  let index = session.media.findIndex((m) => tag !== undefined && m.mid === tag);
  if (!usable(index)) index = session.media.findIndex((_, i) => usable(i));
  if (index < 0) throw invalid("remote description has no data-channel or SRTP media section to connect");
  const m = session.media[index]!;
  const iceUfrag = m.iceUfrag ?? session.iceUfrag;
  const icePwd = m.icePwd ?? session.icePwd;
  const fingerprints = m.fingerprints.length ? m.fingerprints : session.fingerprints;
  // No a=setup means active (RFC 4145 §4).
  const setup = m.setup ?? session.setup ?? "active";
  if (!iceUfrag || !icePwd) throw invalid("remote description lacks a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4)");
  if (fingerprints.length === 0) throw invalid("remote description lacks a=fingerprint (RFC 8122 §5)");
  return {
    session,
    index,
    mid: m.mid ?? String(index),
    iceUfrag,
    icePwd,
    iceLite: session.iceLite === true || m.iceLite === true,
    fingerprints,
    setup,
    candidates: m.candidates,
    endOfCandidates: m.endOfCandidates,
    // SCTP's parameters come from the data-channel section, wherever the transport's is.
    maxMessageSize: session.media[dataIndex]?.maxMessageSize ?? DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
    sctpPort: session.media[dataIndex]?.sctpPort ?? 5000,
    dataIndex,
  };
}

/**
 * Reads an `addIceCandidate` argument: undefined when it signals
 * end-of-candidates (null, no candidate, or `candidate: ""`).
 * @throws PeerConnectionError ERR_OPERATION for a malformed candidate, or a
 *   TypeError-like ERR_INVALID_STATE when it names another section.
 */
export function readCandidateInit(
  init: IceCandidateInit | null | undefined,
  remote: RemoteParameters,
): SdpCandidate | undefined {
  if (!init || init.candidate === undefined || init.candidate === "") return undefined;
  if (init.sdpMid != null && init.sdpMid !== remote.mid && init.sdpMLineIndex == null) {
    // Candidates for a section bundled onto ours are ours too; others are not.
    const bundled = remote.session.groups.some(
      (g) => g.semantics === "BUNDLE" && g.mids.includes(init.sdpMid!),
    );
    if (!bundled) throw new PeerConnectionError("ERR_OPERATION", `no m-section with mid "${init.sdpMid}"`);
  }
  if (init.usernameFragment != null && init.usernameFragment !== remote.iceUfrag) {
    throw new PeerConnectionError(
      "ERR_OPERATION",
      `candidate for ufrag "${init.usernameFragment}", not the current one`,
    );
  }
  try {
    return parseCandidate(init.candidate);
  } catch (error) {
    throw new PeerConnectionError("ERR_OPERATION", `addIceCandidate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks an answer (or pranswer) against the offer it answers: the same
 * m-sections (JSEP §5.10), and a=setup active or passive, since an `actpass`
 * answer decides no DTLS role (RFC 5763 §5).
 * @throws PeerConnectionError ERR_INVALID_MODIFICATION or ERR_INVALID_SDP
 */
export function checkAnswer(offer: SdpSession | undefined, answer: RemoteParameters): void {
  if (!offer?.media[answer.index] || answer.session.media.length !== offer.media.length) {
    throw new PeerConnectionError(
      "ERR_INVALID_MODIFICATION",
      "the answer does not match the offer's m-sections",
    );
  }
  if (answer.setup === "actpass") {
    throw new PeerConnectionError(
      "ERR_INVALID_SDP",
      "an answer must say a=setup:active or passive (RFC 5763 §5)",
    );
  }
}
