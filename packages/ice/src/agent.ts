import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createDebug, type DatagramTransport, SocketRegistry, setTimer } from "@purertc/socket";
import { type Candidate, candidateAddress, isMdnsName, parseCandidate } from "./candidate.js";
import { ConsentMonitor, type ConsentState } from "./consent.js";
import { generateCredentials, type IceCredentials, validateCredentials } from "./credentials.js";
import { IceError } from "./errors.js";
import type { CandidateGatherer } from "./gather/index.js";
import { createMdnsProvider, type MdnsProvider } from "./gather/mdns.js";
import { SrflxGatherer } from "./gather/srflx.js";
import type { UdpMux } from "./mux/udp-mux.js";
import type {
  IceAgentEvents,
  IceAgentOptions,
  IceAgentStats,
  IceRole,
  IceTransportState,
  SelectedPair,
} from "./options.js";
import type { CandidatePair } from "./pair.js";
import { closedHost, type GatheringState, IceSession, type SessionHost } from "./session.js";

export type { IceAgentEvents, IceAgentOptions, IceAgentStats, IceRole, IceTransportState, SelectedPair };

const log = createDebug("purertc:ice");

/**
 * A full ICE agent (RFC 8445) for one component over UDP, with trickle
 * (RFC 8838), consent freshness (RFC 7675), mDNS candidates and ICE restart,
 * shaped like the W3C `RTCIceTransport`.
 *
 * Once a pair is selected it is the {@link DatagramTransport} that DTLS runs
 * over: STUN is demultiplexed from the rest by the first byte (RFC 7983) and
 * answered by the agent; every other datagram from the peer goes to
 * `onDatagram`.
 *
 * ```ts
 * const a = new IceAgent({ role: "controlling", loopback: "only" });
 * const b = new IceAgent({ role: "controlled", loopback: "only" });
 * await Promise.all([a.gather(), b.gather()]);
 * a.setRemoteCredentials(b.localCredentials); b.setRemoteCredentials(a.localCredentials);
 * for (const c of b.localCandidates) a.addRemoteCandidate(c);
 * for (const c of a.localCandidates) b.addRemoteCandidate(c);
 * await Promise.all([a.connect(), b.connect()]);
 * b.onDatagram = (d) => console.log(new TextDecoder().decode(d));
 * a.send(new TextEncoder().encode("hello"));
 * await a.close(); await b.close();
 * ```
 */
export class IceAgent extends EventEmitter<IceAgentEvents> implements DatagramTransport, AsyncDisposable {
  onDatagram: ((data: Uint8Array) => void) | undefined = undefined;
  onClose: (() => void) | undefined = undefined;

  /** The tie-breaker sent in ICE-CONTROLLING / ICE-CONTROLLED. */
  readonly tieBreaker: bigint;
  private readonly controller = new AbortController();
  private readonly registry: SocketRegistry;
  private isControlling: boolean;
  private isStarted = false;
  private current: IceSession;
  private retired: IceSession[] = [];
  private selected: { pair: CandidatePair; session: IceSession } | undefined = undefined;
  private consent: ConsentMonitor | undefined = undefined;
  private consentState: ConsentState = "fresh";
  private stateValue: IceTransportState = "new";
  private gathering: Promise<void> | undefined = undefined;
  private waiters: Array<{ resolve(pair: SelectedPair): void; reject(error: Error): void }> = [];
  private closing: Promise<void> | undefined = undefined;
  private readonly counters = {
    datagramsSent: 0,
    datagramsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
  };
  private readonly options: IceAgentOptions;
  private readonly mdns: MdnsProvider | undefined;
  private readonly ownsMdns: boolean;
  private readonly udpMux: UdpMux[] | undefined;
  /** Why the agent failed when its transport went away under it (a closed UdpMux). */
  private lost: IceError | undefined = undefined;

