import type {
  SctpAssociationLike,
  SctpBufferedAmountLowEvent,
  SctpCloseEvent,
  SctpMessageEvent,
  SctpStreamResetEvent,
} from "@purertc/sctp";
import { createDebug } from "@purertc/socket";
import { PeerConnectionError } from "../errors.js";
import { defineEventHandlers } from "../handler-events.js";
import {
  channelOptions,
  dcepOpenOf,
  MAX_STREAM_ID,
  optionsFromDcepOpen,
  sctpSendOptions,
  streamWeightOf,
  streamWeightOfOpen,
} from "./channel-options.js";
import { DataChannel, type DataChannelHost, type DataChannelInit } from "./data-channel.js";
import { encodeDcepAck, encodeDcepOpen, Ppid, parseDcep } from "./dcep.js";
import {
  type DtlsTransportInfo,
  EARLY_PACKETS,
  LOCAL_MAX_MESSAGE_SIZE,
  LOCAL_SCTP_PORT,
  type SctpTransportOptions,
  type SctpTransportState,
} from "./sctp-transport-types.js";

export {
  type DtlsTransportInfo,
  isSctpPacket,
  LOCAL_MAX_MESSAGE_SIZE,
  LOCAL_SCTP_PORT,
  type SctpTransportOptions,
  type SctpTransportState,
} from "./sctp-transport-types.js";

const log = createDebug("purertc:sctp-transport");

type Handler = (event: Event) => void;

/**
 * An RTCSctpTransport: the SCTP association of a PeerConnection (RFC 8261,
 * over the DTLS connection's application data) and the data channels on its
 * streams: ids by DTLS role (even for the DTLS client, RFC 8832 §6), DCEP,
 * PPIDs, stream resets to close. `state`, `maxMessageSize`, `maxChannels`
 * and `transport` as in the W3C API, with a `statechange` event.
 */
export class SctpTransport extends EventTarget implements DataChannelHost {
  /** RTCSctpTransportState. */
  state: SctpTransportState = "connecting";
  /** Event handler attribute (a listener once first set). */
  declare onstatechange: ((event: Event) => void) | null;

  static {
    defineEventHandlers(SctpTransport.prototype, ["statechange"]);
  }
  private association: SctpAssociationLike | undefined;
  private readonly channels = new Map<number, DataChannel>();
  /** Channels waiting for an id (the DTLS role is not known yet). */
  private unassigned: DataChannel[] = [];
  private role: "client" | "server" | undefined;
  private remoteMaxMessageSize = 65536;
  private remotePort = 5000;
  private early: Uint8Array[] | undefined = [];
  private options: SctpTransportOptions | undefined;
  private closed = false;
  /** DCEP messages and packets dropped as malformed or unexpected. */
  dropped = 0;

  constructor(options: SctpTransportOptions) {
    super();
    this.options = options;
    this.transport = options.dtls;
  }

  /** The DTLS transport the association runs over. */
  readonly transport: DtlsTransportInfo;

  /**
   * The largest message `send()` takes: the peer's a=max-message-size (0
   * meaning no limit, RFC 8841 §6.1) capped by what our association sends.
   */
  get maxMessageSize(): number {
    const remote = this.remoteMaxMessageSize === 0 ? Number.POSITIVE_INFINITY : this.remoteMaxMessageSize;
    return Math.min(remote, LOCAL_MAX_MESSAGE_SIZE);
  }

  /** Channels that can be open at once (negotiated streams); null before the association is up. */
  get maxChannels(): number | null {
    const a = this.association;
    if (!a || this.state !== "connected") return null;
    return Math.min(a.maxOutboundStreams, a.maxInboundStreams);
  }

  /**
   * purertc extension: the largest SCTP packet the association sends, sized so
   * that one DTLS record of it fills the 1200-byte datagram budget under the
   * negotiated DTLS version and cipher (1178 bytes under DTLS 1.3); null
   * before the association starts.
   */
  get maxPacketSize(): number | null {
    return this.packetSize ?? null;
  }

  private packetSize: number | undefined;

  /** @internal What the descriptions decided: DTLS role (for ids), the peer's port and message size. */
  configure(role: "client" | "server", remotePort: number, remoteMaxMessageSize: number): void {
    if (this.closed || this.role) return;
    this.role = role;
    this.remotePort = remotePort;
    this.remoteMaxMessageSize = remoteMaxMessageSize;
    const waiting = this.unassigned;
    this.unassigned = [];
    for (const channel of waiting) {
      if (channel.readyState === "closed") continue;
      const id = this.freeId();
      if (id === undefined) {
        channel.fail("data-channel-failure", "no stream id left for the channel");
        channel.closed();
        continue;
      }
      channel.id = id;
      this.channels.set(id, channel);
    }
  }

