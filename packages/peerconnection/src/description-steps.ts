/**
 * The offer/answer steps of a PeerConnection that need none of its state
 * beyond what they are given: building its offers and answers, checking a
 * description it is handed, deciding the ICE and DTLS roles (RFC 8829).
 */
import { PeerConnectionError } from "./errors.js";
import {
  buildAnswer,
  buildOffer,
  candidateInit,
  type LocalParameters,
  transportAttributes,
} from "./local-description.js";
import type { MediaSession } from "./media/media-session.js";
import type { PeerTransport } from "./peer-transport.js";
import { type RemoteParameters, readRemoteDescription } from "./remote-description.js";
import { dtlsRoleFromSetup, negotiateSetup } from "./sdp/roles.js";
import { serializeSdp } from "./sdp/serialize.js";
import type { SdpCandidate, SdpSession, SdpSetup } from "./sdp/types.js";
import type { SignalingState } from "./states.js";

/** The local description applied: the session, its type and its a=setup. */
export interface LocalState {
  session: SdpSession;
  type: "offer" | "answer" | "pranswer";
  setup: SdpSetup;
}

/** The transport's parameters for a new description; candidates go out by trickle. */
export function localParameters(
  transport: PeerTransport,
  sessionId: bigint,
  sessionVersion: number,
  iceLite: boolean,
): LocalParameters {
  return {
    sessionId: sessionId.toString(),
    sessionVersion,
    iceUfrag: transport.iceUfrag,
    icePwd: transport.icePwd,
    fingerprints: [transport.fingerprint],
    // Candidates go out by trickle; a description made later carries those known.
    candidates: [],
    endOfCandidates: false,
    iceLite,
  };
}

/** An offer: the transceivers' sections and a data-channel section, bundled, `a=setup:actpass`. */
export function offerSession(local: LocalParameters, media: MediaSession): SdpSession {
  const attributes = transportAttributes(local, "actpass");
  return buildOffer(local, (data) => media.offerSections(attributes, data));
}

/**
 * The a=setup to answer the remote offer with (RFC 5763 §5).
 * @throws PeerConnectionError ERR_INVALID_STATE with no remote offer, ERR_INVALID_SDP for a setup that cannot be answered.
 */
export function answerSetup(
  remote: RemoteParameters | undefined,
  signalingState: SignalingState,
): { remote: RemoteParameters; setup: "active" | "passive" } {
  if (!remote || (signalingState !== "have-remote-offer" && signalingState !== "have-local-pranswer")) {
    throw new PeerConnectionError("ERR_INVALID_STATE", `createAnswer in signaling state "${signalingState}"`);
  }
  const setup = negotiateSetup(remote.setup);
  if (!setup) throw new PeerConnectionError("ERR_INVALID_SDP", `cannot answer a=setup:${remote.setup}`);
  return { remote, setup };
}

/** An answer to the remote offer, with the a=setup {@link answerSetup} chose. */
export function answerSession(
  local: LocalParameters,
  remote: RemoteParameters,
  setup: "active" | "passive",
  media: MediaSession,
): SdpSession {
  const attributes = transportAttributes(local, setup);
  return buildAnswer(local, remote.session, remote.dataIndex, setup, (m) => media.answerFor(m, attributes));
}

/**
 * The local description setLocalDescription applies: it must be the last
 * offer or answer created (munging is not supported). The text handed out
 * (`expectedSdp`, the usual case) is taken as it is; any other text is
 * parsed and must serialize to the same description (line ends and
 * whitespace may differ). Skipping that parse and the two serializations
 * saves both ends of a data-channel open a parse each.
 * @throws PeerConnectionError ERR_INVALID_MODIFICATION otherwise.
 */
export function checkLocal(
  type: "offer" | "answer" | "pranswer",
  sdp: string,
  expected: SdpSession | undefined,
  expectedSdp?: string,
): LocalState {
  if (!expected) throw notLastCreated(type);
  if (sdp !== expectedSdp && serializeSdp(expected) !== serializeSdp(parseOwn(sdp)))
    throw notLastCreated(type);
  const setup = (expected.media.find((m) => m.port !== 0)?.setup ?? "actpass") as SdpSetup;
  return { session: expected, type, setup };
}

function notLastCreated(type: string): PeerConnectionError {
  return new PeerConnectionError(
    "ERR_INVALID_MODIFICATION",
    `setLocalDescription(${type}) with an SDP that is not the last one created`,
  );
}

function parseOwn(sdp: string): SdpSession {
  try {
    return readRemoteDescription(sdp).session;
  } catch (error) {
    throw new PeerConnectionError("ERR_INVALID_MODIFICATION", "local SDP does not parse", { cause: error });
  }
}

/**
 * The DTLS role the two a=setup decide (RFC 5763 §5).
 * @throws PeerConnectionError ERR_INVALID_SDP when they decide none.
 */
export function dtlsRole(local: SdpSetup, remote: SdpSetup): "client" | "server" {
  const role = dtlsRoleFromSetup(local, remote);
  if (!role) {
    throw new PeerConnectionError(
      "ERR_INVALID_SDP",
      `a=setup:${local} with a remote a=setup:${remote} decides no DTLS role (RFC 5763 §5)`,
    );
  }
  return role;
}

/** The icecandidate event's init for a gathered candidate: tagged with the first live section. */
export function localCandidateInit(local: LocalState | undefined, candidate: SdpCandidate, ufrag: string) {
  const section = local?.session.media.find((m) => m.port !== 0);
  const index = local?.session.media.indexOf(section!) ?? 0;
  return candidateInit(candidate, section?.mid ?? "0", index, ufrag);
}