  constructor(options: IceAgentOptions = {}) {
    super();
    this.options = { ...options };
    this.registry = options.registry ?? SocketRegistry.default;
    if (options.lite && options.relayOnly) {
      throw new IceError(
        "ERR_STATE",
        "an ICE-lite agent has host candidates only: lite and relayOnly exclude each other",
      );
    }
    this.isControlling = !options.lite && (options.role ?? "controlling") === "controlling";
    this.tieBreaker = options.tieBreaker ?? randomBytes(8).readBigUInt64BE();
    const credentials = options.credentials
      ? validateCredentials(options.credentials)
      : generateCredentials();
    this.udpMux = options.udpMux === undefined ? undefined : [options.udpMux].flat();
    this.current = this.newSession(credentials);
    const mdns = options.mdns;
    if (mdns && typeof mdns === "object" && "publish" in mdns) {
      this.mdns = mdns;
      this.ownsMdns = false;
    } else {
      this.mdns = mdns ? createMdnsProvider(mdns === true ? {} : mdns) : undefined;
      this.ownsMdns = this.mdns !== undefined;
    }
  }

  // -------------------------------------------------------------- properties

  /** Current role. */
  get role(): IceRole {
    return this.isControlling ? "controlling" : "controlled";
  }

  /** Transport state (W3C `RTCIceTransport.state`). */
  get state(): IceTransportState {
    return this.stateValue;
  }

  /** Gathering state of the current generation. */
  get gatheringState(): GatheringState {
    return this.current.gatheringState;
  }

  /** Our ufrag and pwd (of the current generation). */
  get localCredentials(): IceCredentials {
    return { ...this.current.local };
  }

  /** The peer's credentials, once set. */
  get remoteCredentials(): IceCredentials | undefined {
    return this.current.remote ? { ...this.current.remote } : undefined;
  }

  /** Local candidates to signal (host, srflx, relay), in gathering order. */
  get localCandidates(): Candidate[] {
    return this.current.localCandidates.filter((l) => l.candidate.type !== "prflx").map((l) => l.candidate);
  }

  /** Remote candidates known, peer-reflexive ones included. */
  get remoteCandidates(): Candidate[] {
    return [...this.current.remoteCandidates];
  }

  /** The selected pair, once there is one. */
  get selectedPair(): SelectedPair | undefined {
    const s = this.selected;
    if (!s) return undefined;
    return { id: s.pair.id, local: s.pair.local.candidate, remote: s.pair.remote, rttMs: s.pair.rttMs };
  }

  /** Why the agent failed when its shared socket went away (its {@link UdpMux} closed), else undefined. */
  get transportError(): IceError | undefined {
    return this.lost;
  }

  /** True once closed (DatagramTransport). */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Counters and the pairs of the current checklist. */
  getStats(): IceAgentStats {
    return {
      ...this.counters,
      localCandidates: this.current.localCandidates.map((l) => ({ ...l.candidate })),
      remoteCandidates: this.current.remoteCandidates.map((c) => ({ ...c })),
      pairs: this.current.checklist.all.map((p) => ({
        id: p.id,
        local: candidateAddress(p.local.candidate),
        remote: candidateAddress(p.remote),
        state: p.state,
        nominated: p.nominated,
        priority: p.priority.toString(),
      })),
    };
  }

  // -------------------------------------------------------------- operations

  /**
   * Gathers local candidates: host candidates on every usable interface (as
   * the options say), then server-reflexive and other gatherers. Each is
   * emitted as `candidate` when found; resolves when gathering is complete.
   */
  gather(): Promise<void> {
    if (this.closing) return Promise.reject(new IceError("ERR_STATE", "the ICE agent is closed"));
    if (this.gathering && this.gatheringSession === this.current) return this.gathering;
    const session = this.current;
    const gatherers: CandidateGatherer[] = [];
    if (this.options.stunServers?.length && !this.options.lite) {
      gatherers.push(
        new SrflxGatherer(this.options.stunServers, this.options.keepRedundantCandidates ?? false),
      );
    }
    // ICE-lite: host candidates only (RFC 8445 §5.1.1).
    if (!this.options.lite) gatherers.push(...(this.options.gatherers ?? []));
    const mdns = this.mdns;
    this.gatheringSession = session;
    this.gathering = session.gather({
      loopback: this.options.loopback,
      addresses: this.options.addresses,
      ipv4: this.options.ipv4,
      ipv6: this.options.ipv6,
      hostCandidates: !this.options.relayOnly,
      udpMux: this.udpMux,
      gatherers,
      mdnsName: mdns ? (address, signal) => mdns.publish(address, signal) : undefined,
    });
    return this.gathering;
  }
  private gatheringSession: IceSession | undefined = undefined;

