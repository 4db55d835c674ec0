import { fileURLToPath } from "node:url";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
const server = fileURLToPath(new URL("./mux-server.fixture.mjs", import.meta.url));
const PEERS = 3;

type PageGlobal = { pcs: RTCPeerConnection[] };

describe.skipIf(!netns.available || !chromium)(
  "headless Chromium ↔ purertc PeerConnections on one UDP port",
  () => {
    for (const lite of [false, true]) {
      it(`${PEERS} Chromium PeerConnections connect to ${PEERS} purertc ones sharing one UdpMux${lite ? " (ICE-lite)" : ""}`, {
        timeout: 90_000,
      }, async () => {
        await using ns = await createLoopbackNetns({ prefix: "pcmux" });
        await using browser = await launchChromium({ netns: ns.name, loopback: true });
        const child = watchJsonChild(
          ns.spawn(process.execPath, [server, "0", ...(lite ? ["--lite"] : [])], { cwd: ROOT }),
        );
        const page = browser.page;
        try {
          const { port } = await child.next((e) => e.event === "ready");
          // Offers with every candidate in them (gathering waited for, bounded).
          const offers = await page.evaluate(async (n) => {
            const g = globalThis as unknown as PageGlobal;
            g.pcs = [];
            const out: string[] = [];
            for (let i = 0; i < n; i++) {
              const pc = new RTCPeerConnection();
              g.pcs.push(pc);
              pc.createDataChannel("purertc");
              await pc.setLocalDescription(await pc.createOffer());
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, 10_000);
                const check = () => {
                  if (pc.iceGatheringState !== "complete") return;
                  clearTimeout(timer);
                  resolve();
                };
                pc.onicegatheringstatechange = check;
                check();
              });
              out.push(pc.localDescription!.sdp);
            }
            return out;
          }, PEERS);
          for (const [id, sdp] of offers.entries()) child.send({ id, sdp });
          const answers: string[] = [];
          for (let id = 0; id < PEERS; id++) {
            const answer = String((await child.next((e) => e.event === "answer" && e.id === id)).sdp);
            // Every purertc PeerConnection announces the one shared port.
            expect(answer).toMatch(
              new RegExp(`a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 ${port} typ host`),
            );
            expect(answer.includes("a=ice-lite")).toBe(lite);
            answers.push(answer);
          }
          await page.evaluate(async (sdps) => {
            const g = globalThis as unknown as PageGlobal;
            await Promise.all(
              g.pcs.map((pc, i) => pc.setRemoteDescription({ type: "answer", sdp: sdps[i]! })),
            );
          }, answers);
          await page.waitForFunction(
            "globalThis.pcs.every((pc) => pc.connectionState === 'connected')",
            undefined,
            { timeout: 30_000, polling: 20 },
          );
          for (let id = 0; id < PEERS; id++) await child.next((e) => e.event === "connected" && e.id === id);
          // Chromium's three selected pairs all end at the one port, from three different ports of its own.
          const pairs = await page.evaluate(async () => {
            const g = globalThis as unknown as PageGlobal;
            return Promise.all(
              g.pcs.map(async (pc) => {
                const stats = await pc.getStats();
                let t: Record<string, unknown> = {};
                stats.forEach((s: Record<string, unknown>) => {
                  if (s.type === "transport") t = s;
                });
                const pair = stats.get(String(t.selectedCandidatePairId)) as Record<string, unknown>;
                const local = stats.get(String(pair.localCandidateId)) as Record<string, unknown>;
                const remote = stats.get(String(pair.remoteCandidateId)) as Record<string, unknown>;
                return { local: Number(local.port), remote: Number(remote.port), dtls: t.dtlsState };
              }),
            );
          });
          expect(pairs.map((p) => p.remote)).toEqual(Array(PEERS).fill(port));
          expect(new Set(pairs.map((p) => p.local)).size).toBe(PEERS);
          expect(pairs.every((p) => p.dtls === "connected")).toBe(true);
          child.end();
          const closed = await child.next((e) => e.event === "closed");
          console.log(
            `Chromium ×${PEERS} ↔ purertc on one port${lite ? " (lite)" : ""}: mux ${JSON.stringify(closed.stats)}`,
          );
          expect(closed.stats).toMatchObject({ routes: 0, leakedRoutes: 0 });
          expect(await child.exit()).toBe(0);
        } finally {
          await child.stop();
        }
      });
    }
  },
);
