import { PeerConnection } from "@purertc/peerconnection";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { FanOut } from "../fanout.js";
import { PeerConnectionWhepFactory, type ViewerEvent } from "./peer-connection-factory.js";
import { WhepServer } from "./server.js";
import { WhepViewer } from "./viewer.js";

const withoutCandidates = (sdp: string) =>
  sdp
    .split("\r\n")
    .filter((line) => !line.startsWith("a=candidate:"))
    .join("\r\n");

describe("PeerConnectionWhepFactory with a video source", () => {
  it("answers a recvonly H.264 offer with a sendonly H.264 section; a viewer that never completes ICE is removed after connectTimeoutMs", async () => {
    await withLeakCheck(async () => {
      const events: ViewerEvent[] = [];
      const fanOut = new FanOut();
      const factory = new PeerConnectionWhepFactory({
        fanOut,
        connectTimeoutMs: 1000,
        onViewer: (e) => events.push(e),
      });
      await using server = await WhepServer.listen({ factory });
      // No candidate either way: ICE can never complete.
      const viewer = await WhepViewer.connect(server.url, {
        mapOffer: withoutCandidates,
        mapAnswer: (answer) => {
          expect(answer).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF \d+/m);
          expect(answer).toMatch(/^a=sendonly$/m);
          expect(answer).toMatch(/^a=rtpmap:\d+ H264\/90000$/m);
          expect(answer).toMatch(/^a=msid:camera /m);
          return withoutCandidates(answer);
        },
      });
      try {
        expect(server.sessionCount).toBe(1);
        const deadline = performance.now() + 5000;
        while (server.sessionCount > 0 && performance.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 20));
        expect(server.sessionCount).toBe(0);
        expect(factory.viewerCount).toBe(0);
        expect(events).toEqual([
          { id: 1, state: "new" },
          { id: 1, state: "ended", reason: "connect-timeout" },
        ]);
        expect(fanOut.viewerCount).toBe(0);
      } finally {
        await viewer.close("close");
      }
    });
  }, 20_000);

  it("a video offer without H.264 is a 406 that says so", async () => {
    await withLeakCheck(async () => {
      await using server = await WhepServer.listen({
        factory: new PeerConnectionWhepFactory({ fanOut: new FanOut() }),
      });
      const pc = new PeerConnection({ interfaces: "loopback", mdns: false });
      try {
        const t = pc.addTransceiver("video", { direction: "recvonly" });
        t.setCodecPreferences([{ mimeType: "video/VP8" }]);
        await pc.setLocalDescription(await pc.createOffer());
        const response = await fetch(server.url, {
          method: "POST",
          headers: { "Content-Type": "application/sdp" },
          body: pc.localDescription!.sdp,
        });
        expect(response.status).toBe(406);
        expect(await response.text()).toContain("no H.264");
        expect(server.sessionCount).toBe(0);
      } finally {
        await pc.close();
      }
    });
  }, 20_000);
});
