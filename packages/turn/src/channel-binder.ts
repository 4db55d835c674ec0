import { StunMethod } from "@purertc/stun";
import type { Channel } from "./channels.js";
import { type ChannelBinderPart, type ClientState, log } from "./client-state.js";
import { TurnError, toTurnError } from "./errors.js";
import { checkPeer, toStunAddress } from "./peer.js";
import { request } from "./request.js";

/**
 * Channel bindings of a TurnClient (ChannelBind, RFC 8656 §11): reserves a
 * number in the channel table, sends the bind (one in flight per channel),
 * and marks the channel bound or failed. The maintenance timer re-sends it
 * before the binding expires.
 */
export class ChannelBinder implements ChannelBinderPart {
  private readonly s: ClientState;
  private readonly channelBinds = new Map<Channel, Promise<void>>();

  constructor(s: ClientState) {
    this.s = s;
  }

  /** The body of {@link TurnClient.bindChannel}. */
  async bindChannel(port: number, address: string): Promise<number> {
    this.s.assertAllocated();
    checkPeer(port, address);
    let channel = this.s.channels.forPeer(address, port);
    if (channel?.state === "bound") return channel.number;
    if (!channel) channel = this.reserve(port, address);
    if (!channel) throw new TurnError("ERR_NO_CHANNEL", "all 4096 channel numbers are in use (RFC 8656 §12)");
    await this.send(channel);
    return channel.number;
  }

  /** Takes a free channel number for the peer, or undefined when all are in use. */
  reserve(port: number, address: string): Channel | undefined {
    const channel = this.s.channels.reserve(address, port);
    if (channel) channel.refreshAt = Number.POSITIVE_INFINITY; // bound below, not by the timer
    return channel;
  }

  /** Sends ChannelBind for `channel`, or joins the one in flight. */
  send(channel: Channel): Promise<void> {
    const existing = this.channelBinds.get(channel);
    if (existing) return existing;
    const s = this.s;
    channel.refreshAt = Number.POSITIVE_INFINITY;
    const done = request(
      s,
      StunMethod.ChannelBind,
      (b) => {
        b.channelNumber(channel.number);
        b.xorPeerAddress(toStunAddress(channel.address, channel.port));
      },
      s.work.signal,
    )
      .then(
        () => {
          s.stats.channelBinds++;
          s.channels.bound(channel, performance.now());
          // A ChannelBind installs or refreshes the permission too (RFC 8656 §11.2).
          const permission = s.permissions.get(channel.address);
          if (permission?.state === "installed")
            permission.refreshAt = Math.max(
              permission.refreshAt,
              performance.now() + s.timing.permissionRefreshMs,
            );
          log("channel 0x%s bound to %s", channel.number.toString(16), channel.key);
        },
        (error: unknown) => {
          s.channels.failed(channel);
          log(
            "ChannelBind 0x%s for %s failed: %s",
            channel.number.toString(16),
            channel.key,
            (error as Error).message,
          );
          throw toTurnError(error, "ERR_REQUEST");
        },
      )
      .finally(() => {
        this.channelBinds.delete(channel);
        s.maintenance.reschedule();
      });
    this.channelBinds.set(channel, done);
    return done;
  }

  /** Forgets the binds in flight (close). */
  clear(): void {
    this.channelBinds.clear();
  }
}
