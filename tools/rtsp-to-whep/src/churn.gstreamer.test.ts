import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import type { PeerConnection } from "@purertc/peerconnection";
import { diffSnapshots, forceGc, takeSnapshot } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { RtspToWhepProxy } from "./proxy.js";
import { UdpRelay } from "./udp-relay.test-helper.js";
import type { ViewerEndReason } from "./whep/peer-connection-factory.js";
import { WhepViewer } from "./whep/viewer.js";

// Under CI=true a missing GStreamer throws here, failing the file: never a silent skip.
const peer = requireGstreamerRtsp();

/** The issue's 1,000 cycles, in CI too (about 100 s on an idle 2-core machine); RTSP_CHURN_CYCLES for other counts. */
const CYCLES = Number(process.env.RTSP_CHURN_CYCLES ?? 1000);
const MODES = ["delete", "close", "vanish"] as const;

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What a viewer without frames got: its states, the media it received, what crossed the relay. */
async function whereItStopped(pc: PeerConnection, relay: UdpRelay | undefined): Promise<string> {
  const inbound = [...(await pc.getStats()).values()].filter((s) => s.type === "inbound-rtp");
  const media = inbound
    .map((s) => `${s.packetsReceived} packets, ${s.framesReceived ?? 0} frames`)
    .join("; ");
  return `connection ${pc.connectionState}, ICE ${pc.iceConnectionState}, inbound-rtp ${media || "none"}${relay ? `, relay ${relay.describe()}` : ""}`;
}

/** One join → first frame → leave cycle, in its own frame so no local keeps the viewer reachable. */
async function cycle(
  proxy: RtspToWhepProxy,
  mode: (typeof MODES)[number],
  refs: WeakRef<PeerConnection>[],
): Promise<void> {
  const relay = mode === "vanish" ? await UdpRelay.open() : undefined;
  let frames = 0;
  const viewer = await WhepViewer.connect(proxy.whepUrl, {
    onFrame: () => frames++,
    ...(relay ? { mapOffer: relay.mapOffer, mapAnswer: relay.mapAnswer } : {}),
  });
  refs.push(new WeakRef(viewer.pc));
  try {
    await until(() => frames > 0, 10_000, `the first frame (${mode})`).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await whereItStopped(viewer.pc, relay)}`);
    });
  } finally {
    if (relay) {
      // Its network is gone: nothing reaches the proxy any more, not even the close_notify.
      relay.close();
      await viewer.pc.close();
    } else await viewer.close(mode === "delete" ? "delete" : "close");
  }
}

describe.skipIf(!peer.available)(
  "churn: viewers come and go against one running proxy (the seed's scenario)",
  () => {
    it(
      `${CYCLES} join/leave cycles (DELETE, close, vanish) leave the registry, fds, handles and heap at baseline; a steady viewer never stops`,
      async () => {
        expect(await forceGc(), "tests run with --expose-gc").toBe(true);
        await using camera = await startGstreamerRtsp();
        const reasons = new Map<ViewerEndReason, number>();
        // Vanished viewers go as soon as consent says so: checks every 500 ms, disconnected after 2 s of silence
        // (default 10 s: at ~20 cycles a second the vanished third then outnumbered maxViewers, 503).
        const proxy = await RtspToWhepProxy.start({
          rtspUrl: camera.url,
          disconnectedGraceMs: 0,
          configuration: {
            interfaces: "loopback",
            mdns: false,
            consentFreshness: { intervalMs: 500, disconnectedMs: 2000, timeoutMs: 5000 },
          },
        });
        proxy.on("viewer", (e) => {
          if (e.reason) reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
        });
        const arrivals: number[] = [];
        const steady = await WhepViewer.connect(proxy.whepUrl, {
          onFrame: () => arrivals.push(performance.now()),
        });
        try {
          await until(() => arrivals.length >= 30, 15_000, "the steady viewer's frames");
          const refs: WeakRef<PeerConnection>[] = [];
          // One cycle of each kind first: lazy module state and pools are not leaks.
          for (const mode of MODES) await cycle(proxy, mode, refs);
          await until(() => proxy.server.sessionCount === 1, 20_000, "the warm-up viewers removed");
          await forceGc();
          const baseline = takeSnapshot();
          // The running proxy and the steady viewer reschedule their timers: count, with a little slack.
          baseline.resources.set("Timeout", (baseline.resources.get("Timeout") ?? 0) + 4);
          const heapBefore = process.memoryUsage().heapUsed;
          const started = performance.now();
          const from = arrivals.length;
          for (let i = 0; i < CYCLES; i++) await cycle(proxy, MODES[i % MODES.length]!, refs);
          const churnMs = performance.now() - started;
          // Vanished viewers go once consent fails (10 s without answers, then no grace here).
          await until(
            () => proxy.server.sessionCount === 1 && proxy.factory.viewerCount === 1,
            30_000,
            "every churned viewer removed",
          );
          let diff: string[] = [];
          for (let attempt = 0; attempt < 200; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 25));
            diff = diffSnapshots(baseline, takeSnapshot());
            if (diff.length === 0) break;
          }
          expect(diff).toEqual([]);
          let alive = refs.length;
          for (let round = 0; round < 20 && alive > 0; round++) {
            await forceGc();
            alive = refs.filter((r) => r.deref() !== undefined).length;
          }
          expect(alive, "churned viewers' PeerConnections collected").toBe(0);
          const growth = process.memoryUsage().heapUsed - heapBefore;
          // The steady viewer never stopped: no gap of 1.5 s between its frames during the churn.
          const during = arrivals.slice(from);
          let gap = 0;
          for (let i = 1; i < during.length; i++) gap = Math.max(gap, during[i]! - during[i - 1]!);
          console.log(
            `rtsp-to-whep churn: ${CYCLES} cycles in ${(churnMs / 1000).toFixed(1)} s, ended ${JSON.stringify(Object.fromEntries(reasons))}, heap growth after GC ${(growth / 1024).toFixed(0)} KiB, steady viewer's largest gap ${gap.toFixed(0)} ms`,
          );
          // 33 ms apart at 30 fps; the bound leaves room for the shared machine's load (1,000 cycles: 922 ms seen).
          expect(gap).toBeLessThan(1500);
          expect(growth).toBeLessThan(16 * 1024 * 1024);
          expect(reasons.get("deleted")).toBe(Math.ceil(CYCLES / 3) + 1);
          expect(reasons.get("closed")).toBe(Math.ceil((CYCLES - 1) / 3) + 1);
          expect(reasons.get("lost")).toBe(Math.floor(CYCLES / 3) + 1);
          expect(proxy.stats().drops).toBe(0);
        } finally {
          await steady.close();
          await proxy.close();
        }
      },
      120_000 + CYCLES * 400,
    );
  },
);