  /**
   * Sets the peer's ufrag and pwd (from its SDP).
   * @throws IceError `ERR_CREDENTIALS` if they are not valid ice-chars of the right length.
   */
  setRemoteCredentials(credentials: IceCredentials): void {
    this.assertOpen();
    this.current.setRemoteCredentials(validateCredentials(credentials));
    this.updateState();
  }

  /**
   * Adds a remote candidate (trickle, RFC 8838): a parsed candidate or its
   * SDP string, or `null` for end-of-candidates. `.local` names are resolved
   * over mDNS when a provider is set, and ignored otherwise. Non-UDP
   * candidates are kept out of the checklist.
   * @throws IceError for a malformed candidate string.
   */
  addRemoteCandidate(candidate: Candidate | string | null): void {
    this.assertOpen();
    const session = this.current;
    if (candidate === null) {
      session.setRemoteEnded();
      this.updateState();
      return;
    }
    const c = typeof candidate === "string" ? parseCandidate(candidate) : { ...candidate };
    if (isMdnsName(c.address)) {
      const mdns = this.mdns;
      if (!mdns) return;
      session.pendingResolves++;
      mdns.resolve(c.address, session.signal).then(
        (ip) => {
          session.pendingResolves--;
          if (!session.closed) session.addRemoteCandidate({ ...c, address: ip });
          this.updateState();
        },
        (error: unknown) => {
          session.pendingResolves--;
          log("mDNS name %s not resolved: %s", c.address, (error as Error)?.message);
          this.updateState();
        },
      );
      return;
    }
    session.addRemoteCandidate(c);
    this.updateState();
  }

  /**
   * Starts connectivity checks (they run once remote credentials are known).
   * Idempotent; `connect()` calls it.
   */
  start(): void {
    this.assertOpen();
    if (this.isStarted) return;
    this.isStarted = true;
    this.current.checks.schedule();
    this.updateState();
  }

