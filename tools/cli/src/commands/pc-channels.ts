import type { DataChannel, DataChannelInit, PeerConnection } from "@purertc/peerconnection";
import { type CommandContext, UsageError } from "../command.js";

/** The data-channel options of `purertc pc`. */
export interface ChannelOptions {
  labels: string[];
  init: DataChannelInit;
}

const PRIORITIES = ["very-low", "low", "medium", "high"] as const;

/**
 * Reads --channel (repeatable) and the options every one of them gets:
 * --unordered, --max-retransmits or --max-packet-life-time (not both, as
 * RTCDataChannelInit), --priority.
 */
export function channelOptions(values: Record<string, unknown>): ChannelOptions {
  const labels = (values.channel as string[] | undefined) ?? [];
  const init: DataChannelInit = {};
  if (values.unordered === true) init.ordered = false;
  const rexmit = values["max-retransmits"] as string | undefined;
  if (rexmit !== undefined) {
    const n = Number(rexmit);
    if (!/^\d+$/.test(rexmit) || n > 65535) throw new UsageError("--max-retransmits wants 0..65535");
    init.maxRetransmits = n;
  }
  const lifetime = values["max-packet-life-time"] as string | undefined;
  if (lifetime !== undefined) {
    const n = Number(lifetime);
    if (!/^\d+$/.test(lifetime) || n > 65535)
      throw new UsageError("--max-packet-life-time wants 0..65535 (ms)");
    if (rexmit !== undefined)
      throw new UsageError("give --max-retransmits or --max-packet-life-time, not both");
    init.maxPacketLifeTime = n;
  }
  const priority = values.priority as string | undefined;
  if (priority !== undefined) {
    if (!(PRIORITIES as readonly string[]).includes(priority))
      throw new UsageError(`--priority wants one of ${PRIORITIES.join(", ")}`);
    init.priority = priority as (typeof PRIORITIES)[number];
  }
  return { labels, init };
}

/**
 * Prints a channel's life as JSON events (`open`, `message` with `text` or
 * `hex`, `close`, `error`) and calls `onOpen` once it is open.
 */
export function watchChannel(
  channel: DataChannel,
  ctx: CommandContext,
  onOpen: (c: DataChannel) => void,
): void {
  const label = channel.label;
  channel.addEventListener("open", () => {
    ctx.emit({ event: "open", label, id: channel.id }, `channel "${label}" open (id ${channel.id})`);
    onOpen(channel);
  });
  channel.addEventListener("message", (e) => {
    const data = e.data as string | ArrayBuffer;
    if (typeof data === "string") {
      ctx.emit({ event: "message", label, text: data }, `${label}: ${data}`);
      return;
    }
    // Binary is shown as hex even when it is UTF-8: the event says what arrived.
    const bytes = new Uint8Array(data);
    const hex = Buffer.from(bytes).toString("hex");
    ctx.emit({ event: "message", label, hex }, `${label}: ${bytes.length} bytes ${hex}`);
  });
  channel.addEventListener("error", (e) =>
    ctx.emit({ event: "error", label, message: e.error.message, errorDetail: e.error.errorDetail }),
  );
  channel.addEventListener("close", () => ctx.emit({ event: "close", label }, `channel "${label}" closed`));
}

/**
 * The offerer's channels (--channel …; with --send and none, one named
 * "data"), and the answerer's from the `datachannel` event. `--send` goes
 * over the first channel once it is open.
 */
export function setUpChannels(
  pc: PeerConnection,
  offerer: boolean,
  options: ChannelOptions,
  text: string | undefined,
  ctx: CommandContext,
): void {
  let sent = false;
  const onOpen = (channel: DataChannel) => {
    if (sent || text === undefined) return;
    sent = true;
    channel.send(text);
    ctx.emit({ event: "sent", label: channel.label, text }, `sent on "${channel.label}": ${text}`);
  };
  if (offerer) {
    const labels = options.labels.length || text === undefined ? options.labels : ["data"];
    for (const label of labels) watchChannel(pc.createDataChannel(label, options.init), ctx, onOpen);
  }
  pc.addEventListener("datachannel", (e) => {
    const channel = e.channel;
    ctx.emit(
      {
        event: "datachannel",
        label: channel.label,
        id: channel.id,
        protocol: channel.protocol,
        ordered: channel.ordered,
        maxRetransmits: channel.maxRetransmits,
        maxPacketLifeTime: channel.maxPacketLifeTime,
        priority: channel.priority,
      },
      `peer opened channel "${channel.label}" (id ${channel.id})`,
    );
    watchChannel(channel, ctx, onOpen);
  });
}