  /**
   * @internal DTLS is connected: the association starts (both ends send INIT, RFC 8841 §... simultaneous open),
   * its packets at most `mtu` bytes (what one DTLS record carries in the datagram budget), offering
   * I-DATA (RFC 8260) if `interleaving`.
   */
  start(mtu: number, interleaving = true): void {
    const options = this.options;
    if (this.closed || this.association || !options) return;
    this.packetSize = mtu;
    const association = options.createAssociation({
      transport: { send: options.sendPacket },
      localPort: LOCAL_SCTP_PORT,
      remotePort: this.remotePort,
      maxMessageSize: LOCAL_MAX_MESSAGE_SIZE,
      mtu,
      interleaving,
    });
    this.association = association;
    association.addEventListener("open", this.onOpen);
    association.addEventListener("message", this.onMessage as Handler);
    association.addEventListener("bufferedamountlow", this.onBufferedAmountLow as Handler);
    association.addEventListener("streamreset", this.onStreamReset as Handler);
    association.addEventListener("close", this.onClose as Handler);
    const early = this.early ?? [];
    this.early = undefined;
    for (const packet of early) association.handlePacket(packet);
    // Our INIT waits for the end of this event-loop turn: the peer's INIT,
    // sent right after its last DTLS flight, is usually in the same read as
    // the flight that connected us. Answered first, it makes our own INIT
    // unnecessary (see @purertc/sctp's connect()): half the setup packets.
    this.pendingConnect = setImmediate(this.connectAssociation);
  }

  private pendingConnect: NodeJS.Immediate | undefined;

  private readonly connectAssociation = (): void => {
    this.pendingConnect = undefined;
    // Not "closed": the peer's COOKIE-ECHO already made the association.
    if (this.closed || !this.association || this.association.state !== "closed") return;
    try {
      this.association.connect();
    } catch (error) {
      // Ended in the meantime (an ABORT among the early packets): its close event reported it.
      log("association not started: %s", (error as Error).message);
    }
  };

  /** @internal One SCTP packet from DTLS application data. */
  handlePacket(packet: Uint8Array): void {
    if (this.association) this.association.handlePacket(packet);
    else if (this.early && this.early.length < EARLY_PACKETS) this.early.push(new Uint8Array(packet)); // a copy (a Buffer's slice() is not)
  }

  /** @internal createDataChannel: validates as W3C webrtc §6.1 says and registers the channel. */
  createChannel(label: string, init: DataChannelInit = {}): DataChannel {
    if (this.closed) throw new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed");
    const options = channelOptions(label, init);
    const channel = new DataChannel(label, options);
    channel.host = this;
    if (options.id !== null) {
      if (this.channels.has(options.id)) {
        throw new PeerConnectionError("ERR_OPERATION", `stream id ${options.id} is in use`);
      }
      this.channels.set(options.id, channel);
    } else if (this.role) {
      const id = this.freeId();
      if (id === undefined) throw new PeerConnectionError("ERR_OPERATION", "no stream id left for a channel");
      channel.id = id;
      this.channels.set(id, channel);
    } else {
      this.unassigned.push(channel);
    }
    if (this.state === "connected") this.openChannel(channel);
    return channel;
  }

  /** @internal DataChannelHost: sends one user message on the channel's stream. */
  sendMessage(channel: DataChannel, ppid: number, data: Uint8Array): void {
    const association = this.association;
    if (!association || channel.id === null) {
      throw new PeerConnectionError("ERR_INVALID_STATE", "the SCTP association is not up");
    }
    let options = channel.sendOptions;
    if (!options) {
      options = sctpSendOptions(channel);
      if (channel.acked) channel.sendOptions = options;
      else options.unordered = false; // ordered until DATA_CHANNEL_ACK (RFC 8832 §6)
    }
    try {
      association.send(channel.id, ppid, data, options);
    } catch (error) {
      throw new PeerConnectionError("ERR_OPERATION", `send(): ${(error as Error).message}`, { cause: error });
    }
  }

  /** @internal DataChannelHost. */
  bufferedAmount(id: number): number {
    return this.association?.bufferedAmount(id) ?? 0;
  }

  /** @internal DataChannelHost. */
  setBufferedAmountLowThreshold(id: number, bytes: number): void {
    this.association?.setBufferedAmountLowThreshold(id, bytes);
  }

  /** @internal DataChannelHost: channel.close() resets the outgoing stream; the peer resets back. */
  closeChannel(channel: DataChannel): void {
    const association = this.association;
    if (channel.id === null || !association || this.state !== "connected") {
      this.forget(channel);
      queueMicrotask(() => channel.closed());
      return;
    }
    channel.resetSent = true;
    association.resetStreams([channel.id]);
  }

