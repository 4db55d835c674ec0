import type { Closer } from "@purertc/socket";
import type { MdnsError } from "./errors.js";
import type { ParsedAddress } from "./names.js";

/**
 * Life of one published name:
 *
 * ```
 *  probing ──(3 probes, no conflict)──▶ announced ──unpublish()/close()──▶ unpublished
 *     │                                   │
 *     └──────(conflict, "withdraw")───────┴──▶ withdrawn   (name given up, no goodbye)
 * ```
 * A conflict under the `"rename"` policy keeps the state and changes
 * {@link MdnsPublication.name} (RFC 6762 §9). Probing happens only when
 * asked for; by default a name is announced at once.
 */
export type PublicationState = "probing" | "announced" | "withdrawn" | "unpublished";

/** What to do when another host claims a published name (RFC 6762 §9). */
export type ConflictPolicy = "rename" | "withdraw";

/** Options of {@link MdnsResponder.publish}. */
export interface PublishOptions {
  /** TTL of the records in seconds. Default 120 (RFC 6762 §10, and what Chromium uses). */
  ttl?: number;
  /**
   * On conflict: `"rename"` takes a fresh `<uuid>.local` name and announces
   * it; `"withdraw"` stops answering for the name. Default `"rename"` for
   * names of the `<uuid-v4>.local` form, `"withdraw"` otherwise.
   */
  onConflict?: ConflictPolicy;
  /**
   * Probe before announcing (RFC 6762 §8.1: three queries 250 ms apart).
   * Default false: draft-ietf-mmusic-mdns-ice-candidates §3.1.1 has ICE
   * agents skip probing for random UUID names.
   */
  probe?: boolean;
  /** Aborts probing (the publish rejects with `ERR_ABORTED`). */
  signal?: AbortSignal;
}

/** The internal side of a publication, used by the responder. */
export interface PublicationControl {
  unpublish(publication: MdnsPublication): Promise<void>;
}

/**
 * A name published by an {@link MdnsResponder}. The responder answers A and
 * AAAA questions for {@link MdnsPublication.name} until
 * {@link MdnsPublication.unpublish} (or the responder's close), which sends a
 * goodbye (TTL 0, RFC 6762 §10.1).
 */
export class MdnsPublication implements AsyncDisposable {
  /** @internal */
  state_: PublicationState = "probing";
  /** @internal */
  name_: string;
  /** @internal conflicts seen (bounds renames, RFC 6762 §9) */
  conflicts = 0;
  /** @internal why it ended (unpublished, conflict), for a probe in flight; set before {@link closer} closes */
  endError: MdnsError | undefined = undefined;

  /** @internal */
  constructor(
    private readonly control: PublicationControl,
    name: string,
    /** @internal */
    readonly parsed: readonly ParsedAddress[],
    /** TTL of the records, seconds. */
    readonly ttl: number,
    /** What happens on conflict. */
    readonly onConflict: ConflictPolicy,
    /** @internal cancels this publication's timers and probe */
    readonly closer: Closer,
  ) {
    this.name_ = name;
  }

  /** The name as published now (lower case; changes if renamed after a conflict). */
  get name(): string {
    return this.name_;
  }

  /** The published addresses. */
  get addresses(): string[] {
    return this.parsed.map((a) => a.text);
  }

  /** Where the publication is in its life (see {@link PublicationState}). */
  get state(): PublicationState {
    return this.state_;
  }

  /** Stops answering for the name and sends a goodbye. Idempotent. */
  unpublish(): Promise<void> {
    return this.control.unpublish(this);
  }

  /** Same as {@link MdnsPublication.unpublish}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.unpublish();
  }
}
