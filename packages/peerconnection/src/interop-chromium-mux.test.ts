import { fileURLToPath } from "node:url";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { inPage, pageUntil } from "@purertc/interop/chromium-page";
import { ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
const server = fileURLToPath(new URL("./mux-server.fixture.mjs", import.meta.url));
const PEERS = 3;

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
          const offers = await inPage<string[]>(
            page,
            `globalThis.pcs = [];
             const out = [];
             for (let i = 0; i < arg; i++) {
               const pc = new RTCPeerConnection();
               pcs.push(pc);
               pc.createDataChannel("purertc");
               await pc.setLocalDescription(await pc.createOffer());
               await gathered(pc);
               out.push(pc.localDescription.sdp);
             }
             return out;`,
            PEERS,
          );
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
          await inPage(
            page,
            "await Promise.all(pcs.map((pc, i) => pc.setRemoteDescription({ type: 'answer', sdp: arg[i] })));",
            answers,
          );
          await pageUntil(page, "globalThis.pcs.every((pc) => pc.connectionState === 'connected')", 30_000);
          for (let id = 0; id < PEERS; id++) await child.next((e) => e.event === "connected" && e.id === id);
          // Chromium's three selected pairs all end at the one port, from three different ports of its own.
          const pairs = await inPage<{ local: number; remote: number; dtls: unknown }[]>(
            page,
            `return Promise.all(pcs.map(async (pc) => {
               const t = await transportOf(pc);
               return { local: Number(t.localPort), remote: Number(t.remotePort), dtls: t.dtlsState };
             }));`,
          );
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
