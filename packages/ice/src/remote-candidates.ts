import { createDebug } from "@purertc/socket";
import { type Candidate, isMdnsName, parseCandidate } from "./candidate.js";
import type { MdnsProvider } from "./gather/mdns.js";
import type { IceSession } from "./session.js";

const log = createDebug("purertc:ice");

/**
 * Adds a signalled remote candidate to `session` (trickle, RFC 8838): a
 * parsed candidate or its SDP string, or `null` for end-of-candidates.
 * `.local` names are resolved over `mdns` first (ignored without it).
 * `onChange` runs after each change, a late resolution included.
 * @throws IceError for a malformed candidate string.
 */
export function addRemoteCandidate(
  session: IceSession,
  candidate: Candidate | string | null,
  mdns: MdnsProvider | undefined,
  onChange: () => void,
): void {
  if (candidate === null) {
    session.setRemoteEnded();
    onChange();
    return;
  }
  const c = typeof candidate === "string" ? parseCandidate(candidate) : { ...candidate };
  if (isMdnsName(c.address)) {
    if (!mdns) return;
    session.pendingResolves++;
    mdns.resolve(c.address, session.signal).then(
      (ip) => {
        session.pendingResolves--;
        if (!session.closed) session.addRemoteCandidate({ ...c, address: ip });
        onChange();
      },
      (error: unknown) => {
        session.pendingResolves--;
        log("mDNS name %s not resolved: %s", c.address, (error as Error)?.message);
        onChange();
      },
    );
    return;
  }
  session.addRemoteCandidate(c);
  onChange();
}
