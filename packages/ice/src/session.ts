import { childController, SocketRegistry } from "@purertc/socket";
import {
  StunError,
  StunKey,
  type StunMessage,
  StunTransactionManager,
  type TransactionResult,
} from "@purertc/stun";
import { type Candidate, candidateFoundation, candidatePriority, isMdnsName } from "./candidate.js";
import { Checklist } from "./checklist.js";
import { CheckScheduler, prflxPriority, type RetransmitOptions } from "./checks.js";
import type { IceCredentials } from "./credentials.js";
import type { IceError } from "./errors.js";
import type { CandidateBase } from "./gather/base.js";
import { hostAddresses, localPreference, openHostBases } from "./gather/host.js";
import type { CandidateErrorEvent, CandidateGatherer, GatherContext } from "./gather/index.js";
import type { UdpMux } from "./mux/udp-mux.js";
import type { CandidatePair, LocalCandidate } from "./pair.js";
import { handleCheckRequest, MAX_REMOTE_CANDIDATES } from "./requests.js";
import { decodeStun, StunClass, StunMethod } from "./stun-io.js";

/** Gathering states (W3C `RTCIceGatheringState`). */
export type GatheringState = "new" | "gathering" | "complete";

/** What a session needs from the agent that owns it (callbacks, no back-reference). */
export interface SessionHost {
  readonly registry: SocketRegistry;
  controlling(): boolean;
  /** ICE-lite: never sends checks, never changes role, selects what the peer nominates. */
  readonly lite: boolean;
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
  /** An authenticated check from the peer arrived on `pair` (consent of an ICE-lite agent). */
  onCheck(session: IceSession, pair: CandidatePair): void;
  /** A non-STUN datagram from a known remote on this session's base. */
  onData(data: Uint8Array): void;
  /** A dropped packet, for counters. */
  onDrop(reason: string): void;
  /** The shared socket under a base went away (its UdpMux closed): the agent fails. */
  onTransportLost(error: IceError): void;
}

/** Timing of checks. */
export interface SessionTiming {
  ta: number;
  check: RetransmitOptions;
  server: RetransmitOptions;
  nominationTimeoutMs: number;
}

/** What gathering is asked to do (a subset of the agent options). */
export interface SessionGatherOptions {
  loopback?: boolean | "only" | undefined;
  addresses?: string[] | undefined;
  ipv4?: boolean | undefined;
  ipv6?: boolean | undefined;
  /** Announce host candidates (false for relay-only). */
  hostCandidates: boolean;
  gatherers: CandidateGatherer[];
  /** Host candidates on these shared sockets instead of a socket of our own per address. */
  udpMux?: UdpMux[] | undefined;
  /** Turns a host IP into an mDNS name (published), when mDNS is on. */
  mdnsName?: ((address: string, signal: AbortSignal) => Promise<string>) | undefined;
}

