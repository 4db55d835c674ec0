import type { RemoteInfo } from "node:dgram";
import { EventEmitter } from "node:events";
import { type CancelTimer, Closer, createDebug, sleep, startTimer, whenAborted } from "@purertc/socket";
import type { Answer, RecordType } from "dns-packet";
import { MdnsError } from "./errors.js";
import {
  checkMdnsName,
  generateMdnsName,
  isGeneratedMdnsName,
  normalizeMdnsName,
  type ParsedAddress,
  parseAddress,
} from "./names.js";
import { MdnsPublication, type PublicationControl, type PublishOptions } from "./publication.js";
import { queryAnswers } from "./query-answers.js";
import { addressAnswers, addressRecords } from "./records.js";
import type { MdnsPacket, MdnsPacketHandler, MdnsSocketStats } from "./shared-socket.js";
import type { MdnsSocketOptions } from "./socket-options.js";
import { acquireMdnsSocket, type MdnsSocketLease } from "./socket-pool.js";

const log = createDebug("purertc:mdns");

/** Default record TTL, seconds (RFC 6762 §10: host name records). */
export const DEFAULT_TTL = 120;
/**
 * Least time between two multicast answers of one record set. RFC 6762 §6
 * asks for one second; we use the 250 ms it allows for probe defence, and do
 * not count the two announcements, so that an ICE agent that asks right
 * after our announcement (it got the name by signalling) is answered at
 * once, while a query flood still gets at most four answers a second per
 * name and family.
 */
const MIN_MULTICAST_INTERVAL_MS = 250;
/** RFC 6762 §8.1: three probes, 250 ms apart. */
const PROBE_COUNT = 3;
const PROBE_INTERVAL_MS = 250;
/** RFC 6762 §8.3: a second announcement one second after the first. */
const ANNOUNCE_REPEAT_MS = 1000;
/** RFC 6762 §9 asks to slow down after fifteen conflicts; we give the name up. */
const MAX_CONFLICTS = 15;
/** Bound on waiting for the OS to take a goodbye datagram. */
const SEND_BOUND_MS = 500;

/** A name of ours that another host claimed (RFC 6762 §9). */
export interface MdnsConflictEvent {
  /** The name that was claimed. */
  name: string;
  /** The fresh name now published instead (policy `"rename"`), or undefined (withdrawn). */
  renamedTo: string | undefined;
  /** Address of the host whose response conflicted. */
  from: string;
}

/** Events of an {@link MdnsResponder}. */
export interface MdnsResponderEvents {
  conflict: [event: MdnsConflictEvent];
}

/** Counters of a responder. */
export interface MdnsResponderStats {
  /** Questions for our names that we answered. */
  answered: number;
  /** Responses we sent (answers, announcements, goodbyes). */
  responsesSent: number;
  /** Conflicts seen. */
  conflicts: number;
  /** Counters of the shared socket (malformed datagrams and so on). */
  socket: Readonly<MdnsSocketStats>;
}

/** Options of {@link MdnsResponder.open}. */
export interface MdnsResponderOptions extends MdnsSocketOptions {}

/**
 * mDNS responder for `.local` host names (RFC 6762): publishes names, answers
 * A and AAAA questions for the names it owns and for no other name,
 * announces them on publish, says goodbye on unpublish and close, and
 * handles conflicts (§9).
 *
 * ```ts
 * await using responder = await MdnsResponder.open();
 * const pub = await responder.publish(generateMdnsName(), "198.18.0.1");
 * // signal pub.name as the ICE host candidate's address
 * ```
 */
export class MdnsResponder extends EventEmitter<MdnsResponderEvents> implements AsyncDisposable {
  /** Publications hang off it: Closers, not an AbortController each (a signal is made only for a probe's sleep). */
  private readonly root = new Closer();
  private readonly byName = new Map<string, MdnsPublication>();
  private readonly lastMulticast = new Map<string, number>();
  private readonly counters = { answered: 0, responsesSent: 0, conflicts: 0 };
  private closing: Promise<void> | undefined;
  private readonly control: PublicationControl = { unpublish: (p) => this.unpublishPublication(p) };
  private readonly handler: MdnsPacketHandler = {
    onQuery: (packet, remote) => this.onQuery(packet, remote),
    onResponse: (packet, remote) => this.onResponse(packet, remote),
  };

  private constructor(private readonly lease: MdnsSocketLease) {
    super();
    lease.socket.subscribe(this.handler);
  }

  /**
   * Opens a responder on the process's shared mDNS socket (opened on first
   * use, closed when its last user closes).
   * @throws MdnsError `ERR_SOCKET` if the socket cannot be opened, `ERR_ABORTED`.
   */
  static async open(options: MdnsResponderOptions = {}): Promise<MdnsResponder> {
    return new MdnsResponder(await acquireMdnsSocket(options));
  }

  /** True once {@link MdnsResponder.close} was called. */
  get closed(): boolean {
    return this.root.closed;
  }

  /** Counters (a snapshot). */
  get stats(): MdnsResponderStats {
    return { ...this.counters, socket: { ...this.lease.socket.stats } };
  }

