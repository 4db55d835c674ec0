import type { StunMessage } from "@purertc/stun";
import type { Candidate } from "./candidate.js";
import { type CheckScheduler, prflxFoundation } from "./checks.js";
import type { CandidateBase } from "./gather/base.js";
import type { SessionState } from "./session-state.js";
import { buildCheckError, buildCheckSuccess } from "./stun-io.js";

/** Most remote candidates (signalled and peer-reflexive) one session keeps. */
export const MAX_REMOTE_CANDIDATES = 1000;

/**
 * A connectivity check from the peer (RFC 8445 §7.3). Nothing is created
 * before it is authenticated: a request without USERNAME or
 * MESSAGE-INTEGRITY gets 400, an unknown ufrag or a bad MESSAGE-INTEGRITY
 * 401 (RFC 8489 §9.1.3), a bad FINGERPRINT nothing at all. Then: role
 * conflict (§7.3.1.1), the success response, a peer-reflexive remote
 * candidate if the source is new (§7.3.1.3), the pair and a triggered check
 * (§7.3.1.4), and USE-CANDIDATE from a controlling peer (§7.3.1.5).
 */
export function handleCheckRequest(
  s: SessionState & { readonly checks: CheckScheduler },
  base: CandidateBase,
  request: StunMessage,
  address: string,
  port: number,
): void {
  const host = s.host;
  if (request.hasFingerprint && !request.checkFingerprint()) {
    host.onDrop("bad FINGERPRINT");
    return;
  }
  const reply = (bytes: Uint8Array) => base.send(bytes, port, address);
  let username: string | undefined;
  try {
    username = request.username;
  } catch {
    username = undefined;
  }
  if (!username || !request.hasIntegrity) {
    reply(buildCheckError(request, 400, "Bad Request"));
    host.onDrop("check without USERNAME or MESSAGE-INTEGRITY");
    return;
  }
  const colon = username.indexOf(":");
  if (colon < 0 || username.slice(0, colon) !== s.local.ufrag || !request.checkIntegrity(s.localKey)) {
    reply(buildCheckError(request, 401, "Unauthenticated"));
    host.onDrop("check with unknown ufrag or bad MESSAGE-INTEGRITY");
    return;
  }
  if (request.unknownComprehensionRequired.length > 0) {
    reply(
      buildCheckError(request, 420, "Unknown Attribute", s.localKey, request.unknownComprehensionRequired),
    );
    return;
  }
  let priority: number | undefined;
  let remoteControlling: bigint | undefined;
  let remoteControlled: bigint | undefined;
  try {
    priority = request.priority;
    remoteControlling = request.iceControlling;
    remoteControlled = request.iceControlled;
  } catch {
    priority = undefined;
  }
  if (priority === undefined) {
    reply(buildCheckError(request, 400, "Bad Request"));
    return;
  }
  // Role conflict (RFC 8445 §7.3.1.1): the larger tie-breaker is controlling.
  const tieBreaker = host.tieBreaker;
  if (host.lite && remoteControlled !== undefined) {
    // A lite agent is always controlled (RFC 8445 §6.1.1): the full peer takes the other role.
    reply(buildCheckError(request, 487, "Role Conflict", s.localKey));
    return;
  }
  if (host.controlling() && remoteControlling !== undefined) {
    if (tieBreaker >= remoteControlling) {
      reply(buildCheckError(request, 487, "Role Conflict", s.localKey));
      return;
    }
    host.switchRole(false);
  } else if (!host.controlling() && remoteControlled !== undefined) {
    if (tieBreaker >= remoteControlled) host.switchRole(true);
    else {
      reply(buildCheckError(request, 487, "Role Conflict", s.localKey));
      return;
    }
  }
  reply(buildCheckSuccess(request, address, port, s.localKey));

  const transport = base.transport ?? "udp";
  let remote: Candidate | undefined = s.remoteCandidates.find(
    (c) => c.address === address && c.port === port && c.transport.toLowerCase() === transport,
  );
  if (!remote) {
    if (s.remoteCandidates.length >= MAX_REMOTE_CANDIDATES) return;
    remote = {
      foundation: prflxFoundation(address),
      component: s.component,
      transport,
      priority,
      address,
      port,
      type: "prflx",
      // Over TCP the peer's side of the connection is the other direction (RFC 6544 §7.2.1).
      ...(base.tcpType ? { tcpType: base.tcpType === "passive" ? "active" : "passive" } : {}),
      extensions: [],
    };
    s.remoteCandidates.push(remote);
    s.lastRemoteCandidateAt = performance.now();
  }
  let pair = s.checklist.find(base, address, port);
  if (!pair) {
    const local = s.localCandidates.find((l) => l.base === base && l.candidate.type !== "prflx");
    // (A passive TCP base pairs here, with the peer-reflexive active remote that just connected.)
    if (!local) return;
    pair = s.checklist.add(local, remote);
    if (!pair) return;
  }
  pair.lastActivity = performance.now();
  const useCandidate = request.useCandidate && !host.controlling();
  if (host.lite) {
    // ICE-lite (RFC 8445 §7.3.1.4-5): the authenticated check makes the pair
    // valid, USE-CANDIDATE nominates it; no triggered check is sent.
    pair.state = "succeeded";
    host.onCheck(s, pair);
    if (useCandidate && !pair.nominated) {
      pair.nominated = true;
      host.onNominated(s, pair);
    }
    host.onChange();
    return;
  }
  // Its consent was lost while it carried data (RFC 7675 §5.1): no check, ours or
  // the peer's, makes it usable again before an ICE restart.
  if (pair.consentLost) return;
  if (pair.state === "succeeded") {
    if (useCandidate && !pair.nominated) {
      pair.nominated = true;
      host.onNominated(s, pair);
    }
  } else {
    // Nominated as soon as our triggered check succeeds: no waiting for signalling.
    if (pair.state !== "in-progress") {
      if (useCandidate) pair.nominateOnSuccess = true;
      s.checklist.trigger(pair);
      s.checks.schedule();
    } else if (useCandidate && !pair.nominateOnSuccess) {
      // Our check is in flight (perhaps lost): check again now rather than
      // at the next retransmission, so the nominated pair is selected at once.
      pair.nominateOnSuccess = true;
      s.checks.sendCheck(pair, false);
    }
  }
  host.onChange();
}
