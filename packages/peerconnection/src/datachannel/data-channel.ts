import type { SctpSendOptions } from "@purertc/sctp";
import { PeerConnectionError } from "../errors.js";
import { defineEventHandlers } from "../handler-events.js";
import { Ppid, type PriorityType } from "./dcep.js";
import { DataChannelError, DataChannelErrorEvent, type DataChannelEventMap } from "./events.js";
import { copyForSend, encodeForSend } from "./send-copy.js";

/** RTCDataChannelState. */
export type DataChannelState = "connecting" | "open" | "closing" | "closed";

/** RTCDataChannelInit: the options of `createDataChannel`. */
export interface DataChannelInit {
  /** In-order delivery (default true). */
  ordered?: boolean;
  /** Partial reliability by lifetime in ms (RFC 3758); exclusive with maxRetransmits. */
  maxPacketLifeTime?: number;
  /** Partial reliability by retransmission count (RFC 3758); exclusive with maxPacketLifeTime. */
  maxRetransmits?: number;
  /** Sub-protocol name, at most 65,535 bytes of UTF-8. */
  protocol?: string;
  /** true: both sides create the channel with the same `id`; no DCEP handshake (RFC 8832 §6). */
  negotiated?: boolean;
  /** The stream id, 0–65534; required with `negotiated: true`. */
  id?: number;
  /**
   * RTCPriorityType (default "low"; W3C webrtc-priority): sent in DATA_CHANNEL_OPEN
   * (128, 256, 512, 1024) and used as the channel's weight in the SCTP stream
   * scheduler, so a "high" channel gets 8 times the share of a "very-low" one
   * while both have data waiting (RFC 8831 §6.4). Not one of the four: TypeError.
   */
  priority?: PriorityType;
}

/**
 * Bytes a channel may hold queued (bufferedAmount) before `send()` fails
 * with ERR_OPERATION (OperationError), as Chromium's 16 MiB send buffer:
 * memory per channel stays bounded whatever the application does.
 */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** What a channel calls on the transport that carries it (the SCTP transport). */
export interface DataChannelHost {
  /** Largest message the peer accepts (pc.sctp.maxMessageSize). */
  readonly maxMessageSize: number;
  sendMessage(channel: DataChannel, ppid: number, data: Uint8Array): void;
  bufferedAmount(id: number): number;
  setBufferedAmountLowThreshold(id: number, bytes: number): void;
  closeChannel(channel: DataChannel): void;
}

type Listener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type AddOptions = boolean | { once?: boolean; passive?: boolean; capture?: boolean; signal?: AbortSignal };
type RemoveOptions = boolean | { capture?: boolean };
type SendData = string | ArrayBuffer | ArrayBufferView | Blob;

const EVENTS = ["open", "message", "bufferedamountlow", "error", "closing", "close"] as const;
const decoder = new TextDecoder();
const ZERO = Uint8Array.of(0);

