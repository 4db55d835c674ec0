import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import { WhepViewer } from "@purertc/rtsp-to-whep";
import { describe, expect, it } from "vitest";

// The built CLI (npx turbo run build --filter=@purertc/cli...) against GStreamer's RTSP server.
const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
// Under CI=true a missing GStreamer throws here, failing the file: never a silent skip.
const peer = requireGstreamerRtsp();

describe.skipIf(!peer.available)(
  "purertc rtsp-to-whep (built CLI, GStreamer camera, purertc WHEP viewer)",
  () => {
    it("prints listening/source/viewer/stats; a viewer gets frames; SIGTERM ends the viewer, TEARDOWN, exit 0", async () => {
      await using camera = await startGstreamerRtsp();
      const child = spawn(
        process.execPath,
        [main, "rtsp-to-whep", camera.url, "--listen", "127.0.0.1:0", "--stats-interval", "300", "--json"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      const events: Array<Record<string, unknown>> = [];
      let stderr = "";
      let buffered = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const until = async (predicate: () => boolean, ms: number, what: string) => {
        const deadline = performance.now() + ms;
        while (!predicate()) {
          if (performance.now() > deadline)
            throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events)} ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const find = (event: string) => events.filter((e) => e.event === event);
      let viewer: WhepViewer | undefined;
      try {
        await until(() => find("listening").length > 0, 20_000, "listening");
        const listening = find("listening")[0]!;
        expect(listening.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect(await (await fetch(listening.url as string)).text()).toContain("RTCPeerConnection");
        await until(() => find("source").length > 0, 10_000, "source");
        expect(find("source")[0]).toEqual({ event: "source", codec: "H264", width: 640, height: 360 });
        let frames = 0;
        viewer = await WhepViewer.connect(listening.whep as string, { onFrame: () => frames++ });
        await until(() => frames >= 30, 15_000, "30 frames at the viewer");
        await until(
          () => find("stats").some((s) => s.viewers === 1 && (s.framesOut as number) > 0),
          5000,
          "a stats event with the viewer",
        );
        expect(find("viewer").map((v) => v.state)).toEqual(["new", "connected"]);
        const stats = find("stats").at(-1)!;
        expect(stats).toMatchObject({ viewers: 1, drops: 0, rtsp: "playing" });
        expect(stats.framesIn).toBeGreaterThan(0);
        const since = camera.output().length;
        child.kill("SIGTERM");
        expect(await exit).toBe(0);
        // The camera got its TEARDOWN, and our viewer's session was ended by the proxy.
        await camera.waitFor(/teardown/, 5000, since);
        expect(find("viewer").at(-1)).toMatchObject({ state: "ended" });
        expect(find("stopped")).toHaveLength(1);
        const ended = await new Promise<boolean>((resolve) => {
          const pc = viewer!.pc;
          if (pc.dtlsState === "closed" || pc.connectionState !== "connected") resolve(true);
          else {
            const timer = setTimeout(() => resolve(false), 5000);
            pc.addEventListener("dtlsstatechange", () => {
              clearTimeout(timer);
              resolve(true);
            });
          }
        });
        expect(ended, "the proxy's close_notify reached the viewer").toBe(true);
      } finally {
        await viewer?.close("close");
        if (child.exitCode === null) child.kill("SIGKILL");
        await exit;
      }
    }, 60_000);
  },
);
