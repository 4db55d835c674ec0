import { RtspError } from "../errors.js";

/**
 * One viewer's session, as the WHEP endpoint sees it. The PeerConnection
 * side implements it; the endpoint only relays HTTP to it.
 */
export interface WhepSession {
  /** The SDP answer to return in the 201. */
  readonly answer: string;
  /**
   * Takes trickled candidates of a PATCH (RFC 8840 fragment lines, without
   * `a=`): `candidate:…` strings, and `end-of-candidates` as `undefined`.
   */
  addCandidates(candidates: ReadonlyArray<string | undefined>, mid: string | undefined): Promise<void>;
  /** Ends the session and releases everything it holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * Makes sessions from offers. When the offer cannot be answered it throws
 * {@link RtspError} `ERR_BAD_OFFER` (malformed: 400) or
 * `ERR_UNSUPPORTED_OFFER` (well-formed but not servable: 406); anything
 * else it throws becomes a 500.
 */
export interface WhepSessionFactory {
  /**
   * @param offer - the SDP offer of the POST
   * @param onEnded - call when the session ends on its own (ICE failed, consent lost): the endpoint forgets it
   * @param signal - aborts when the endpoint closes while the session is being made
   */
  create(offer: string, onEnded: () => void, signal: AbortSignal): Promise<WhepSession>;
}

/** A trickle fragment (RFC 8840 §4.4, `application/trickle-ice-sdpfrag`), as PATCH carries it. */
export interface IceFragment {
  readonly ufrag: string | undefined;
  readonly pwd: string | undefined;
  readonly mid: string | undefined;
  /** `candidate:…` values; `undefined` for `a=end-of-candidates`. */
  readonly candidates: ReadonlyArray<string | undefined>;
}

const MAX_FRAGMENT_LINES = 1000;

/**
 * Parses an `application/trickle-ice-sdpfrag` body (RFC 8840 §4.4: `a=`
 * lines, optionally an `m=` line and `a=mid`).
 * @throws RtspError `ERR_BAD_OFFER` for a line that is not SDP
 */
export function parseIceFragment(text: string): IceFragment {
  let ufrag: string | undefined;
  let pwd: string | undefined;
  let mid: string | undefined;
  const candidates: Array<string | undefined> = [];
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_FRAGMENT_LINES) throw new RtspError("ERR_BAD_OFFER", "trickle fragment too long");
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === "") continue;
    if (!/^[a-z]=/.test(line)) {
      throw new RtspError(
        "ERR_BAD_OFFER",
        `not an SDP fragment line: ${JSON.stringify(line.slice(0, 80))} (RFC 8840 §4.4)`,
      );
    }
    if (!line.startsWith("a=")) continue;
    const value = line.slice(2);
    if (value.startsWith("candidate:")) candidates.push(value);
    else if (value === "end-of-candidates") candidates.push(undefined);
    else if (value.startsWith("ice-ufrag:")) ufrag = value.slice(10);
    else if (value.startsWith("ice-pwd:")) pwd = value.slice(8);
    else if (value.startsWith("mid:")) mid = value.slice(4);
  }
  return { ufrag, pwd, mid, candidates };
}
