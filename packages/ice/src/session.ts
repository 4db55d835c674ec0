import { childController, type SocketRegistry, setRepeatingTimer, setTimer } from "@purertc/socket";
import { StunKey, type StunMessage } from "@purertc/stun";
import {
  type Candidate,
  candidateFoundation,
  candidatePriority,
  isMdnsName,
  TYPE_PREFERENCE,
} from "./candidate.js";
import { Checklist } from "./checklist.js";
import type { IceCredentials } from "./credentials.js";
import type { CandidateBase } from "./gather/base.js";
import { hostAddresses, localPreference, openHostBases } from "./gather/host.js";
import type { CandidateErrorEvent, CandidateGatherer, GatherContext } from "./gather/index.js";
import type { CandidatePair, LocalCandidate } from "./pair.js";
import {
  buildCheck,
  buildCheckError,
  buildCheckSuccess,
  decodeStun,
  StunClass,
  StunMethod,
} from "./stun-io.js";
import { type RetransmitOptions, Transactions } from "./transactions.js";

/** Gathering states (W3C `RTCIceGatheringState`). */
export type GatheringState = "new" | "gathering" | "complete";

/** What a session needs from the agent that owns it (callbacks, no back-reference). */
export interface SessionHost {
  readonly registry: SocketRegistry;
  controlling(): boolean;
  readonly tieBreaker: bigint;
  /** Switch role after a conflict (RFC 8445 §7.3.1.1, §7.2.5.1). */
  switchRole(controlling: boolean): void;
  /** Whether checks may be sent (the agent was started). */
  started(): boolean;
  onLocalCandidate(session: IceSession, candidate: Candidate | null): void;
  onGatheringState(session: IceSession): void;
  onCandidateError(error: CandidateErrorEvent): void;
  /** A pair was nominated (either side): the agent selects. */
  onNominated(session: IceSession, pair: CandidatePair): void;
  /** Something changed that may change the agent state. */
  onChange(): void;
  /** A non-STUN datagram from a known remote on this session's base. */
  onData(data: Uint8Array): void;
  /** A dropped packet, for counters. */
  onDrop(reason: string): void;
}

/** Timing of checks. */
export interface SessionTiming {
  ta: number;
  check: RetransmitOptions;
  server: RetransmitOptions;
  nominationTimeoutMs: number;
}

/** What host gathering is asked to do (a subset of the agent options). */
export interface SessionGatherOptions {
  loopback?: boolean | "only" | undefined;
  addresses?: string[] | undefined;
  ipv4?: boolean | undefined;
  ipv6?: boolean | undefined;
  gatherers: CandidateGatherer[];
  /** Turns a host IP into an mDNS name (published), when mDNS is on. */
  mdnsName?: ((address: string, signal: AbortSignal) => Promise<string>) | undefined;
}

/**
 * One ICE generation: its credentials, bases (sockets), local and remote
 * candidates, checklist and check traffic. An ICE restart makes a new
 * session; the old one lives on (answering the peer, carrying data) until the
 * new one has a selected pair, then it is closed.
 */
export class IceSession {
  readonly localKey: StunKey;
  remote: IceCredentials | undefined = undefined;
  remoteKey: StunKey | undefined = undefined;
  remoteEnded = false;
  gatheringState: GatheringState = "new";
  /** Our candidates (host, srflx, relay, and prflx learned from responses). */
  localCandidates: LocalCandidate[] = [];
  remoteCandidates: Candidate[] = [];
  bases: CandidateBase[] = [];
  readonly checklist: Checklist;
  readonly transactions: Transactions;
  private readonly controller: AbortController;
  private readonly gatherController: AbortController;
  private cancelPacer: (() => void) | undefined = undefined;
  private lastCheckAt = Number.NEGATIVE_INFINITY;
  private nominationDeadline: number | undefined = undefined;
  private cancelNominationTimer: (() => void) | undefined = undefined;
  private isClosed = false;

