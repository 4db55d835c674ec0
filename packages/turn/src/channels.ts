import { MAX_CHANNEL, MIN_CHANNEL } from "./channel-data.js";

/**
 * Channel bookkeeping (RFC 8656 §12): a channel binds one number
 * (0x4000–0x4FFF) to one peer transport address for 10 minutes; the client
 * refreshes it with another ChannelBind before then. Neither the number nor
 * the peer may be rebound to something else while the binding lives, so a
 * failed or dropped binding keeps its number out of use for the table's life.
 */

/** States of one channel binding. */
export type ChannelState = "binding" | "bound" | "failed";

/** One channel binding as the table keeps it. */
export interface Channel {
  readonly number: number;
  readonly address: string;
  readonly port: number;
  /** `ip:port` key of the peer. */
  readonly key: string;
  state: ChannelState;
  /** When to send the next ChannelBind (ms, `performance.now()` clock); Infinity while one is in flight. */
  refreshAt: number;
}

/** Channel binding lifetime at the server (RFC 8656 §12). */
export const CHANNEL_LIFETIME_MS = 600_000;
/** Refresh one minute before expiry. */
export const CHANNEL_REFRESH_MS = 540_000;

/** `ip:port` key of a peer transport address (IPv6 in brackets). */
export function peerKey(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Channel bindings of one allocation, by number and by peer. */
export class ChannelTable {
  private readonly byNumber = new Map<number, Channel>();
  private readonly byPeer = new Map<string, Channel>();
  /** Numbers that must not be reused (a binding that failed may still exist at the server). */
  private readonly retired = new Set<number>();
  private next = MIN_CHANNEL;

  constructor(private readonly refreshMs: number = CHANNEL_REFRESH_MS) {}

  /** Number of live bindings (binding or bound). */
  get size(): number {
    return this.byNumber.size;
  }

  /** The binding of a channel number, if any. */
  byChannel(number: number): Channel | undefined {
    return this.byNumber.get(number);
  }

  /** The binding of a peer, if any. */
  forPeer(address: string, port: number): Channel | undefined {
    return this.byPeer.get(peerKey(address, port));
  }

  /**
   * Reserves a fresh channel number for a peer (state `binding`, due now), or
   * returns undefined when all 4096 are taken. Call only when
   * {@link ChannelTable.forPeer} has none.
   */
  reserve(address: string, port: number): Channel | undefined {
    const key = peerKey(address, port);
    const span = MAX_CHANNEL - MIN_CHANNEL + 1;
    for (let i = 0; i < span; i++) {
      const number = this.next;
      this.next = number === MAX_CHANNEL ? MIN_CHANNEL : number + 1;
      if (this.byNumber.has(number) || this.retired.has(number)) continue;
      const channel: Channel = { number, address, port, key, state: "binding", refreshAt: 0 };
      this.byNumber.set(number, channel);
      this.byPeer.set(key, channel);
      return channel;
    }
    return undefined;
  }

  /** The server accepted a ChannelBind: bound, refresh due `refreshMs` from `now`. */
  bound(channel: Channel, now: number): void {
    channel.state = "bound";
    channel.refreshAt = now + this.refreshMs;
  }

  /**
   * A ChannelBind failed: the binding is dropped and its number retired
   * (it may live at the server for up to 10 minutes more).
   */
  failed(channel: Channel): void {
    channel.state = "failed";
    if (this.byNumber.get(channel.number) === channel) this.byNumber.delete(channel.number);
    if (this.byPeer.get(channel.key) === channel) this.byPeer.delete(channel.key);
    this.retired.add(channel.number);
  }

  /** Bindings whose refresh (or first bind) is due at `now`. */
  due(now: number): Channel[] {
    const out: Channel[] = [];
    for (const c of this.byNumber.values()) if (c.refreshAt <= now) out.push(c);
    return out;
  }

  /** The earliest refresh time, or Infinity. */
  nextDue(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const c of this.byNumber.values()) if (c.refreshAt < next) next = c.refreshAt;
    return next;
  }

  /** Every live binding. */
  list(): Channel[] {
    return [...this.byNumber.values()];
  }

  /** Forgets every binding. */
  clear(): void {
    this.byNumber.clear();
    this.byPeer.clear();
    this.retired.clear();
  }
}
