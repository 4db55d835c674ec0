import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import { until } from "./channel.test-helper.js";

// "Peer gone" in data-channel.test.ts closes the peer, which sends ABORT and close_notify first; here the
// peer is a process killed with SIGKILL, so nothing tells our side: its association still has data in flight,
// T3-rtx and consent timers running when close() is called.

const fixture = fileURLToPath(new URL("./peer.fixture.mjs", import.meta.url));

describe("a data channel whose peer process is killed (SIGKILL)", () => {
  it("open with data in flight: sends stay silent, close() fires close and releases everything in bounded time", {
    timeout: 60_000,
  }, async () => {
    await withLeakCheck(async () => {
      const peer = watchJsonChild(
        spawn(process.execPath, [fixture, "--answer"], { cwd: ROOT, stdio: "pipe" }),
      );
      const ours = new PeerConnection({ interfaces: "loopback" });
      try {
        ours.addEventListener("icecandidate", (e) =>
          peer.send({
            event: "candidate",
            candidate: e.candidate?.candidate ?? "",
            sdpMid: "0",
            sdpMLineIndex: 0,
          }),
        );
        // The peer's trickled candidates, as its stdout delivers them (after watchJsonChild's own listener),
        // once our remote description is set: one that came in the answer's chunk, added before it, would be
        // refused (InvalidStateError, as in browsers) and lost, and the end-of-candidates after it then
        // fails ICE with no pair at all (seen under load, 2 runs in 15).
        let forwarded = 0;
        let answered = false;
        const forward = () => {
          if (!answered) return;
          const candidates = peer.events.filter((e) => e.event === "candidate");
          for (; forwarded < candidates.length; forwarded++) {
            const c = candidates[forwarded]!;
            void ours
              .addIceCandidate({ candidate: String(c.candidate), sdpMid: "0", sdpMLineIndex: 0 })
              .catch(() => {});
          }
        };
        peer.child.stdout?.on("data", forward);
        const channel = ours.createDataChannel("doomed");
        await ours.setLocalDescription(await ours.createOffer());
        peer.send({ type: "offer", sdp: ours.localDescription!.sdp });
        const answer = await peer.next((e) => e.event === "answer", 20_000);
        await ours.setRemoteDescription({ type: "answer", sdp: String(answer.sdp) });
        answered = true;
        forward();
        await waitForState(ours, "connected", 20_000);
        await until(() => channel.readyState === "open", "open");
        channel.send("hello");
        await peer.next((e) => e.event === "message" && e.label === "doomed" && e.text === "hello");

        // Data in flight and queued, then the peer dies without a word.
        for (let i = 0; i < 32; i++) channel.send(new Uint8Array(64 * 1024));
        expect(channel.bufferedAmount).toBeGreaterThan(0);
        process.kill(peer.pid, "SIGKILL");
        expect(await peer.exit(10_000)).toBeNull();
        peer.end();
        channel.send("into the void"); // no error: the association does not know yet
        expect(channel.readyState).toBe("open");

        const closed = new Promise<void>((resolve) => {
          channel.onclose = () => resolve();
        });
        const started = performance.now();
        await ours.close();
        await closed;
        expect(performance.now() - started).toBeLessThan(2000);
        expect(channel.readyState).toBe("closed");
        expect(ours.sctp?.state ?? "closed").toBe("closed");
      } finally {
        await ours.close();
        await peer.stop();
      }
    });
  });
});