  constructor(
    readonly local: IceCredentials,
    private host: SessionHost,
    private readonly timing: SessionTiming,
    parent: AbortSignal,
    readonly component = 1,
  ) {
    this.localKey = StunKey.shortTerm(local.pwd);
    this.controller = childController(parent);
    this.gatherController = childController(this.controller.signal);
    this.checklist = new Checklist(host.controlling());
    this.transactions = new Transactions(this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  // ---------------------------------------------------------------- gathering

  /** Gathers host candidates, then runs the other gatherers. */
  async gather(options: SessionGatherOptions): Promise<void> {
    if (this.gatheringState !== "new" || this.isClosed) return;
    this.gatheringState = "gathering";
    this.host.onGatheringState(this);
    const signal = this.gatherController.signal;
    const addresses = hostAddresses(options);
    const opened = await openHostBases(this.host.registry, this, addresses, signal, () => {});
    if (signal.aborted || this.isClosed) {
      await Promise.all(opened.map((o) => o.base.close()));
      return;
    }
    const hostBases: Array<{ base: CandidateBase; localPreference: number }> = [];
    for (const { address, base, index } of opened) {
      const pref = localPreference(index);
      this.addBase(base);
      hostBases.push({ base, localPreference: pref });
      let name = address;
      if (options.mdnsName) {
        try {
          name = await options.mdnsName(address, signal);
        } catch {
          if (signal.aborted) return;
        }
      }
      if (signal.aborted) return;
      this.addLocalCandidate(
        {
          foundation: candidateFoundation("host", address),
          component: this.component,
          transport: "udp",
          priority: candidatePriority("host", pref, this.component),
          address: name,
          port: base.port,
          type: "host",
          extensions: [],
        },
        base,
      );
    }
    const ctx: GatherContext = {
      signal,
      registry: this.host.registry,
      owner: this,
      component: this.component,
      ufrag: this.local.ufrag,
      hostBases,
      addBase: (base) => {
        if (this.isClosed) void base.close();
        else this.addBase(base);
      },
      addCandidate: (candidate, base) => {
        if (!signal.aborted) this.addLocalCandidate(candidate, base);
      },
      reportError: (error) => {
        if (!signal.aborted) this.host.onCandidateError(error);
      },
      stunRequest: (base, address, port, transactionId, bytes) =>
        this.transactions
          .start(
            transactionId,
            () => base.send(bytes, port, address),
            this.timing.server,
            (_r, a, p) => {
              return a === address && p === port;
            },
          )
          .result.then((r) => r.response),
    };
    await Promise.all(
      options.gatherers.map((g) =>
        g.gather(ctx).catch((error: unknown) => {
          if (!signal.aborted) {
            this.host.onCandidateError({
              address: "",
              port: 0,
              url: g.name,
              errorCode: 701,
              errorText: (error as Error)?.message ?? String(error),
            });
          }
        }),
      ),
    );
    if (signal.aborted || this.isClosed) return;
    this.gatheringState = "complete";
    this.host.onLocalCandidate(this, null);
    this.host.onGatheringState(this);
    this.host.onChange();
  }

  private addBase(base: CandidateBase): void {
    this.bases.push(base);
    base.onPacket = (data, address, port) => this.onPacket(base, data, address, port);
  }

  private addLocalCandidate(candidate: Candidate, base: CandidateBase): void {
    const local: LocalCandidate = { candidate, base };
    this.localCandidates.push(local);
    this.host.onLocalCandidate(this, candidate);
    for (const remote of this.remoteCandidates) this.checklist.add(local, remote);
    this.schedule();
  }

  // ------------------------------------------------------------ remote side

  setRemoteCredentials(credentials: IceCredentials): void {
    this.remote = credentials;
    this.remoteKey = StunKey.shortTerm(credentials.pwd);
    this.schedule();
    this.host.onChange();
  }

  /** Adds a remote candidate (address already resolved to an IP). */
  addRemoteCandidate(candidate: Candidate): void {
    if (this.isClosed) return;
    if (isMdnsName(candidate.address)) return;
    const known = this.remoteCandidates.find(
      (c) =>
        c.address === candidate.address && c.port === candidate.port && c.component === candidate.component,
    );
    if (known) {
      // A peer-reflexive remote learned from a check is now signalled: it takes
      // the signalled type, foundation and priority (pairs see it in place).
      if (known.type === "prflx" && candidate.type !== "prflx") {
        Object.assign(known, { ...candidate, extensions: [...candidate.extensions] });
        this.checklist.setControlling(this.host.controlling());
      }
      return;
    }
    if (this.remoteCandidates.length >= 1000) return;
    this.remoteCandidates.push(candidate);
    for (const local of this.localCandidates) {
      if (local.candidate.type === "prflx") continue;
      this.checklist.add(local, candidate);
    }
    this.schedule();
    this.host.onChange();
  }

  setRemoteEnded(): void {
    this.remoteEnded = true;
    this.host.onChange();
  }

  // ------------------------------------------------------------------ pacing

  /** Makes sure the Ta pacer runs while there are checks to send. */
  schedule(): void {
    if (this.isClosed || this.cancelPacer || !this.remoteKey || !this.host.started()) return;
    if (!this.checklist.pending) return;
    const wait = this.lastCheckAt + this.timing.ta - performance.now();
    if (wait <= 0) {
      this.tick();
      if (!this.checklist.pending) return;
    }
    this.cancelPacer = setRepeatingTimer(() => this.tick(), this.timing.ta, this.signal);
  }

  private tick(): void {
    const pair = this.checklist.next();
    if (!pair) {
      this.cancelPacer?.();
      this.cancelPacer = undefined;
      return;
    }
    this.lastCheckAt = performance.now();
    this.sendCheck(pair, false);
  }

  // ------------------------------------------------------------------ checks

  /** Priority a prflx candidate of this local would have (RFC 8445 §7.2.2). */
  private prflxPriority(local: LocalCandidate): number {
    return TYPE_PREFERENCE.prflx * 2 ** 24 + (local.candidate.priority % 2 ** 24);
  }

  /** Sends a connectivity check on `pair`, with USE-CANDIDATE when `nominate`. */
  sendCheck(pair: CandidatePair, nominate: boolean): void {
    const remote = this.remote;
    const key = this.remoteKey;
    if (!remote || !key || this.isClosed) return;
    pair.cancelCheck?.();
    if (pair.state !== "succeeded") pair.state = "in-progress";
    const controlling = this.host.controlling();
    const { transactionId, bytes } = buildCheck({
      username: `${remote.ufrag}:${this.local.ufrag}`,
      priority: this.prflxPriority(pair.local),
      controlling,
      tieBreaker: this.host.tieBreaker,
      useCandidate: nominate,
      key,
    });
    const base = pair.local.base;
    const to = pair.remote;
    const sentAt = performance.now();
    const transaction = this.transactions.start(
      transactionId,
      () => base.send(bytes, to.port, to.address),
      this.timing.check,
      // A response must carry our peer's MESSAGE-INTEGRITY (RFC 8445 §7.2.5.2.2);
      // error responses 400/401 cannot, and count like silence.
      (response) => response.checkIntegrity(key) && (!response.hasFingerprint || response.checkFingerprint()),
    );
    pair.cancelCheck = transaction.cancel;
    transaction.result.then(
      ({ response, address, port }) =>
        this.onCheckResponse(pair, response, address, port, nominate, controlling, sentAt),
      () => this.onCheckTimeout(pair, nominate),
    );
  }

  private onCheckResponse(
    pair: CandidatePair,
    response: StunMessage,
    address: string,
    port: number,
    nominate: boolean,
    controllingAtSend: boolean,
    sentAt: number,
  ): void {
    pair.cancelCheck = undefined;
    if (this.isClosed) return;
    if (nominate) pair.nominating = false;
    // Symmetric transport addresses (RFC 8445 §7.2.5.2.1).
    if (address !== pair.remote.address || port !== pair.remote.port) {
      pair.state = "failed";
      this.afterCheck();
      return;
    }
    if (response.messageClass === StunClass.ErrorResponse) {
      if (response.errorCode?.code === 487) {
        // Role conflict (RFC 8445 §7.2.5.1): take the other role, check again.
        if (this.host.controlling() === controllingAtSend) this.host.switchRole(!controllingAtSend);
        this.checklist.trigger(pair);
        this.schedule();
      } else {
        pair.state = "failed";
        this.afterCheck();
      }
      return;
    }
    let mapped: { address: string; port: number } | undefined;
    try {
      mapped = response.xorMappedAddress;
    } catch {
      mapped = undefined;
    }
    if (!mapped) {
      pair.state = "failed";
      this.afterCheck();
      return;
    }
    // A mapped address we do not know is a peer-reflexive local candidate
    // (RFC 8445 §7.2.5.3.1); checks and data keep using the pair's base.
    const knownLocal = this.localCandidates.some(
      (l) => l.base === pair.local.base && l.candidate.port === mapped.port && sameIp(l, mapped.address),
    );
    if (!knownLocal && this.localCandidates.length < 1000) {
      this.localCandidates.push({
        candidate: {
          foundation: candidateFoundation("prflx", pair.local.base.address),
          component: this.component,
          transport: "udp",
          priority: this.prflxPriority(pair.local),
          address: mapped.address,
          port: mapped.port,
          type: "prflx",
          relatedAddress: pair.local.base.address,
          relatedPort: pair.local.base.port,
          extensions: [],
        },
        base: pair.local.base,
      });
    }
    pair.state = "succeeded";
    pair.rttMs = performance.now() - sentAt;
    pair.lastActivity = performance.now();
    this.checklist.unfreeze(pair.foundation);
    const controlling = this.host.controlling();
    if (nominate && controlling) {
      pair.nominated = true;
      this.host.onNominated(this, pair);
    } else if (!controlling && pair.nominateOnSuccess) {
      pair.nominated = true;
      this.host.onNominated(this, pair);
    } else if (controlling) {
      this.maybeNominate();
    }
    this.afterCheck();
  }

  private onCheckTimeout(pair: CandidatePair, nominate: boolean): void {
    pair.cancelCheck = undefined;
    if (this.isClosed) return;
    if (nominate) pair.nominating = false;
    pair.state = "failed";
    this.afterCheck();
  }

  private afterCheck(): void {
    if (this.host.controlling()) this.maybeNominate();
    this.host.onChange();
  }

  /**
   * Regular nomination as controlling agent (RFC 8445 §8.1.1): once a valid
   * pair exists and no pair of higher priority is still being checked (or
   * `nominationTimeoutMs` has passed since the first valid pair), check the
   * best valid pair again with USE-CANDIDATE.
   */
  maybeNominate(): void {
    if (this.isClosed || !this.host.controlling()) return;
    const pairs = this.checklist.all;
    if (pairs.some((p) => p.nominated || p.nominating)) return;
    const best = pairs.find((p) => p.state === "succeeded");
    if (!best) return;
    const now = performance.now();
    this.nominationDeadline ??= now + this.timing.nominationTimeoutMs;
    const higherPending = pairs.some(
      (p) =>
        p.priority > best.priority &&
        (p.state === "waiting" || p.state === "frozen" || p.state === "in-progress"),
    );
    if (higherPending && now < this.nominationDeadline) {
      this.cancelNominationTimer ??= setTimer(
        () => {
          this.cancelNominationTimer = undefined;
          this.maybeNominate();
        },
        this.nominationDeadline - now,
        this.signal,
      );
      return;
    }
    this.cancelNominationTimer?.();
    this.cancelNominationTimer = undefined;
    best.nominating = true;
    this.sendCheck(best, true);
  }

  /** The role changed: re-sort the checklist; a new controlling agent nominates. */
  roleChanged(controlling: boolean): void {
    this.checklist.setControlling(controlling);
    if (controlling) this.maybeNominate();
  }

  // --------------------------------------------------------- incoming packets

  private onPacket(base: CandidateBase, data: Uint8Array, address: string, port: number): void {
    if (this.isClosed) return;
    try {
      if (data.length > 0 && data[0]! <= 3) {
        const message = decodeStun(data);
        if (!message) {
          this.host.onDrop("malformed STUN");
          return;
        }
        if (message.method !== StunMethod.Binding) {
          this.host.onDrop("STUN method other than Binding");
          return;
        }
        if (message.messageClass === StunClass.Request) this.onRequest(base, message, address, port);
        else if (
          message.messageClass === StunClass.SuccessResponse ||
          message.messageClass === StunClass.ErrorResponse
        ) {
          if (!this.transactions.handleResponse(message, address, port))
            this.host.onDrop("unmatched STUN response");
        }
        // Binding indications are keepalives (RFC 8445 §11): nothing to do.
        return;
      }
      // Data is accepted from remotes we have a pair with, on this base.
      if (this.checklist.find(base, address, port)) this.host.onData(data);
      else this.host.onDrop("data from an unknown address");
    } catch (error) {
      // A packet can never take the agent down: count it and drop it.
      this.host.onDrop(`packet handler threw: ${(error as Error)?.message}`);
    }
  }

  /**
   * A connectivity check from the peer (RFC 8445 §7.3). Nothing is created
   * before it is authenticated: a request without USERNAME or
   * MESSAGE-INTEGRITY gets 400, an unknown ufrag or a bad MESSAGE-INTEGRITY
   * 401 (RFC 8489 §9.1.3), a bad FINGERPRINT nothing at all.
   */
  private onRequest(base: CandidateBase, request: StunMessage, address: string, port: number): void {
    if (request.hasFingerprint && !request.checkFingerprint()) {
      this.host.onDrop("bad FINGERPRINT");
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
      this.host.onDrop("check without USERNAME or MESSAGE-INTEGRITY");
      return;
    }
    const colon = username.indexOf(":");
    if (
      colon < 0 ||
      username.slice(0, colon) !== this.local.ufrag ||
      !request.checkIntegrity(this.localKey)
    ) {
      reply(buildCheckError(request, 401, "Unauthenticated"));
      this.host.onDrop("check with unknown ufrag or bad MESSAGE-INTEGRITY");
      return;
    }
    if (request.unknownComprehensionRequired.length > 0) {
      reply(
        buildCheckError(
          request,
          420,
          "Unknown Attribute",
          this.localKey,
          request.unknownComprehensionRequired,
        ),
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
    // Role conflict (RFC 8445 §7.3.1.1).
    const tieBreaker = this.host.tieBreaker;
    if (this.host.controlling() && remoteControlling !== undefined) {
      if (tieBreaker >= remoteControlling) {
        reply(buildCheckError(request, 487, "Role Conflict", this.localKey));
        return;
      }
      this.host.switchRole(false);
    } else if (!this.host.controlling() && remoteControlled !== undefined) {
      if (tieBreaker >= remoteControlled) this.host.switchRole(true);
      else {
        reply(buildCheckError(request, 487, "Role Conflict", this.localKey));
        return;
      }
    }
    reply(buildCheckSuccess(request, address, port, this.localKey));

    // Learn a peer-reflexive remote candidate (RFC 8445 §7.3.1.3).
    let remote = this.remoteCandidates.find((c) => c.address === address && c.port === port);
    if (!remote) {
      if (this.remoteCandidates.length >= 1000) return;
      remote = {
        foundation: candidateFoundation("prflx", address),
        component: this.component,
        transport: "udp",
        priority,
        address,
        port,
        type: "prflx",
        extensions: [],
      };
      this.remoteCandidates.push(remote);
    }
    let pair = this.checklist.find(base, address, port);
    if (!pair) {
      const local = this.localCandidates.find((l) => l.base === base && l.candidate.type !== "prflx");
      if (!local) return;
      pair = this.checklist.add(local, remote);
      if (!pair) return;
    }
    pair.lastActivity = performance.now();
    const useCandidate = request.useCandidate && !this.host.controlling();
    if (pair.state === "succeeded") {
      if (useCandidate && !pair.nominated) {
        pair.nominated = true;
        this.host.onNominated(this, pair);
      }
    } else {
      // Triggered check (RFC 8445 §7.3.1.4); nominated once it succeeds.
      if (useCandidate) pair.nominateOnSuccess = true;
      if (pair.state !== "in-progress") {
        this.checklist.trigger(pair);
        this.schedule();
      }
    }
    this.host.onChange();
  }

  // ------------------------------------------------------------------ consent

  /**
   * A consent check on `pair` (RFC 7675 §5.1): a Binding request like a
   * connectivity check; resolves true on an authenticated success response.
   */
  consentCheck(
    pair: CandidatePair,
    schedule: RetransmitOptions,
  ): { result: Promise<boolean>; cancel: () => void } {
    const remote = this.remote;
    const key = this.remoteKey;
    if (!remote || !key || this.isClosed) return { result: Promise.resolve(false), cancel: () => {} };
    const { transactionId, bytes } = buildCheck({
      username: `${remote.ufrag}:${this.local.ufrag}`,
      priority: this.prflxPriority(pair.local),
      controlling: this.host.controlling(),
      tieBreaker: this.host.tieBreaker,
      useCandidate: false,
      key,
    });
    const base = pair.local.base;
    const to = pair.remote;
    const t = this.transactions.start(
      transactionId,
      () => base.send(bytes, to.port, to.address),
      schedule,
      (response, address, port) =>
        address === to.address &&
        port === to.port &&
        response.messageClass === StunClass.SuccessResponse &&
        response.checkIntegrity(key),
    );
    return {
      result: t.result.then(
        () => true,
        () => false,
      ),
      cancel: t.cancel,
    };
  }

  // ------------------------------------------------------------------ closing

  /** Stops gathering (candidates found so far stay). */
  stopGathering(): void {
    this.gatherController.abort();
  }

  /**
   * Stops checks and forgets the checklist, but keeps the bases open so the
   * session can still answer the peer and carry data (after a restart).
   */
  retire(): void {
    this.stopGathering();
    this.cancelPacer?.();
    this.cancelPacer = undefined;
    this.cancelNominationTimer?.();
    this.cancelNominationTimer = undefined;
  }

  /** Closes the session: every transaction, timer, pair, candidate and socket. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.controller.abort();
    this.cancelPacer = undefined;
    this.cancelNominationTimer = undefined;
    this.transactions.clear();
    this.checklist.clear();
    const bases = this.bases;
    this.bases = [];
    this.localCandidates = [];
    this.remoteCandidates = [];
    this.remote = undefined;
    this.remoteKey = undefined;
    // Drop the callbacks into the agent: nothing of it stays reachable from here.
    this.host = closedHost;
    await Promise.all(bases.map((b) => b.close()));
  }
}

function sameIp(local: LocalCandidate, address: string): boolean {
  return local.candidate.address === address || local.base.address === address;
}

const noop = () => {};
const closedHost: SessionHost = {
  registry: undefined as unknown as SocketRegistry,
  controlling: () => false,
  tieBreaker: 0n,
  switchRole: noop,
  started: () => false,
  onLocalCandidate: noop,
  onGatheringState: noop,
  onCandidateError: noop,
  onNominated: noop,
  onChange: noop,
  onData: noop,
  onDrop: noop,
};
