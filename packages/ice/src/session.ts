import { Closer } from "@purertc/socket";
import {
  StunError,
  StunKey,
  type StunMessage,
  StunTransactionManager,
  type TransactionResult,
} from "@purertc/stun";
import { type Candidate, candidateFoundation, isMdnsName } from "./candidate.js";
import { Checklist } from "./checklist.js";
import { CheckScheduler, prflxPriority } from "./checks.js";
import type { IceCredentials } from "./credentials.js";
import type { CandidateBase } from "./gather/base.js";
import type { CandidatePair, LocalCandidate } from "./pair.js";
import { handleCheckRequest, MAX_REMOTE_CANDIDATES } from "./requests.js";
import type { RetransmitOptions } from "./retransmit.js";
import { gatherCandidates, type SessionGatherOptions } from "./session-gather.js";
import {
  closedHost,
  type GatheringState,
  type SessionHost,
  type SessionState,
  type SessionTiming,
} from "./session-state.js";
import { decodeStun, StunClass, StunMethod } from "./stun-io.js";

/** Most local candidates (peer-reflexive ones learned from responses included). */
const MAX_LOCAL_CANDIDATES = 1000;

/**
 * One ICE generation: its credentials, bases (sockets), local and remote
 * candidates, checklist and check traffic. An ICE restart makes a new
 * session; the old one lives on (answering the peer, carrying data) until the
 * new one has a selected pair, then it is closed.
 */
export class IceSession implements SessionState {
  readonly localKey: StunKey;
  remote: IceCredentials | undefined = undefined;
  remoteKey: StunKey | undefined = undefined;
  remoteEnded = false;
  /** performance.now() of the last remote candidate (signalled or peer-reflexive). */
  lastRemoteCandidateAt = performance.now();
  /** Remote `.local` names still being resolved. */
  pendingResolves = 0;
  gatheringState: GatheringState = "new";
  /** Our candidates (host, srflx, relay, and prflx learned from responses). */
  localCandidates: LocalCandidate[] = [];
  remoteCandidates: Candidate[] = [];
  bases: CandidateBase[] = [];
  readonly checklist: Checklist;
  readonly checks: CheckScheduler;
  /** @internal the agent's callbacks; replaced by no-ops on close. */
  host: SessionHost;
  /**
   * The session's cancellation root, a child of the agent's (a Closer: an
   * AbortController and its DOMException per session cost measurable time
   * per connection).
   */
  private readonly closer: Closer;
  /** Gathering's own root, a child of {@link closer}: stopGathering() closes it alone. */
  private readonly gatherCloser: Closer;
  /** One STUN client transaction manager per base (it sends through that base). */
  private managers = new Map<CandidateBase, StunTransactionManager>();
  private isClosed = false;

  constructor(
    readonly local: IceCredentials,
    host: SessionHost,
    readonly timing: SessionTiming,
    parent: Closer,
    readonly component = 1,
  ) {
    this.host = host;
    this.localKey = StunKey.shortTerm(local.pwd);
    this.closer = new Closer(parent);
    this.gatherCloser = new Closer(this.closer);
    // A session made under a closed agent is born closed.
    if (this.closer.closed) this.isClosed = true;
    this.checklist = new Checklist(host.controlling());
    this.checks = new CheckScheduler(this);
  }

  /** Aborts when the session closes; made on first use (mDNS resolves ask for it). */
  get signal(): AbortSignal {
    return this.closer.signal;
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
    const gathering = this.gatherCloser;
    await gatherCandidates(this, options, gathering);
    if (gathering.closed || this.isClosed) return;
    this.gatheringState = "complete";
    this.host.onLocalCandidate(this, null);
    this.host.onGatheringState(this);
    this.host.onChange();
  }

  /** @internal Takes a new base: its packets and STUN transactions come here. */
  addBase(base: CandidateBase): void {
    this.bases.push(base);
    this.managers.set(
      base,
      // Closed by close() with the others: no signal (and its listener) each.
      new StunTransactionManager({ send: (data, remote) => base.send(data, remote.port, remote.address) }),
    );
    base.onPacket = (data, address, port) => this.onPacket(base, data, address, port);
    if (base.transport === "tcp")
      base.onRemoteGone = (address, port) => this.onRemoteGone(base, address, port);
  }

  /** A TCP connection went away (or could not be made): its pair fails, the selected one included. */
  private onRemoteGone(base: CandidateBase, address: string, port: number): void {
    if (this.isClosed) return;
    const pair = this.checklist.find(base, address, port);
    if (!pair) return;
    this.checks.pairGone(pair);
    this.host.onPairGone(this, pair);
  }

  /** @internal Adds a local candidate on `base`, announces it and pairs it. */
  addLocalCandidate(candidate: Candidate, base: CandidateBase): void {
    const local: LocalCandidate = { candidate, base };
    this.localCandidates.push(local);
    this.host.onLocalCandidate(this, candidate);
    for (const remote of this.remoteCandidates) this.checklist.add(local, remote);
    this.checks.schedule();
  }

  /**
   * A mapped address we do not know is a peer-reflexive local candidate
   * (RFC 8445 §7.2.5.3.1); checks and data keep using the pair's base.
   */
  learnLocalPrflx(pair: CandidatePair, address: string, port: number): void {
    const base = pair.local.base;
    // Over TCP the mapped port is the connection's, not a candidate (RFC 6544 §7.2.2).
    if (base.transport === "tcp") return;
    const known = this.localCandidates.some(
      (l) =>
        l.base === base &&
        l.candidate.port === port &&
        (l.candidate.address === address || base.address === address),
    );
    if (known || this.localCandidates.length >= MAX_LOCAL_CANDIDATES) return;
    this.localCandidates.push({
      candidate: {
        foundation: candidateFoundation("prflx", base.address),
        component: this.component,
        transport: "udp",
        priority: prflxPriority(pair.local),
        address,
        port,
        type: "prflx",
        relatedAddress: base.address,
        relatedPort: base.port,
        extensions: [],
      },
      base,
    });
  }