  /**
   * @internal pc.close(): every channel closes (its `close` event fires) and
   * the association ends with an ABORT (the peer's channels close too).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pendingConnect) clearImmediate(this.pendingConnect);
    this.pendingConnect = undefined;
    this.options = undefined;
    this.early = undefined;
    const channels = [...this.channels.values(), ...this.unassigned];
    this.channels.clear();
    this.unassigned = [];
    const association = this.association;
    this.setState("closed");
    for (const channel of channels) channel.closed();
    if (association) {
      association.removeEventListener("close", this.onClose as Handler);
      await association.close();
    }
  }

  private openChannel(channel: DataChannel): void {
    if (channel.readyState !== "connecting" || channel.id === null) return;
    try {
      this.association!.setStreamPriority(channel.id, streamWeightOf(channel));
      if (!channel.negotiated)
        this.association!.send(channel.id, Ppid.DCEP, encodeDcepOpen(dcepOpenOf(channel)));
    } catch (error) {
      this.forget(channel);
      channel.fail("data-channel-failure", `DATA_CHANNEL_OPEN failed: ${(error as Error).message}`, error);
      channel.closed();
      return;
    }
    // Open once DATA_CHANNEL_OPEN is queued, as Chromium does: data may follow
    // it on the stream (ordered until the ACK), RFC 8832 §6.
    queueMicrotask(() => channel.announceOpen());
  }

  private freeId(): number | undefined {
    const a = this.association;
    const limit =
      a && this.state === "connected" ? Math.min(a.maxOutboundStreams, MAX_STREAM_ID + 1) : MAX_STREAM_ID + 1;
    for (let id = this.role === "client" ? 0 : 1; id < limit; id += 2) if (!this.channels.has(id)) return id;
    return undefined;
  }

  private forget(channel: DataChannel): void {
    if (channel.id !== null && this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
    const i = this.unassigned.indexOf(channel);
    if (i >= 0) this.unassigned.splice(i, 1);
  }

  private setState(state: SctpTransportState): void {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new Event("statechange"));
  }

  private readonly onOpen = (): void => {
    if (this.closed) return;
    log("association established");
    this.setState("connected");
    for (const channel of [...this.channels.values()]) this.openChannel(channel);
  };

  private readonly onMessage = (event: SctpMessageEvent): void => {
    if (event.ppid === Ppid.DCEP) {
      this.onDcep(event.streamId, event.data);
      return;
    }
    const channel = this.channels.get(event.streamId);
    if (channel) channel.deliver(event.ppid, event.data);
    else this.dropped++;
  };

  private onDcep(streamId: number, data: Uint8Array): void {
    let message: ReturnType<typeof parseDcep>;
    try {
      message = parseDcep(data);
    } catch (error) {
      this.dropped++;
      log("DCEP message dropped: %s", (error as Error).message);
      return;
    }
    if (message.type === "ack") {
      const channel = this.channels.get(streamId);
      if (channel) channel.acked = true;
      return;
    }
    if (this.channels.has(streamId) || streamId > MAX_STREAM_ID || !this.options) {
      this.dropped++; // an OPEN on a stream in use: ignored (RFC 8832 §6)
      return;
    }
    const channel = new DataChannel(message.label, optionsFromDcepOpen(message, streamId));
    channel.host = this;
    channel.acked = true;
    this.channels.set(streamId, channel);
    try {
      this.association!.setStreamPriority(streamId, streamWeightOfOpen(message));
      this.association!.send(streamId, Ppid.DCEP, encodeDcepAck());
    } catch (error) {
      log("DATA_CHANNEL_ACK not sent: %s", (error as Error).message);
    }
    // W3C webrtc §6.2: open before the datachannel event, the open event after it.
    channel.readyState = "open";
    this.options.onDataChannel(channel);
    if (channel.readyState === "open") {
      channel.readyState = "connecting";
      channel.announceOpen();
    }
  }

  private readonly onBufferedAmountLow = (event: SctpBufferedAmountLowEvent): void => {
    this.channels.get(event.streamId)?.bufferedAmountLow();
  };

  private readonly onStreamReset = (event: SctpStreamResetEvent): void => {
    for (const id of event.streamIds) {
      const channel = this.channels.get(id);
      if (!channel) continue;
      if (!channel.resetSent) {
        // The peer closed first: closing, then our side of the stream is reset too.
        channel.remoteClosing();
        channel.resetSent = true;
        this.association?.resetStreams([id]);
      }
      this.forget(channel);
      channel.closed();
    }
  };

  private readonly onClose = (event: SctpCloseEvent): void => {
    if (this.closed) return;
    log("association closed: %s", event.error?.message ?? "no error");
    const channels = [...this.channels.values()];
    this.channels.clear();
    this.setState("closed");
    for (const channel of channels) {
      if (event.error)
        channel.fail("sctp-failure", `the SCTP association failed: ${event.error.message}`, event.error);
      channel.closed();
    }
  };
}
