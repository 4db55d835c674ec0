import { type ProxySourceInfo, RtspToWhepProxy } from "@purertc/rtsp-to-whep";
import { type Command, intOption, parseHostPort, UsageError } from "../command.js";

/**
 * `purertc rtsp-to-whep <rtsp-url>`: one RTSP session to the camera, its
 * H.264 to any number of browsers over WHEP (the player page at `/`), until
 * SIGINT/SIGTERM: then every viewer's session ends, the camera gets its
 * TEARDOWN, and the process exits 0 on its own.
 */
export const command: Command = {
  name: "rtsp-to-whep",
  summary: "proxy an RTSP camera's H.264 to browsers over WHEP until SIGINT/SIGTERM",
  usage:
    "rtsp-to-whep <rtsp-url> [--listen <ip:port>] [--transport tcp|udp] [--max-viewers <n>] [--stats-interval <ms>] [--json]",
  options: {
    listen: { type: "string" },
    transport: { type: "string" },
    "max-viewers": { type: "string" },
    "stats-interval": { type: "string" },
  },
  async run(args, ctx) {
    const [url, ...extra] = args.positionals;
    if (!url || extra.length > 0) throw new UsageError("rtsp-to-whep takes one <rtsp-url>");
    if (!/^rtsps?:\/\//i.test(url)) throw new UsageError(`"${url}" is not an rtsp:// URL`);
    const { host, port } = parseHostPort(
      (args.values.listen as string | undefined) ?? "127.0.0.1:8080",
      8080,
    );
    const transport = (args.values.transport as string | undefined) ?? "tcp";
    if (transport !== "tcp" && transport !== "udp") throw new UsageError("--transport is tcp or udp");
    const proxy = await RtspToWhepProxy.start({
      rtspUrl: url,
      rtsp: { transport },
      host,
      port,
      maxViewers: intOption(args.values["max-viewers"], "max-viewers", 100),
      statsIntervalMs: Math.max(100, intOption(args.values["stats-interval"], "stats-interval", 5000)),
      // Viewers on other machines need every interface's candidates.
      configuration: { interfaces: isLoopback(host) ? "loopback" : "all", mdns: false },
    });
    try {
      const source = (s: ProxySourceInfo) =>
        ctx.emit(
          {
            event: "source",
            codec: s.codec,
            width: s.width,
            height: s.height,
            ...(s.audio ? { audio: s.audio } : {}),
            ...(s.audioIgnored ? { audioIgnored: s.audioIgnored } : {}),
          },
          `source: ${s.codec} ${s.width}x${s.height}${s.audio ? ` + ${s.audio} audio` : ""}${s.audioIgnored ? ` (audio ignored: ${s.audioIgnored})` : ""}`,
        );
      const info = proxy.sourceInfo;
      if (info) source(info);
      proxy.on("source", source);
      proxy.on("viewer", (v) =>
        ctx.emit(
          { event: "viewer", id: v.id, state: v.state, ...(v.reason ? { reason: v.reason } : {}) },
          `viewer ${v.id}: ${v.state}${v.reason ? ` (${v.reason})` : ""}`,
        ),
      );
      proxy.on("stats", (s) =>
        ctx.emit(
          { event: "stats", ...s },
          `stats: ${s.viewers} viewer(s), ${s.framesIn} frames in, ${s.framesOut} out, ${s.drops} dropped, rtsp ${s.rtsp}`,
        ),
      );
      proxy.on("reconnecting", (r) =>
        ctx.emit({ event: "reconnecting", ...r }, `camera lost, reconnecting in ${r.delayMs} ms`),
      );
      ctx.emit(
        { event: "listening", url: proxy.pageUrl, whep: proxy.whepUrl },
        `listening: open ${proxy.pageUrl} in a browser (WHEP endpoint ${proxy.whepUrl})`,
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      await proxy.close();
    }
    const s = proxy.stats();
    ctx.emit({ event: "stopped", ...s }, `stopped: ${s.framesIn} frames in, ${s.framesOut} out`);
    return 0;
  },
};

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
