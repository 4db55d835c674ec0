import {
  decodeMessage,
  isStunPacket,
  type StunAddress,
  StunClass,
  StunError,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
} from "@purertc/stun";
import { decodeChannelData, encodeChannelData, isChannelData } from "./channel-data.js";
import { type ClientState, type DataPathPart, log } from "./client-state.js";
import { TurnError } from "./errors.js";
import { checkPeer, toStunAddress } from "./peer.js";
import { PERMISSION_QUEUE_LIMIT } from "./permissions.js";

/**
 * The data path of a TurnClient: datagrams to peers (ChannelData when a
 * channel is bound, else Send indications, RFC 8656 §10–12), and everything
 * from the server (ChannelData and Data indications to `message` events,
 * responses to the transaction manager). Bad input is counted and dropped.
 */
export class DataPath implements DataPathPart {
  private readonly s: ClientState;

  constructor(s: ClientState) {
    this.s = s;
  }

  /** The body of {@link TurnClient.sendTo}. */
  sendTo(data: Uint8Array, port: number, address: string): boolean {
    checkPeer(port, address);
    const s = this.s;
    if (s.currentState !== "allocated") {
      s.stats.dropped++;
      return false;
    }
    const { permission, created } = s.permissions.ensure(address);
    if (permission.state === "installed") {
      this.transmit(data, port, address);
      return true;
    }
    if (permission.queue.length >= PERMISSION_QUEUE_LIMIT) {
      s.stats.dropped++;
      return false;
    }
    permission.queue.push({ data: new Uint8Array(data), port });
    if (created) s.maintenance.reschedule();
    return true;
  }

  /** Sends to a peer that has a permission: ChannelData if bound, else a Send indication. */
  transmit(data: Uint8Array, port: number, address: string): void {
    const s = this.s;
    const link = s.link;
    if (!link || link.closed) {
      s.stats.dropped++;
      return;
    }
    let channel = s.channels.forPeer(address, port);
    if (channel && channel.state === "bound" && data.byteLength <= 0xffff) {
      // Over a stream ChannelData is padded to 4 bytes (RFC 8656 §12.5).
      link.send(encodeChannelData(channel.number, data, link.reliable));
      s.stats.channelDataOut++;
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new StunMessageBuilder(StunMethod.Send, StunClass.Indication)
        .xorPeerAddress(toStunAddress(address, port))
        .data(data)
        .encode();
    } catch {
      s.stats.dropped++;
      return;
    }
    link.send(bytes);
    s.stats.sendIndications++;
    if (!channel && s.options.channels !== false) {
      channel = s.channelBinder.reserve(port, address);
      if (channel) s.channelBinder.send(channel).catch(() => {});
    }
  }

  /** One message from the server (the link has checked where it came from). */
  receive(data: Uint8Array): void {
    const s = this.s;
    const server = s.serverAddress!;
    if (isChannelData(data)) {
      let decoded: ReturnType<typeof decodeChannelData>;
      try {
        decoded = decodeChannelData(data);
      } catch (error) {
        if (!(error instanceof TurnError)) throw error;
        s.stats.malformed++;
        return;
      }
      const channel = s.channels.byChannel(decoded.channel);
      if (!channel) {
        s.stats.unknownChannel++;
        return;
      }
      s.stats.channelDataIn++;
      this.deliver(decoded.data, channel.address, channel.port);
      return;
    }
    if (!isStunPacket(data)) {
      s.stats.malformed++;
      return;
    }
    let message: StunMessage;
    try {
      message = decodeMessage(data);
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
      s.stats.malformed++;
      return;
    }
    const cls = message.messageClass;
    if (cls === StunClass.SuccessResponse || cls === StunClass.ErrorResponse) {
      const manager = s.manager;
      const before = manager?.stats.rejected ?? 0;
      if (!manager?.handle(message, server)) s.stats.unexpected++;
      s.stats.unauthenticated += (manager?.stats.rejected ?? 0) - before;
      return;
    }
    if (cls === StunClass.Indication && message.method === StunMethod.Data) {
      let peer: StunAddress | undefined;
      let payload: Uint8Array | undefined;
      try {
        peer = message.xorPeerAddress;
        payload = message.data;
      } catch {
        s.stats.malformed++;
        return;
      }
      if (!peer || !payload) {
        s.stats.malformed++;
        return;
      }
      s.stats.dataIndications++;
      this.deliver(payload, peer.address, peer.port);
      return;
    }
    s.stats.unexpected++;
  }

  private deliver(data: Uint8Array, address: string, port: number): void {
    if (this.s.currentState !== "allocated") return;
    try {
      this.s.client.emit("message", data, { address, port });
    } catch (error) {
      // A listener that throws must not take the socket down.
      log("message listener threw: %s", (error as Error).message);
    }
  }
}