  /** The local address of the shared socket. */
  address(): import("node:net").AddressInfo {
    return this.lease.socket.address();
  }

  /** The names this responder answers for now. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** True when this responder answers for `name`. */
  owns(name: string): boolean {
    return this.byName.get(normalizeMdnsName(name))?.state === "announced";
  }

  /**
   * Publishes `name` (a `.local` host name, typically from
   * {@link generateMdnsName}) with one or more addresses, and announces it
   * (RFC 6762 §8.3). Resolves once the first announcement is sent.
   * @throws MdnsError `ERR_INVALID_NAME`, `ERR_INVALID_ADDRESS`,
   *   `ERR_DUPLICATE_NAME`, `ERR_CLOSED`; with `probe`: `ERR_CONFLICT`, `ERR_ABORTED`.
   */
  async publish(
    name: string,
    addresses: string | readonly string[],
    options: PublishOptions = {},
  ): Promise<MdnsPublication> {
    if (this.closed) throw new MdnsError("ERR_CLOSED", "the mDNS responder is closed");
    const normalized = checkMdnsName(name);
    if (this.byName.has(normalized)) {
      throw new MdnsError("ERR_DUPLICATE_NAME", `${normalized} is already published by this responder`);
    }
    const parsed = uniqueAddresses(typeof addresses === "string" ? [addresses] : addresses);
    const ttl = options.ttl ?? DEFAULT_TTL;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 0x7fffffff) {
      throw new MdnsError("ERR_INVALID_ADDRESS", `ttl must be a positive integer of seconds, got ${ttl}`);
    }
    const policy = options.onConflict ?? (isGeneratedMdnsName(normalized) ? "rename" : "withdraw");
    const publication = new MdnsPublication(
      this.control,
      normalized,
      parsed,
      ttl,
      policy,
      new Closer(this.root),
    );
    this.byName.set(normalized, publication);
    if (options.probe) await this.probe(publication, options.signal);
    publication.state_ = "announced";
    log("published %s → %s", publication.name, publication.addresses.join(", "));
    await this.announce(publication);
    return publication;
  }

  /** Unpublishes `name` (goodbye, TTL 0). Does nothing for a name not published here. */
  async unpublish(name: string): Promise<void> {
    const publication = this.byName.get(normalizeMdnsName(name));
    if (publication) await publication.unpublish();
  }

  /**
   * Sends goodbyes for every published name, stops all timers, and releases
   * the shared socket (the last user closes it). Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  /** Same as {@link MdnsResponder.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async doClose(): Promise<void> {
    const publications = [...new Set(this.byName.values())];
    // Goodbyes first, while the socket is ours; one datagram for all names.
    const goodbyes = publications.filter((p) => p.state_ === "announced").flatMap((p) => this.records(p, 0));
    for (const p of publications) {
      p.state_ = "unpublished";
      p.closer.close();
    }
    this.byName.clear();
    this.root.close();
    if (goodbyes.length > 0) await this.sendBounded(goodbyes.slice(0, 64));
    this.lease.socket.unsubscribe(this.handler);
    this.lastMulticast.clear();
    await this.lease.release();
  }

  private async unpublishPublication(publication: MdnsPublication): Promise<void> {
    const state = publication.state_;
    if (state === "unpublished" || state === "withdrawn") return;
    publication.state_ = "unpublished";
    publication.endError = new MdnsError("ERR_ABORTED", `${publication.name} was unpublished`);
    publication.closer.close();
    if (this.byName.get(publication.name_) === publication) this.byName.delete(publication.name_);
    if (state === "announced" && !this.closed) await this.sendBounded(this.records(publication, 0));
    log("unpublished %s", publication.name);
  }

  /** RFC 6762 §8.1 probing: three queries for the name, with our records as the proposal. */
  private async probe(publication: MdnsPublication, signal: AbortSignal | undefined): Promise<void> {
    // The probe's sleeps take a signal: it aborts with why the probe stopped
    // (the caller's abort, or the publication's end), read when it aborts.
    let userAborted = false;
    const probing = new Closer(publication.closer, () =>
      userAborted ? new MdnsError("ERR_ABORTED", "publish aborted") : publication.endError,
    );
    const unlink = whenAborted(signal, () => {
      userAborted = true;
      probing.close();
    });
    try {
      for (let attempt = 0; attempt <= MAX_CONFLICTS; attempt++) {
        const conflictsBefore = publication.conflicts;
        for (let i = 0; i < PROBE_COUNT && publication.conflicts === conflictsBefore; i++) {
          // §8.1 asks for the QU bit on probes; dns-packet cannot encode it, so they are QM.
          await this.lease.socket.query(
            [{ name: publication.name_, type: "ANY" as RecordType, class: "IN" }],
            [],
            this.records(publication, publication.ttl),
          );
          await sleep(PROBE_INTERVAL_MS, probing.signal);
        }
        if (publication.conflicts === conflictsBefore) return;
        if (publication.state_ === "withdrawn") break;
        // Renamed by onResponse: probe the new name.
      }
      throw new MdnsError("ERR_CONFLICT", `${publication.name} is in use by another host (RFC 6762 §9)`);
    } catch (error) {
      if (publication.state_ === "probing") publication.state_ = "withdrawn";
      if (this.byName.get(publication.name_) === publication) this.byName.delete(publication.name_);
      publication.closer.close();
      if (error instanceof MdnsError) throw error;
      if (this.closed) throw new MdnsError("ERR_CLOSED", "the mDNS responder is closed");
      throw new MdnsError("ERR_ABORTED", `publish of ${publication.name} aborted`, { cause: error });
    } finally {
      unlink();
      probing.close();
    }
  }

  /** RFC 6762 §8.3: announce now and once more a second later. */
  private async announce(publication: MdnsPublication): Promise<void> {
    const name = publication.name_;
    const send = () => {
      if (publication.state_ !== "announced" || publication.name_ !== name) return;
      return this.sendBounded(this.records(publication, publication.ttl));
    };
    publication.closer.timer(() => void send(), ANNOUNCE_REPEAT_MS);
    await send();
  }

  private records(publication: MdnsPublication, ttl: number): Answer[] {
    return [
      ...addressAnswers(publication.name_, publication.parsed, 4, ttl, ttl > 0),
      ...addressAnswers(publication.name_, publication.parsed, 6, ttl, ttl > 0),
    ];
  }

  private sendBounded(answers: Answer[], to?: { address: string; port: number }, extra = {}): Promise<void> {
    this.counters.responsesSent++;
    // A timer cancelled by hand, not an AbortController per response sent.
    let cancel: CancelTimer | undefined;
    const bound = new Promise<void>((resolve) => {
      cancel = startTimer(resolve, SEND_BOUND_MS);
    });
    return Promise.race([this.lease.socket.respond({ answers, ...extra }, to), bound]).finally(() =>
      cancel?.(),
    );
  }

  private readonly markMulticast = (name: string, family: 4 | 6): boolean => {
    const key = `${family}|${name}`;
    const now = performance.now();
    const last = this.lastMulticast.get(key);
    if (last !== undefined && now - last < MIN_MULTICAST_INTERVAL_MS) return false;
    this.lastMulticast.set(key, now);
    return true;
  };

  /** RFC 6762 §6: answer A/AAAA/ANY questions for our names, and nothing else. */
  private onQuery(packet: MdnsPacket, remote: RemoteInfo): void {
    if (this.closed || this.byName.size === 0 || !Array.isArray(packet.questions)) return;
    // §6.7: a query not from port 5353 is a legacy resolver: answer it by unicast.
    const legacy = remote.port !== this.lease.socket.group.port;
    const out = queryAnswers(packet, legacy, this.byName, this.markMulticast);
    this.counters.answered += out.answered;
    const to = { address: remote.address, port: remote.port };
    const additionals = out.additionals;
    if (out.multicast.length > 0) void this.sendBounded(out.multicast, undefined, { additionals });
    if (out.unicast.length > 0) void this.sendBounded(out.unicast, to, { additionals });
    if (out.legacy.length > 0) {
      void this.sendBounded(out.legacy, to, { id: packet.id ?? 0, questions: out.legacyQuestions });
    }
  }

  /** RFC 6762 §9: a response with other data for one of our names is a conflict. */
  private onResponse(packet: MdnsPacket, remote: RemoteInfo): void {
    if (this.closed || this.byName.size === 0) return;
    if (remote.port !== this.lease.socket.group.port) return; // §6: not a real mDNS response
    for (const record of addressRecords(packet)) {
      const publication = this.byName.get(record.name);
      if (!publication || record.ttl === 0) continue;
      if (publication.parsed.some((a) => a.key === record.key)) continue;
      this.conflict(publication, remote.address);
    }
  }

  private conflict(publication: MdnsPublication, from: string): void {
    const old = publication.name_;
    this.counters.conflicts++;
    publication.conflicts++;
    this.byName.delete(old);
    let renamedTo: string | undefined;
    if (publication.onConflict === "rename" && publication.conflicts <= MAX_CONFLICTS) {
      renamedTo = generateMdnsName();
      publication.name_ = renamedTo;
      this.byName.set(renamedTo, publication);
      if (publication.state_ === "announced") void this.announce(publication);
    } else {
      publication.state_ = "withdrawn";
      publication.endError = new MdnsError("ERR_CONFLICT", `${old} is in use by another host`);
      publication.closer.close();
    }
    log("conflict on %s from %s: %s", old, from, renamedTo ? `renamed to ${renamedTo}` : "withdrawn");
    this.emit("conflict", { name: old, renamedTo, from });
  }
}

function uniqueAddresses(addresses: readonly string[]): ParsedAddress[] {
  const out = new Map<string, ParsedAddress>();
  for (const address of addresses) {
    const parsed = parseAddress(address);
    out.set(parsed.key, parsed);
  }
  if (out.size === 0) throw new MdnsError("ERR_INVALID_ADDRESS", "publish needs at least one address");
  if (out.size > 32) throw new MdnsError("ERR_INVALID_ADDRESS", "at most 32 addresses per name");
  return [...out.values()];
}