  /**
   * One STUN client transaction from `base` (retransmitted as `schedule`
   * says), through @purertc/stun's transaction manager. With `key`, only
   * answers carrying that MESSAGE-INTEGRITY count. `cancel` ends it quietly.
   */
  request(
    base: CandidateBase,
    bytes: Uint8Array,
    transactionId: Uint8Array,
    to: { address: string; port: number },
    schedule: RetransmitOptions,
    key?: StunKey,
  ): { result: Promise<TransactionResult>; cancel: () => void } {
    const manager = this.managers.get(base);
    if (!manager || this.isClosed) {
      const result = Promise.reject(new StunError("ERR_CLOSED", "the ICE session is closed"));
      result.catch(() => {});
      return { result, cancel: () => {} };
    }
    const result = manager.request(bytes, to, {
      rto: schedule.rto,
      rc: schedule.attempts,
      rtoMax: schedule.maxRto,
      // The last try waits about one maximal RTO for its answer.
      rm: Math.max(1, Math.ceil(schedule.maxRto / schedule.rto)),
      // Over TCP a request is sent once and waits Ti = 79 RTO (RFC 6544 §7.1, RFC 8489 §6.2.2).
      ...(base.transport === "tcp" ? { reliable: true } : {}),
      ...(key ? { key } : {}),
    });
    result.catch(() => {}); // callers that cancel never look at it
    return { result, cancel: () => void manager.cancel(transactionId) };
  }

  // ------------------------------------------------------------ remote side

  setRemoteCredentials(credentials: IceCredentials): void {
    this.remote = credentials;
    this.remoteKey = StunKey.shortTerm(credentials.pwd);
    this.checks.schedule();
    this.host.onChange();
  }

  /** Adds a remote candidate (address already resolved to an IP). */
  addRemoteCandidate(candidate: Candidate): void {
    if (this.isClosed || isMdnsName(candidate.address)) return;
    // A candidate of another generation (Chromium's ufrag extension) is stale.
    if (candidate.ufrag !== undefined && this.remote && candidate.ufrag !== this.remote.ufrag) return;
    const known = this.remoteCandidates.find(
      (c) =>
        c.address === candidate.address &&
        c.port === candidate.port &&
        c.component === candidate.component &&
        c.transport.toLowerCase() === candidate.transport.toLowerCase(),
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
    if (this.remoteCandidates.length >= MAX_REMOTE_CANDIDATES) return;
    this.remoteCandidates.push(candidate);
    this.lastRemoteCandidateAt = performance.now();
    for (const local of this.localCandidates) {
      if (local.candidate.type !== "prflx") this.checklist.add(local, candidate);
    }
    this.checks.schedule();
    this.host.onChange();
  }

  setRemoteEnded(): void {
    this.remoteEnded = true;
    this.host.onChange();
  }

  /** The role changed: re-sort the checklist; a new controlling agent nominates. */
  roleChanged(controlling: boolean): void {
    this.checklist.setControlling(controlling);
    if (controlling) this.checks.maybeNominate();
  }

  // --------------------------------------------------------- incoming packets

  private onPacket(base: CandidateBase, data: Uint8Array, address: string, port: number): void {
    if (this.isClosed) return;
    try {
      if (data.length > 0 && data[0]! <= 3) {
        // RFC 7983: 0-3 is STUN.
        const message = decodeStun(data);
        if (!message) {
          this.host.onDrop("malformed STUN");
          return;
        }
        if (message.method !== StunMethod.Binding) {
          this.host.onDrop("STUN method other than Binding");
          return;
        }
        if (message.messageClass === StunClass.Request)
          handleCheckRequest(this, base, message, address, port);
        else if (message.messageClass !== StunClass.Indication) this.onResponse(base, message, address, port);
        // Binding indications are keepalives (RFC 8445 §11): nothing to do.
        return;
      }
      // Data is accepted from remotes we have a pair with, on this base.
      const pair = this.checklist.find(base, address, port);
      if (pair) this.host.onData(data, this, pair);
      else this.host.onDrop("data from an unknown address");
    } catch (error) {
      // A packet can never take the agent down: count it and drop it.
      this.host.onDrop(`packet handler threw: ${(error as Error)?.message}`);
    }
  }

  private onResponse(base: CandidateBase, message: StunMessage, address: string, port: number): void {
    const manager = this.managers.get(base);
    if (manager?.handle(message, { address, port })) return;
    // Read after its transaction gave up (a stalled event loop): still consent.
    if (!this.host.onLateResponse(this, base, message, address, port))
      this.host.onDrop("unmatched STUN response");
  }

  // ------------------------------------------------------------------ closing

  /** Stops gathering (candidates found so far stay). */
  stopGathering(): void {
    this.gatherCloser.close();
  }

  /**
   * Stops gathering and checks, but keeps the bases open so the session can
   * still answer the peer and carry data (after a restart).
   */
  retire(): void {
    this.stopGathering();
    this.checks.stop();
  }

  /** Closes the session: every transaction, timer, pair, candidate and socket. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closer.close();
    this.checks.stop();
    for (const manager of this.managers.values()) manager.close();
    this.managers = new Map();
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

export { MAX_REMOTE_CANDIDATES };
