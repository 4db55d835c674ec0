import { EventEmitter } from "node:events";
import {
  Closer,
  createDebug,
  type DatagramTransport,
  randomBytesPooled,
  SocketRegistry,
} from "@purertc/socket";
import { AgentConnection, type AgentFacts } from "./agent-connection.js";
import {
  agentMdns,
  CLOSED_TIMING,
  checkAgentOptions,
  consentTiming,
  gatherPlan,
  localCredentials,
  sessionTiming,
} from "./agent-options.js";
import { AgentCounters, agentStats } from "./agent-stats.js";
import type { Candidate } from "./candidate.js";
import { type IceCredentials, validateCredentials } from "./credentials.js";
import { IceError } from "./errors.js";
import type { MdnsProvider } from "./gather/mdns.js";
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
import { addRemoteCandidate } from "./remote-candidates.js";
import { IceSession } from "./session.js";
import { closedHost, type GatheringState, type SessionHost, type SessionState } from "./session-state.js";

const log = createDebug("purertc:ice");

/**
 * A full ICE agent (RFC 8445) for one component over UDP and TCP (RFC 6544),
 * with trickle (RFC 8838), consent freshness (RFC 7675), mDNS and ICE restart,
 * shaped like the W3C `RTCIceTransport`.
 *
 * It is the {@link DatagramTransport} that DTLS runs over: on the selected
 * pair, and before nomination completes on a valid pair (RFC 8445 §12.1; the
 * state is `connected` from the first one). STUN is demultiplexed from the
 * rest by the first byte (RFC 7983) and answered by the agent; every other
 * datagram from the peer goes to `onDatagram`.
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
  /**
   * The agent's cancellation root: its sessions' Closers hang off it. A
   * Closer, not an AbortController (one each per agent, session and consent
   * monitor, with a DOMException per abort, cost measurable time per connection).
   */
  private readonly closer = new Closer();
  private readonly registry: SocketRegistry;
  private isControlling: boolean;
  private isStarted = false;
  private current: IceSession;
  /** State, selected pair, pending `connect()` calls. */
  private readonly connection: AgentConnection;
  private gathering: Promise<void> | undefined = undefined;
  private closing: Promise<void> | undefined = undefined;
  /**
   * Set first in close(), before any teardown runs: the teardown's own
   * `statechange` listeners must already see the agent closed (a
   * `dataPair` taken then would start consent checks nobody stops).
   */
  private isClosing = false;
  private readonly counters = new AgentCounters();
  private readonly options: IceAgentOptions;
  private readonly mdns: MdnsProvider | undefined;
  private readonly ownsMdns: boolean;
  private readonly udpMux: UdpMux[] | undefined;

  /** @throws IceError `ERR_STATE`, `ERR_OPTIONS` or `ERR_CREDENTIALS` for bad options. */
  constructor(options: IceAgentOptions = {}) {
    super();
    this.options = { ...options };
    this.registry = options.registry ?? SocketRegistry.default;
    checkAgentOptions(options);
    this.isControlling = !options.lite && (options.role ?? "controlling") === "controlling";
    this.tieBreaker = options.tieBreaker ?? randomBytesPooled(8).readBigUInt64BE();
    const credentials = localCredentials(options.credentials);
    this.udpMux = options.udpMux === undefined ? undefined : [options.udpMux].flat();
    this.connection = new AgentConnection(this.facts, this, {
      assumeEndOfCandidatesAfterMs: options.assumeEndOfCandidatesAfterMs,
      lite: options.lite === true,
      consent: consentTiming(options),
    });
    this.current = this.newSession(credentials);
    ({ mdns: this.mdns, owns: this.ownsMdns } = agentMdns(options));
  }

  // -------------------------------------------------------------- properties

  /** Current role. */
  get role(): IceRole {
    return this.isControlling ? "controlling" : "controlled";
  }

  /** Transport state (W3C `RTCIceTransport.state`). */
  get state(): IceTransportState {
    return this.connection.state;
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
    return this.connection.selection.pair;
  }

  /**
   * The pair `send()` uses now: the selected one, or before nomination
   * completes a valid one (RFC 8445 §12.1); undefined when datagrams would be
   * dropped.
   */
  get dataPair(): SelectedPair | undefined {
    const p = this.isClosing ? undefined : this.connection.dataPair(this.current);
    return p && { id: p.id, local: p.local.candidate, remote: p.remote, rttMs: p.rttMs };
  }

  /** Why the agent failed when its shared socket went away (its {@link UdpMux} closed), else undefined. */
  get transportError(): IceError | undefined {
    return this.connection.lost;
  }

  /** True once closed (DatagramTransport). */
  get closed(): boolean {
    return this.isClosing;
  }

  /**
   * Counters, the pairs of the current checklist, and the pair that
   * transports data: the selected one, else before nomination the valid pair
   * `send()` uses (webrtc-stats `selectedCandidatePairId`).
   */
  getStats(): IceAgentStats {
    const selected = this.connection.selection.selected?.pair;
    const data = selected ?? (this.isClosing ? undefined : this.connection.dataPair(this.current));
    return agentStats(this.counters, this.current, data?.id);
  }

  // -------------------------------------------------------------- operations

  /**
   * Gathers local candidates: host candidates on every usable interface (as
   * the options say), then server-reflexive and other gatherers. Each is
   * emitted as `candidate` when found; resolves when gathering is complete.
   */
  gather(): Promise<void> {
    if (this.isClosing) return Promise.reject(new IceError("ERR_STATE", "the ICE agent is closed"));
    if (this.gathering && this.gatheringSession === this.current) return this.gathering;
    this.gatheringSession = this.current;
    this.gathering = this.current.gather(gatherPlan(this.options, this.udpMux, this.mdns));
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
    this.connection.update();
  }

  /**
   * Adds a remote candidate (trickle, RFC 8838): a parsed candidate or its
   * SDP string, or `null` for end-of-candidates. `.local` names are resolved
   * over mDNS when a provider is set, and ignored otherwise. TCP ones pair
   * only with local TCP ones of the fitting direction (`tcp` option).
   * @throws IceError for a malformed candidate string.
   */
  addRemoteCandidate(candidate: Candidate | string | null): void {
    this.assertOpen();
    addRemoteCandidate(this.current, candidate, this.mdns, this.connection.update);
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
    this.connection.update();
  }

  /**
   * Starts checks and resolves with the selected pair once there is one;
   * rejects with `IceError` if the agent fails or closes first, or when
   * `signal` aborts.
   */
  connect(signal?: AbortSignal): Promise<SelectedPair> {
    this.start();
    const selected = this.selectedPair;
    if (selected && this.connection.selection.consentState !== "lost") return Promise.resolve(selected);
    if (this.connection.state === "failed") return Promise.reject(this.connection.failure);
    return this.connection.waitForPair(signal);
  }

  /**
   * ICE restart (RFC 8445 §9): new local credentials and a new generation
   * (bases, candidates, checklist). The selected pair keeps carrying data
   * until the new generation selects one; then the old sockets are closed.
   * Call `gather()` again and signal the new credentials and candidates.
   */
  restart(credentials?: IceCredentials): IceCredentials {
    this.assertOpen();
    const next = localCredentials(credentials);
    const old = this.current;
    old.retire();
    this.connection.selection.retire(old);
    this.connection.restarted();
    this.current = this.newSession(next);
    this.emit("gatheringstatechange", "new");
    this.connection.update();
    return { ...next };
  }

  // -------------------------------------------------------- DatagramTransport

  /**
   * Sends one datagram on the selected pair; before nomination completes, on
   * a valid pair (RFC 8445 §12.1: the one the peer's last datagram came on,
   * else the best one). Dropped (and counted) before any pair is valid, after
   * consent is lost, or after close.
   */
  send(data: Uint8Array): void {
    const pair = this.isClosing ? undefined : this.connection.dataPair(this.current);
    if (!pair) {
      this.counters.dropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += data.byteLength;
    pair.local.base.send(data, pair.remote.port, pair.remote.address);
  }

  /**
   * Closes the agent: stops gathering and checks, cancels every STUN
   * transaction and mDNS query, forgets pairs, the selected pair and all
   * candidates, and closes every socket through the registry. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosing = true;
    this.closing = this.doClose();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async doClose(): Promise<void> {
    this.closer.close();
    this.gathering = undefined;
    this.gatheringSession = undefined;
    const sessions = [this.current, ...this.connection.close()];
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
    this.current = new IceSession(this.current.local, closedHost, CLOSED_TIMING, this.closer);
    this.removeAllListeners();
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.isClosing) throw new IceError("ERR_STATE", "the ICE agent is closed");
  }

  private newSession(credentials: IceCredentials): IceSession {
    return new IceSession(credentials, this.sessionHost(), sessionTiming(this.options), this.closer);
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
        if (this.options.lite) this.connection.selection.checked(session, pair);
      },
      onChange: this.connection.update,
      onData: (data, session, pair) => {
        this.connection.received(session, pair);
        this.counters.receive(data, this.onDatagram);
      },
      onDrop: this.counters.drop,
      onPairGone: (_session, pair) => this.connection.selection.lose(pair),
      onLateResponse: (...args) => this.connection.lateResponse(...args),
      onTransportLost: (error) => this.connection.transportLost(error),
    };
  }

  private switchRole(controlling: boolean): void {
    if (this.isControlling === controlling || this.options.lite) return;
    this.isControlling = controlling;
    log("role conflict: now %s", this.role);
    for (const s of [this.current, ...this.connection.selection.retired]) s.roleChanged(controlling);
    this.emit("rolechange", this.role);
  }

  private onNominated(nominating: SessionState, pair: CandidatePair): void {
    this.connection.nominated(nominating, pair, consentTiming(this.options));
  }

  /** What the connection's state is computed from (class field: handed to it). */
  private readonly facts = (): AgentFacts => ({
    closing: this.isClosing,
    started: this.isStarted,
    session: this.current,
  });
}