/**
 * An RTCDataChannel: a bidirectional message channel on one SCTP stream
 * (RFC 8831), opened by DCEP (RFC 8832) or negotiated by the application.
 * Made by `pc.createDataChannel()` or delivered by the `datachannel` event.
 *
 * `send()` never blocks: bytes wait in the SCTP send queue, counted by
 * `bufferedAmount`; `bufferedamountlow` fires when it falls to
 * `bufferedAmountLowThreshold`. Above {@link MAX_QUEUED_BYTES} queued,
 * `send()` throws ERR_OPERATION.
 *
 * ```ts
 * const channel = pc.createDataChannel("chat");
 * channel.onopen = () => channel.send("hello");
 * channel.onmessage = (e) => console.log(e.data);
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export class DataChannel extends EventTarget {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  readonly protocol: string;
  readonly negotiated: boolean;
  /** Its priority: ours as created, or the peer's OPEN value mapped to the enum (0–128 very-low, …, above 512 high). */
  readonly priority: PriorityType;
  /** The SCTP stream id; null until the DTLS role decides it (even for the DTLS client, RFC 8832 §6). */
  id: number | null;
  readyState: DataChannelState = "connecting";
  /** Only "arraybuffer" and "blob" are meaningful; binary messages arrive as that type. */
  binaryType: "arraybuffer" | "blob" = "arraybuffer";

  /** Event handler attributes, as on RTCDataChannel (each a listener once first set). */
  declare onopen: ((event: Event) => void) | null;
  declare onmessage: ((event: MessageEvent) => void) | null;
  declare onbufferedamountlow: ((event: Event) => void) | null;
  declare onerror: ((event: DataChannelErrorEvent) => void) | null;
  declare onclosing: ((event: Event) => void) | null;
  declare onclose: ((event: Event) => void) | null;

  static {
    defineEventHandlers(DataChannel.prototype, EVENTS);
  }

  /** @internal The transport; dropped when the channel closes, so a closed channel holds nothing. */
  host: DataChannelHost | undefined;
  /** @internal DATA_CHANNEL_ACK received (or negotiated): until then messages go ordered (RFC 8832 §6). */
  acked: boolean;
  /** @internal Our outgoing stream reset was requested. */
  resetSent = false;
  /**
   * @internal The SCTP send options of its messages, made on the first send
   * after the ACK (a field, not a WeakMap in the transport: a WeakMap per
   * connection is ephemeron work in every GC).
   */
  sendOptions: SctpSendOptions | undefined = undefined;
  private threshold = 0;
  /**
   * send() queued bytes since the last `bufferedamountlow`: the stream's
   * count in the association also holds the DCEP messages of the open,
   * which are not application data (W3C webrtc §6.2 bufferedAmount), so
   * their going out fires nothing (as in browsers).
   */
  private lowArmed = false;
  private lastBuffered = 0;
  /** Sends waiting behind a Blob being read, in order, with their bytes counted. */
  private blobQueue: { data: SendData; bytes: number }[] | undefined;
  private blobBytes = 0;

  /** @internal Made by the PeerConnection (createDataChannel or an incoming DATA_CHANNEL_OPEN). */
  constructor(
    label: string,
    init: Required<Pick<DataChannelInit, "ordered" | "protocol" | "negotiated" | "priority">> & {
      maxPacketLifeTime: number | null;
      maxRetransmits: number | null;
      id: number | null;
    },
  ) {
    super();
    this.label = label;
    this.ordered = init.ordered;
    this.maxPacketLifeTime = init.maxPacketLifeTime;
    this.maxRetransmits = init.maxRetransmits;
    this.protocol = init.protocol;
    this.negotiated = init.negotiated;
    this.priority = init.priority;
    this.id = init.id;
    this.acked = init.negotiated;
  }

  /** Bytes accepted by send() and not yet handed to the network. */
  get bufferedAmount(): number {
    const host = this.host;
    if (!host || this.id === null) return this.lastBuffered + this.blobBytes;
    return host.bufferedAmount(this.id) + this.blobBytes;
  }

  /** `bufferedamountlow` fires when bufferedAmount falls to this (bytes). */
  get bufferedAmountLowThreshold(): number {
    return this.threshold;
  }
  set bufferedAmountLowThreshold(bytes: number) {
    this.threshold = Math.max(0, Math.min(Number(bytes) >>> 0, 0xffffffff));
    if (this.host && this.id !== null) this.host.setBufferedAmountLowThreshold(this.id, this.threshold);
  }

  /**
   * Sends a message: a string goes as UTF-8 (PPID 51), binary as is (PPID
   * 53); empty ones as PPID 56/57 with one zero byte (RFC 8831 §6.6). A Blob
   * is read first; later sends wait behind it, in order.
   * @throws PeerConnectionError ERR_INVALID_STATE unless open.
   * @throws TypeError above the peer's maximum message size (pc.sctp.maxMessageSize).
   * @throws PeerConnectionError ERR_OPERATION when the queue would pass {@link MAX_QUEUED_BYTES}.
   */
  send(data: SendData): void {
    if (this.readyState !== "open" || !this.host) {
      throw new PeerConnectionError(
        "ERR_INVALID_STATE",
        `send() on a data channel in state "${this.readyState}"`,
      );
    }
    const bytes = byteLength(data);
    if (bytes > this.host.maxMessageSize) {
      throw new TypeError(
        `a message of ${bytes} bytes exceeds the peer's maximum of ${this.host.maxMessageSize}`,
      );
    }
    if (this.bufferedAmount + bytes > MAX_QUEUED_BYTES) {
      throw new PeerConnectionError(
        "ERR_OPERATION",
        `send(): ${bytes} more bytes would pass the queue limit of ${MAX_QUEUED_BYTES} (bufferedAmount ${this.bufferedAmount})`,
      );
    }
    this.lowArmed = true;
    if (this.blobQueue || data instanceof Blob) {
      this.queueBehindBlob(data, bytes);
      return;
    }
    this.sendNow(data, bytes);
  }

  /**
   * Closes the channel: its stream is reset both ways (RFC 8831 §6.7); both
   * ends see `closing`, then `close`; the id is free again afterwards. Idempotent.
   */
  close(): void {
    if (this.readyState === "closing" || this.readyState === "closed") return;
    this.readyState = "closing";
    queueMicrotask(this.announceClosing);
    this.host?.closeChannel(this);
  }

  /** `size`: the message's length in bytes, as send() measured it. */
  private sendNow(data: Exclude<SendData, Blob>, size: number): void {
    let ppid: number;
    let bytes: Uint8Array;
    if (typeof data === "string") {
      bytes = data.length ? encodeForSend(data, size) : ZERO;
      ppid = data.length ? Ppid.STRING : Ppid.STRING_EMPTY;
    } else {
      // A copy: the caller may reuse its buffer as soon as send() returns.
      bytes = data.byteLength ? copyForSend(data) : ZERO;
      ppid = data.byteLength ? Ppid.BINARY : Ppid.BINARY_EMPTY;
    }
    this.host!.sendMessage(this, ppid, bytes);
  }

  private queueBehindBlob(data: SendData, bytes: number): void {
    const first = !this.blobQueue;
    this.blobQueue ??= [];
    this.blobQueue.push({ data, bytes });
    this.blobBytes += bytes;
    if (first) void this.drainBlobs();
  }

  private async drainBlobs(): Promise<void> {
    const queue = this.blobQueue!;
    while (queue.length) {
      const { data, bytes } = queue[0]!;
      const ready = data instanceof Blob ? await data.arrayBuffer().catch(() => undefined) : data;
      queue.shift();
      this.blobBytes -= bytes;
      if (this.readyState !== "open" || !this.host) continue; // closed meanwhile: dropped, as browsers do
      if (ready === undefined) {
        this.fail("data-channel-failure", "a Blob could not be read");
        continue;
      }
      try {
        this.sendNow(ready, typeof ready === "string" ? bytes : ready.byteLength);
      } catch (error) {
        this.fail("data-channel-failure", `sending a queued message failed: ${(error as Error).message}`);
      }
    }
    this.blobQueue = undefined;
  }

  /** @internal One message from the peer. */
  deliver(ppid: number, data: Uint8Array): void {
    if (this.readyState !== "open" && this.readyState !== "closing") return;
    let payload: string | ArrayBuffer | Blob;
    switch (ppid) {
      case Ppid.STRING:
      case Ppid.STRING_PARTIAL:
        payload = decoder.decode(data);
        break;
      case Ppid.STRING_EMPTY:
        payload = "";
        break;
      case Ppid.BINARY:
      case Ppid.BINARY_PARTIAL:
      case Ppid.BINARY_EMPTY: {
        const buffer = ppid === Ppid.BINARY_EMPTY ? new ArrayBuffer(0) : ownBuffer(data);
        payload = this.binaryType === "blob" ? new Blob([buffer]) : buffer;
        break;
      }
      default:
        return; // an unknown PPID: not a WebRTC message (RFC 8831 §8), dropped
    }
    this.dispatchEvent(new MessageEvent("message", { data: payload }));
  }

  /** @internal The channel is usable (DCEP sent or received, or negotiated and the association is up). */
  announceOpen(): void {
    if (this.readyState !== "connecting") return;
    this.readyState = "open";
    if (this.host && this.id !== null && this.threshold) {
      this.host.setBufferedAmountLowThreshold(this.id, this.threshold);
    }
    this.dispatchEvent(new Event("open"));
  }

  /** @internal The peer reset its side first: `closing` now. */
  remoteClosing(): void {
    if (this.readyState === "closed" || this.readyState === "closing") return;
    this.readyState = "closing";
    this.dispatchEvent(new Event("closing"));
  }

  /** @internal Both directions are reset, or the transport ended: `close`, and the transport is let go. */
  closed(): void {
    if (this.readyState === "closed") return;
    if (this.host && this.id !== null) this.lastBuffered = this.host.bufferedAmount(this.id);
    this.readyState = "closed";
    this.host = undefined;
    this.blobQueue = undefined;
    this.blobBytes = 0;
    this.dispatchEvent(new Event("close"));
  }

  /** @internal Fires `error` (RTCErrorEvent) with an RTCError-like detail. */
  fail(detail: DataChannelError["errorDetail"], message: string, cause?: unknown): void {
    this.dispatchEvent(new DataChannelErrorEvent(new DataChannelError(detail, message, { cause })));
  }

  /** @internal The bufferedamountlow event. */
  bufferedAmountLow(): void {
    if (!this.lowArmed) return;
    this.lowArmed = false;
    this.dispatchEvent(new Event("bufferedamountlow"));
  }

  private readonly announceClosing = (): void => {
    if (this.readyState === "closing") this.dispatchEvent(new Event("closing"));
  };
}

/** The `datachannel` event of a PeerConnection (RTCDataChannelEvent): the peer opened a channel. */
export class DataChannelEvent extends Event {
  constructor(readonly channel: DataChannel) {
    super("datachannel");
  }
}

/** Typed listeners, as lib.dom types RTCDataChannel's. */
export interface DataChannel {
  addEventListener<K extends keyof DataChannelEventMap>(
    type: K,
    listener: Listener<DataChannelEventMap[K]>,
    options?: AddOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: AddOptions): void;
  removeEventListener<K extends keyof DataChannelEventMap>(
    type: K,
    listener: Listener<DataChannelEventMap[K]>,
    options?: RemoveOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: RemoveOptions): void;
}

function byteLength(data: SendData): number {
  if (typeof data === "string") return Buffer.byteLength(data, "utf8");
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

/** An ArrayBuffer holding exactly these bytes (the association may hand out views of larger buffers). */
function ownBuffer(data: Uint8Array): ArrayBuffer {
  if (
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength &&
    data.buffer instanceof ArrayBuffer
  ) {
    return data.buffer;
  }
  // new Uint8Array(view) copies; a Node Buffer's slice() would not.
  return new Uint8Array(data).buffer as ArrayBuffer;
}