  /**
   * Starts checks and resolves with the selected pair once there is one;
   * rejects with `IceError` if the agent fails or closes first, or when
   * `signal` aborts.
   */
  connect(signal?: AbortSignal): Promise<SelectedPair> {
    this.start();
    const selected = this.selectedPair;
    if (selected && this.consentState !== "lost") return Promise.resolve(selected);
    if (this.stateValue === "failed") {
      return Promise.reject(this.lost ?? new IceError("ERR_STATE", "ICE failed: no candidate pair works"));
    }
    return new Promise<SelectedPair>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter = {
        resolve: (pair: SelectedPair) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(pair);
        },
        reject: (error: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * ICE restart (RFC 8445 §9): new local credentials and a new generation
   * (bases, candidates, checklist). The selected pair keeps carrying data
   * until the new generation selects one; then the old sockets are closed.
   * Call `gather()` again and signal the new credentials and candidates.
   */
  restart(credentials?: IceCredentials): IceCredentials {
    this.assertOpen();
    const next = credentials ? validateCredentials(credentials) : generateCredentials();
    const old = this.current;
    old.retire();
    if (this.selected?.session === old) this.retired.push(old);
    else void old.close();
    this.current = this.newSession(next);
    this.emit("gatheringstatechange", "new");
    this.updateState();
    return { ...next };
  }

  // -------------------------------------------------------- DatagramTransport

  /**
   * Sends one datagram on the selected pair. Dropped (and counted) before a
   * pair is selected, after consent is lost, or after close.
   */
  send(data: Uint8Array): void {
    const s = this.selected;
    if (!s || this.consentState === "lost" || this.closing || this.lost) {
      this.counters.dropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += data.byteLength;
    s.pair.local.base.send(data, s.pair.remote.port, s.pair.remote.address);
  }

  /**
   * Closes the agent: stops gathering and checks, cancels every STUN
   * transaction and mDNS query, forgets pairs, the selected pair and all
   * candidates, and closes every socket through the registry. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async doClose(): Promise<void> {
    this.controller.abort();
    this.consent?.stop();
    this.consent = undefined;
    this.selected = undefined;
    const sessions = [this.current, ...this.retired];
    this.retired = [];
    this.gathering = undefined;
    this.gatheringSession = undefined;
    this.setState("closed");
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new IceError("ERR_CLOSED", "the ICE agent was closed"));
    const onClose = this.onClose;
    this.onClose = undefined;
    this.onDatagram = undefined;
    try {
      onClose?.();
    } catch {
      // The user's callback must not stop the teardown.
    }
    await Promise.all([
      ...sessions.map((s) => s.close()),
      this.ownsMdns ? this.mdns?.close?.().catch(() => {}) : undefined,
    ]);
    // A fresh, never-gathered session keeps `current` valid for getters.
    this.current = new IceSession(this.current.local, closedHost, TIMING_CLOSED, this.controller.signal);
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closing) throw new IceError("ERR_STATE", "the ICE agent is closed");
  }

  private newSession(credentials: IceCredentials): IceSession {
    const o = this.options;
    const check = { rto: 200, maxRto: 1600, attempts: 7, ...o.checkRetransmit };
    const server = { rto: 250, maxRto: 1000, attempts: 4, ...o.serverRetransmit };
    return new IceSession(
      credentials,
      this.sessionHost(),
      { ta: o.ta ?? 50, check, server, nominationTimeoutMs: o.nominationTimeoutMs ?? 300 },
      this.controller.signal,
    );
  }

  /**
   * Callbacks for a session (it never sees the agent object); a closed
   * session swaps them for no-ops, so nothing of the agent stays reachable
   * from it.
   */
  private sessionHost(): SessionHost {
    return {
      registry: this.registry,
      controlling: () => this.isControlling,
      lite: this.options.lite === true,
      tieBreaker: this.tieBreaker,
      switchRole: (controlling) => this.switchRole(controlling),
      started: () => this.isStarted,
      onLocalCandidate: (session, candidate) => {
        if (session !== this.current) return;
        if (candidate && this.options.relayOnly && candidate.type !== "relay") return;
        this.emit("candidate", candidate);
      },
      onGatheringState: (session) => {
        if (session === this.current) this.emit("gatheringstatechange", session.gatheringState);
      },
      onCandidateError: (error) => this.emit("candidateerror", error),
      onNominated: (session, pair) => this.onNominated(session, pair),
      onCheck: (session, pair) => {
        // ICE-lite sends no consent checks: the peer's checks on the selected pair are its consent.
        if (this.options.lite && this.selected?.session === session && this.selected.pair === pair) {
          this.consent?.refresh();
        }
      },
      onChange: () => this.updateState(),
      onData: (data) => this.receive(data),
      onDrop: (reason) => {
        this.counters.dropped++;
        if (log.enabled) log("dropped: %s", reason);
      },
      onTransportLost: (error) => {
        if (this.closing || this.lost) return;
        this.lost = error;
        log("transport lost: %s", error.message);
        this.consent?.stop();
        this.consent = undefined;
        this.updateState();
      },
    };
  }

  private switchRole(controlling: boolean): void {
    if (this.isControlling === controlling || this.options.lite) return;
    this.isControlling = controlling;
    log("role conflict: now %s", this.role);
    for (const s of [this.current, ...this.retired]) s.roleChanged(controlling);
    this.emit("rolechange", this.role);
  }

  private onNominated(session: IceSession, pair: CandidatePair): void {
    if (this.closing || session !== this.current) return;
    const s = this.selected;
    // A later nomination wins only if it is better (or the old one is from a retired generation).
    if (
      s &&
      s.session === session &&
      s.pair !== pair &&
      s.pair.priority >= pair.priority &&
      s.pair.nominated
    ) {
      return;
    }
    if (s?.pair === pair) return;
    this.selected = { pair, session };
    log("selected %s", pair.toString());
    session.checklist.pruneBelow(pair);
    this.consent?.stop();
    this.consentState = "fresh";
    const {
      consentIntervalMs = 5000,
      consentTimeoutMs = 30000,
      disconnectedTimeoutMs = 10000,
    } = this.options;
    this.consent = new ConsentMonitor(
      (schedule) => session.checks.consentCheck(pair, schedule),
      { intervalMs: consentIntervalMs, timeoutMs: consentTimeoutMs, disconnectedMs: disconnectedTimeoutMs },
      (state) => {
        this.consentState = state;
        log("consent %s", state);
        this.updateState();
      },
      this.controller.signal,
    );
    // The new generation carries the traffic now: release the old ones.
    const retired = this.retired;
    this.retired = [];
    for (const r of retired) void r.close();
    const selected = this.selectedPair!;
    this.emit("selectedcandidatepairchange", selected);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(selected);
    this.updateState();
  }

  private receive(data: Uint8Array): void {
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += data.byteLength;
    const handler = this.onDatagram;
    if (!handler) return;
    try {
      handler(data);
    } catch (error) {
      this.counters.dropped++;
      log("onDatagram threw: %s", (error as Error)?.message);
    }
  }

  private computeState(): IceTransportState {
    if (this.closing) return "closed";
    if (this.lost) return "failed";
    const s = this.current;
    if (this.selected) {
      if (this.consentState === "lost") return "failed";
      if (this.consentState === "stale") return "disconnected";
      const done =
        this.selected.session === s &&
        s.remoteEnded &&
        s.gatheringState === "complete" &&
        !s.checklist.pending;
      return done ? "completed" : "connected";
    }
    if (!this.isStarted || !s.remoteKey) return "new";
    const allFailed = s.checklist.all.every((p) => p.state === "failed");
    const settled = s.gatheringState === "complete" && s.pendingResolves === 0 && !s.checklist.pending;
    if (settled && allFailed && (s.remoteEnded || this.assumeRemoteEnded(s))) return "failed";
    if (s.checklist.size > 0 || s.remoteCandidates.length > 0) return "checking";
    return "new";
  }

  /**
   * With `assumeEndOfCandidatesAfterMs`: true once every pair failed and no
   * remote candidate came for that long; until then a timer looks again.
   */
  private assumeRemoteEnded(s: IceSession): boolean {
    const after = this.options.assumeEndOfCandidatesAfterMs;
    if (after === undefined || s.checklist.size === 0) return false;
    const wait = s.lastRemoteCandidateAt + after - performance.now();
    if (wait <= 0) return true;
    this.cancelEndTimer?.();
    this.cancelEndTimer = setTimer(() => this.updateState(), wait + 1, this.controller.signal);
    return false;
  }
  private cancelEndTimer: (() => void) | undefined = undefined;

  private updateState(): void {
    if (this.closing) return;
    this.setState(this.computeState());
  }

  private setState(state: IceTransportState): void {
    if (state === this.stateValue) return;
    // Through `connected` on the way to `completed`, as browsers do.
    if (state === "completed" && (this.stateValue === "new" || this.stateValue === "checking")) {
      this.setState("connected");
      if (this.closing || (this.stateValue as IceTransportState) !== "connected") return;
    }
    this.stateValue = state;
    log("state %s", state);
    this.emit("statechange", state);
    if (state === "failed") {
      const waiters = this.waiters;
      this.waiters = [];
      const error = this.lost ?? new IceError("ERR_STATE", "ICE failed: no candidate pair works");
      for (const w of waiters) w.reject(error);
    }
  }
}

const TIMING_CLOSED = {
  ta: 50,
  check: { rto: 200, maxRto: 1600, attempts: 1 },
  server: { rto: 250, maxRto: 1000, attempts: 1 },
  nominationTimeoutMs: 300,
};