/** Most local candidates (peer-reflexive ones learned from responses included). */
const MAX_LOCAL_CANDIDATES = 1000;

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
  private readonly controller: AbortController;
  private readonly gatherController: AbortController;
  /** One STUN client transaction manager per base (it sends through that base). */
  private managers = new Map<CandidateBase, StunTransactionManager>();
  private isClosed = false;

  constructor(
    readonly local: IceCredentials,
    host: SessionHost,
    readonly timing: SessionTiming,
    parent: AbortSignal,
    readonly component = 1,
  ) {
    this.host = host;
    this.localKey = StunKey.shortTerm(local.pwd);
    this.controller = childController(parent);
    this.gatherController = childController(this.controller.signal);
    this.checklist = new Checklist(host.controlling());
    this.checks = new CheckScheduler(this);
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
    const opened =
      options.udpMux && options.udpMux.length > 0
        ? options.hostCandidates
          ? this.attachMuxes(options.udpMux)
          : []
        : await openHostBases(
            this.host.registry,
            this,
            options.hostCandidates ? hostAddresses(options) : [],
            signal,
            () => {},
          );
    if (signal.aborted || this.isClosed) {
      await Promise.all(opened.map((o) => o.base.close()));
      return;
    }
    const hostBases: Array<{ base: CandidateBase; localPreference: number }> = [];
    for (const { base } of opened) this.addBase(base);
    for (const { address, base, index } of opened) {
      const pref = localPreference(index);
      hostBases.push({ base, localPreference: pref });
      let name = address;
      if (options.mdnsName) {
        try {
          name = await options.mdnsName(address, signal);
        } catch {
          // Not published (mDNS unusable): the candidate keeps its IP.
        }
        if (signal.aborted) return;
      }
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
    await Promise.all(
      options.gatherers.map((g) =>
        g.gather(this.gatherContext(signal, hostBases)).catch((error: unknown) => {
          if (signal.aborted) return;
          const errorText = (error as Error)?.message ?? String(error);
          this.host.onCandidateError({ address: "", port: 0, url: g.name, errorCode: 701, errorText });
        }),
      ),
    );
    if (signal.aborted || this.isClosed) return;
    this.gatheringState = "complete";
    this.host.onLocalCandidate(this, null);
    this.host.onGatheringState(this);
    this.host.onChange();
  }

  /** One route per mux under our ufrag; a closed mux fails the agent with its error. */
  private attachMuxes(muxes: UdpMux[]): Array<{ address: string; base: CandidateBase; index: number }> {
    const out: Array<{ address: string; base: CandidateBase; index: number }> = [];
    for (const [index, mux] of muxes.entries()) {
      try {
        const base = mux.attach(this.local.ufrag, (error) => this.host.onTransportLost(error));
        out.push({ address: mux.address, base, index });
      } catch (error) {
        this.host.onTransportLost(error as IceError);
      }
    }
    return out;
  }

  private gatherContext(
    signal: AbortSignal,
    hostBases: Array<{ base: CandidateBase; localPreference: number }>,
  ): GatherContext {
    return {
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
      stunRequest: async (base, address, port, transactionId, bytes) => {
        const { result } = this.request(base, bytes, transactionId, { address, port }, this.timing.server);
        const { response, remote } = await result;
        if (remote.address !== address || remote.port !== port) {
          throw new StunError("ERR_TIMEOUT", "the answer came from another address");
        }
        return response;
      },
    };
  }

  private addBase(base: CandidateBase): void {
    this.bases.push(base);
    this.managers.set(
      base,
      new StunTransactionManager({
        send: (data, remote) => base.send(data, remote.port, remote.address),
        signal: this.controller.signal,
      }),
    );
    base.onPacket = (data, address, port) => this.onPacket(base, data, address, port);
  }

  private addLocalCandidate(candidate: Candidate, base: CandidateBase): void {
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
      if (this.checklist.find(base, address, port)) this.host.onData(data);
      else this.host.onDrop("data from an unknown address");
    } catch (error) {
      // A packet can never take the agent down: count it and drop it.
      this.host.onDrop(`packet handler threw: ${(error as Error)?.message}`);
    }
  }

  private onResponse(base: CandidateBase, message: StunMessage, address: string, port: number): void {
    const manager = this.managers.get(base);
    if (!manager?.handle(message, { address, port })) this.host.onDrop("unmatched STUN response");
  }

  // ------------------------------------------------------------------ closing

  /** Stops gathering (candidates found so far stay). */
  stopGathering(): void {
    this.gatherController.abort();
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
    this.controller.abort();
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

const noop = () => {};
/** Callbacks of a closed session: they do nothing (it never opens a socket). */
export const closedHost: SessionHost = {
  registry: SocketRegistry.default,
  controlling: () => false,
  lite: false,
  tieBreaker: 0n,
  switchRole: noop,
  started: () => false,
  onLocalCandidate: noop,
  onGatheringState: noop,
  onCandidateError: noop,
  onNominated: noop,
  onCheck: noop,
  onChange: noop,
  onData: noop,
  onDrop: noop,
  onTransportLost: noop,
};

export { MAX_REMOTE_CANDIDATES };
