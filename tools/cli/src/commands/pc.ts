import { createInterface } from "node:readline";
import { PeerConnection } from "@purertc/peerconnection";
import { type Command, UsageError } from "../command.js";
import { PcMedia } from "../media/pc-media.js";
import { channelOptions, setUpChannels } from "./pc-channels.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** One signalling line read from stdin. */
interface SignalLine {
  type?: string;
  sdp?: string;
  event?: string;
  candidate?: string | null;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/**
 * `purertc pc --offer|--answer`: one PeerConnection signalled over
 * stdin/stdout with JSON lines. It prints its description as
 * `{"event":"offer","type":"offer","sdp":"…"}` (or answer) and each
 * candidate as `{"event":"candidate","candidate":"candidate:…",…}`
 * (`"candidate":""` at the end), and reads the same from stdin (any line
 * with `type` and `sdp`, or `event: "candidate"`). State changes are
 * `{"event":"connectionstatechange","state":"connected"}`, then a
 * `transport` event (DTLS cipher and role, ICE role, selected pair).
 * Data channels: the offerer creates one per `--channel <label>` (with
 * `--unordered`, `--max-retransmits <n>` or `--max-packet-life-time <ms>`,
 * `--priority very-low|low|medium|high`); events `datachannel` (the peer's
 * channel, with its reliability and priority), `open`, `message` (`text`, or `hex` for binary) and `close`,
 * each with its `label`. `--send <text>` goes over the first channel once it
 * is open (the offerer makes a channel "data" for it when none is named).
 * Datagrams (`sendDatagram`, a purertc extension) are still printed as
 * `datagram` (`data` when UTF-8 text, else `hex`). `--lite` runs ICE-lite (`a=ice-lite`, no checks of its own; the peer must control).
 * `--tcp passive|active|both` also gathers ICE-TCP candidates (RFC 6544): passive ones (a listener the
 * peer dials, as a server; browsers dial) and/or active ones (dialling the peer's passive ones);
 * `--tcp-only` offers no UDP candidates (with `--tcp both` unless `--tcp` says otherwise). It closes (exit 0) when stdin ends, the peer closes its DTLS
 * connection, or on SIGINT/SIGTERM; exit 1 when the connection fails.
 * Two of them piped into each other connect.
 */
export const command: Command = {
  name: "pc",
  summary: "a PeerConnection signalled by JSON lines on stdin/stdout",
  usage:
    "pc --offer|--answer [--loopback] [--mdns] [--lite] [--tcp passive|active|both] [--tcp-only] [--channel <label>]... [--unordered] [--max-retransmits <n> | --max-packet-life-time <ms>] [--priority very-low|low|medium|high] [--send <text>] [--dtls-versions 1.3,1.2] [--dtls-groups X25519MLKEM768,x25519,…] [--send-video <file.h264|file.ivf>] [--fps <n>] [--receive <dir>] [--video-codec vp8|h264] [--json]",
  options: {
    "dtls-versions": { type: "string" },
    "dtls-groups": { type: "string" },
    offer: { type: "boolean" },
    answer: { type: "boolean" },
    loopback: { type: "boolean" },
    mdns: { type: "boolean" },
    lite: { type: "boolean" },
    tcp: { type: "string" },
    "tcp-only": { type: "boolean" },
    send: { type: "string" },
    channel: { type: "string", multiple: true },
    unordered: { type: "boolean" },
    "max-retransmits": { type: "string" },
    "max-packet-life-time": { type: "string" },
    priority: { type: "string" },
    "send-video": { type: "string" },
    receive: { type: "string" },
    fps: { type: "string" },
    "video-codec": { type: "string" },
    "skip-frames": { type: "string" },
  },
  async run(args, ctx) {
    const offer = args.values.offer === true;
    if (offer === (args.values.answer === true))
      throw new UsageError("give exactly one of --offer and --answer");
    const text = args.values.send as string | undefined;
    const channels = channelOptions(args.values);
    const list = (name: string, allowed: readonly string[]) => {
      const value = args.values[name];
      if (value === undefined) return undefined;
      const items = String(value).split(",").filter(Boolean);
      for (const i of items)
        if (!allowed.includes(i))
          throw new UsageError(`--${name}: "${i}" is not one of ${allowed.join(", ")}`);
      return items;
    };
    const dtlsVersions = list("dtls-versions", ["1.3", "1.2"]) as ("1.3" | "1.2")[] | undefined;
    const dtlsGroups = list("dtls-groups", ["X25519MLKEM768", "x25519", "secp256r1", "secp384r1"]) as
      | ("X25519MLKEM768" | "x25519" | "secp256r1" | "secp384r1")[]
      | undefined;
    const tcpMode = args.values.tcp ?? (args.values["tcp-only"] ? "both" : undefined);
    if (tcpMode !== undefined && !["passive", "active", "both"].includes(String(tcpMode)))
      throw new UsageError(`--tcp: "${String(tcpMode)}" is not one of passive, active, both`);
    const tcp = tcpMode as "passive" | "active" | "both" | undefined;
    const pc = new PeerConnection({
      interfaces: args.values.loopback ? "loopback" : "all",
      mdns: args.values.mdns === true,
      ...(dtlsVersions ? { dtlsVersions } : {}),
      ...(dtlsGroups ? { dtlsGroups } : {}),
      iceLite: args.values.lite === true,
      ...(tcp ? { tcpCandidates: tcp } : {}),
      ...(args.values["tcp-only"] ? { udpCandidates: false } : {}),
    });
    let media: PcMedia | undefined;
    try {
      const fps = args.values.fps === undefined ? undefined : Number(args.values.fps);
      if (fps !== undefined && !(fps > 0 && fps <= 240)) throw new UsageError("--fps wants 1–240");
      media = new PcMedia(
        pc,
        {
          sendVideo: args.values["send-video"] as string | undefined,
          receive: args.values.receive as string | undefined,
          fps,
          videoCodec: args.values["video-codec"] as string | undefined,
          skipFrames: Number(args.values["skip-frames"] ?? 0) || 0,
          offerer: offer,
        },
        ctx,
      );
    } catch (error) {
      await pc.close();
      if (error instanceof UsageError) throw error;
      throw new UsageError((error as Error).message);
    }
    setUpChannels(pc, offer, channels, text, ctx);
    // Signalling is JSON in both modes: it is what the other side reads.
    const signal = (line: { event: string } & Record<string, unknown>) =>
      ctx.emit(line, JSON.stringify(line));
    let failed = false;
    const done = new Promise<void>((resolve) => {
      pc.addEventListener("icecandidate", (e) => {
        signal({
          event: "candidate",
          candidate: e.candidate?.candidate ?? "",
          sdpMid: e.candidate?.sdpMid ?? "0",
          sdpMLineIndex: e.candidate?.sdpMLineIndex ?? 0,
        });
      });
      pc.addEventListener("icegatheringstatechange", () =>
        ctx.emit({ event: "icegatheringstatechange", state: pc.iceGatheringState }),
      );
      pc.addEventListener("iceconnectionstatechange", () =>
        ctx.emit({ event: "iceconnectionstatechange", state: pc.iceConnectionState }),
      );
      pc.addEventListener("connectionstatechange", () => {
        const state = pc.connectionState;
        ctx.emit({ event: "connectionstatechange", state });
        if (state === "connected") {
          media?.start();
          void pc.getStats().then((stats) => {
            const t = [...stats.values()].find((s) => s.type === "transport");
            const pair = t && stats.get(String(t.selectedCandidatePairId));
            const local = pair && stats.get(String(pair.localCandidateId));
            const remote = pair && stats.get(String(pair.remoteCandidateId));
            const at = (c: typeof local) => (c ? `${String(c.address)}:${String(c.port)}` : undefined);
            ctx.emit({
              event: "transport",
              dtlsCipher: t?.dtlsCipher,
              dtlsRole: t?.dtlsRole,
              tlsVersion: t?.tlsVersion,
              tlsGroup: t?.tlsGroup,
              iceRole: t?.iceRole,
              local: at(local),
              remote: at(remote),
              protocol: local?.protocol,
              ...(local?.tcpType ? { tcpType: local.tcpType } : {}),
            });
          });
        }
        if (state === "failed") {
          failed = true;
          if (pc.transportError) ctx.info(`failed: ${pc.transportError.message}`);
          resolve();
        }
      });
      pc.addEventListener("dtlsstatechange", () => {
        ctx.emit({ event: "dtlsstatechange", state: pc.dtlsState });
        if (pc.dtlsState === "closed") resolve(); // the peer closed
      });
      pc.addEventListener("datagram", (e) => {
        let data: string;
        try {
          data = strictUtf8.decode(e.data);
        } catch {
          // Binary (a browser's SCTP, for instance): shown as hex, never as mojibake.
          const hex = Buffer.from(e.data).toString("hex");
          ctx.emit(
            { event: "datagram", bytes: e.data.byteLength, hex },
            `received ${e.data.byteLength} bytes: ${hex}`,
          );
          return;
        }
        ctx.emit({ event: "datagram", data }, `received: ${data}`);
      });
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    const input = createInterface({ input: process.stdin, terminal: false });
    const stdinEnded = new Promise<void>((resolve) => input.once("close", resolve));
    let queue = Promise.resolve();
    input.on("line", (raw) => {
      let line: SignalLine;
      try {
        line = JSON.parse(raw) as SignalLine;
      } catch {
        return; // not signalling (the peer's human output)
      }
      // In order: a candidate must not overtake the description before it.
      queue = queue
        .then(() => onLine(line))
        .catch((error: unknown) => {
          ctx.emit(
            { event: "error", message: (error as Error).message },
            `error: ${(error as Error).message}`,
          );
        });
    });
    const onLine = async (line: SignalLine) => {
      if ((line.type === "offer" || line.type === "answer") && typeof line.sdp === "string") {
        if (line.type === "offer" && offer) return; // our own line echoed back
        if (line.type === "answer" && !offer) return;
        await pc.setRemoteDescription({ type: line.type, sdp: line.sdp });
        if (line.type === "offer") {
          await pc.setLocalDescription(await pc.createAnswer());
          const d = pc.localDescription!;
          signal({ event: d.type, type: d.type, sdp: d.sdp });
        }
      } else if (line.event === "candidate") {
        await pc.addIceCandidate({
          candidate: line.candidate ?? "",
          sdpMid: line.sdpMid ?? null,
          sdpMLineIndex: line.sdpMLineIndex ?? null,
        });
      }
    };
    try {
      if (offer) {
        await pc.setLocalDescription(await pc.createOffer());
        const d = pc.localDescription!;
        signal({ event: d.type, type: d.type, sdp: d.sdp });
      }
      await Promise.race([done, stdinEnded]);
    } finally {
      input.close();
      // Do not keep the process alive on a stdin nobody closes.
      process.stdin.destroy();
      media?.close();
      await pc.close();
      ctx.emit({ event: "closed" }, "closed");
    }
    return failed ? 1 : 0;
  },
};
