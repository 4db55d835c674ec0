import { PeerConnection } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RtspError } from "../errors.js";
import { PeerConnectionWhepFactory } from "./peer-connection-factory.js";
import { WhepServer } from "./server.js";
import { parseIceFragment, type WhepSession, type WhepSessionFactory } from "./session.js";

// Real PeerConnections on both sides (loopback, no mDNS), for what they can answer today: the
// data-channel section. Media waits for the transceivers.
const loopback = { interfaces: "loopback", mdns: false } as const;

/** Resolves when `pc.connectionState` is `state`; rejects after `ms`. */
function connected(pc: PeerConnection, ms = 10_000): Promise<void> {
  if (pc.connectionState === "connected") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pc.removeEventListener("connectionstatechange", onChange);
      reject(new Error(`connectionState ${pc.connectionState} after ${ms} ms`));
    }, ms);
    const onChange = () => {
      if (pc.connectionState !== "connected") return;
      clearTimeout(timer);
      pc.removeEventListener("connectionstatechange", onChange);
      resolve();
    };
    pc.addEventListener("connectionstatechange", onChange);
  });
}

/** Resolves once `predicate` holds (polling); throws after `ms`. */
async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const post = (url: string, body: string, type = "application/sdp", headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body, headers: { "Content-Type": type, ...headers } });

const VIDEO_ONLY_OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=recvonly",
  "a=rtcp-mux",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:abcdefghijklmnopqrstuvwx",
  "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
  "a=setup:actpass",
  "a=rtpmap:96 H264/90000",
  "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  "",
].join("\r\n");

describe("WHEP endpoint over node:http with real purertc PeerConnections", () => {
  it("POST offer → 201 + Location + answer; the viewer connects; PATCH trickle → 204; DELETE → 200, and all is released", async () => {
    await withLeakCheck(async () => {
      await using server = await WhepServer.listen({ factory: new PeerConnectionWhepFactory() });
      const viewer = new PeerConnection(loopback);
      try {
        await viewer.setLocalDescription(await viewer.createOffer());
        const response = await post(
          server.url,
          viewer.localDescription!.sdp,
          "application/sdp; charset=utf-8",
          {
            Origin: "https://player.example",
          },
        );
        expect(response.status).toBe(201);
        expect(response.headers.get("content-type")).toBe("application/sdp");
        expect(response.headers.get("access-control-allow-origin")).toBe("*");
        expect(response.headers.get("access-control-expose-headers")).toContain("Location");
        const location = response.headers.get("location")!;
        expect(location).toMatch(/^\/whep\/[0-9a-f-]{36}$/);
        const etag = response.headers.get("etag")!;
        const answer = await response.text();
        expect(answer).toMatch(/^v=0\r\n/);
        expect(answer).toContain("a=candidate:");
        expect(server.sessionCount).toBe(1);
        await viewer.setRemoteDescription({ type: "answer", sdp: answer });
        await connected(viewer);

        const session = new URL(location, server.url).href;
        const patch = (body: string, headers: Record<string, string> = {}) =>
          fetch(session, {
            method: "PATCH",
            body,
            headers: { "Content-Type": "application/trickle-ice-sdpfrag", ...headers },
          });
        expect((await patch("a=mid:0\r\na=end-of-candidates\r\n", { "If-Match": etag })).status).toBe(204);
        expect((await patch("a=end-of-candidates\r\n", { "If-Match": '"other"' })).status).toBe(412);
        expect((await patch("this is not sdp\r\n")).status).toBe(400);
        expect((await patch("a=candidate:garbage\r\n")).status).toBe(400);
        const wrongType = await fetch(session, {
          method: "PATCH",
          body: "a=end-of-candidates",
          headers: { "Content-Type": "text/plain" },
        });
        expect(wrongType.status).toBe(415);
        expect(await wrongType.text()).toContain("application/trickle-ice-sdpfrag");
        const preflight = await fetch(session, { method: "OPTIONS" });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get("access-control-allow-methods")).toBe("PATCH, DELETE, OPTIONS");

        const sockets = SocketRegistry.default.size;
        expect((await fetch(session, { method: "DELETE" })).status).toBe(200);
        expect(server.sessionCount).toBe(0);
        expect(SocketRegistry.default.size).toBeLessThan(sockets);
        expect((await fetch(session, { method: "DELETE" })).status).toBe(404);
        expect((await patch("a=end-of-candidates\r\n")).status).toBe(404);
      } finally {
        await viewer.close();
      }
    });
  });

  it("answers every malformed request with a 4xx and a message, never a crash", async () => {
    await withLeakCheck(async () => {
      await using server = await WhepServer.listen({
        factory: new PeerConnectionWhepFactory(),
        maxBodyBytes: 4096,
      });
      const wrongType = await post(server.url, "v=0\r\n", "text/plain");
      expect(wrongType.status).toBe(415);
      expect(await wrongType.text()).toMatch(/Content-Type must be application\/sdp/);
      expect((await post(server.url, `v=0\r\n${"a=x\r\n".repeat(2000)}`)).status).toBe(413);
      const malformed = await post(server.url, "v=0\r\nthis is not sdp\r\n");
      expect(malformed.status).toBe(400);
      expect((await post(server.url, "hello")).status).toBe(400);
      // A well-formed video offer to an endpoint made without a video source.
      const video = await post(server.url, VIDEO_ONLY_OFFER);
      expect(video.status).toBe(406);
      expect(await video.text()).toContain("no video source");
      expect((await fetch(server.url)).status).toBe(405);
      expect((await fetch(server.url)).headers.get("allow")).toBe("POST, OPTIONS");
      expect((await fetch(new URL("/elsewhere", server.url))).status).toBe(404);
      const preflight = await fetch(server.url, { method: "OPTIONS" });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("accept-post")).toBe("application/sdp");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("Content-Type");
      expect(server.sessionCount).toBe(0);

      // Random methods, paths, types and bodies: always an answer below 500.
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("POST", "PATCH", "DELETE", "OPTIONS", "GET", "PUT"),
          fc.constantFrom("/whep", "/whep/", "/whep/x", "/", "/whep/../whep"),
          fc.constantFrom("application/sdp", "application/trickle-ice-sdpfrag", "text/plain", ""),
          fc.tuple(fc.boolean(), fc.string({ maxLength: 300 })).map(([sdp, s]) => (sdp ? `v=0\r\n${s}` : s)),
          async (method, path, type, body) => {
            const r = await fetch(new URL(path, server.url), {
              method,
              headers: type ? { "Content-Type": type } : {},
              body: method === "GET" ? undefined : body,
            });
            await r.arrayBuffer();
            expect(r.status).toBeGreaterThanOrEqual(200);
            expect(r.status).toBeLessThan(500);
          },
        ),
        { numRuns: 150 },
      );
      expect(server.sessionCount).toBe(0);
    });
  });

  it("503 beyond maxSessions; a session that ends on its own is forgotten; close() ends the rest", async () => {
    await withLeakCheck(async () => {
      const made: Array<{ ended: () => void; closed: boolean }> = [];
      // A factory of real objects with no network: the endpoint's bookkeeping is what is tested here.
      const factory: WhepSessionFactory = {
        async create(offer, onEnded) {
          if (!offer.includes("m=")) throw new RtspError("ERR_UNSUPPORTED_OFFER", "no media section");
          const record = { ended: onEnded, closed: false };
          made.push(record);
          const session: WhepSession = {
            answer: "v=0\r\n",
            async addCandidates() {},
            async close() {
              record.closed = true;
            },
          };
          return session;
        },
      };
      const server = await WhepServer.listen({ factory, maxSessions: 2 });
      const offer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
      expect((await post(server.url, "v=0\r\n")).status).toBe(406);
      expect((await post(server.url, offer)).status).toBe(201);
      expect((await post(server.url, offer)).status).toBe(201);
      const full = await post(server.url, offer);
      expect(full.status).toBe(503);
      expect(full.headers.get("retry-after")).toBe("5");
      made[0]!.ended();
      expect(made[0]!.closed).toBe(true);
      expect(server.sessionCount).toBe(1);
      expect((await post(server.url, offer)).status).toBe(201);
      await server.close();
      await server.close();
      expect(made.map((m) => m.closed)).toEqual([true, true, true]);
      await expect(fetch(server.url)).rejects.toThrow();
    });
  });

  it("a viewer that vanishes without DELETE is ended by close() of the endpoint", async () => {
    await withLeakCheck(async () => {
      const server = await WhepServer.listen({ factory: new PeerConnectionWhepFactory() });
      const viewer = new PeerConnection(loopback);
      await viewer.setLocalDescription(await viewer.createOffer());
      const response = await post(server.url, viewer.localDescription!.sdp);
      await viewer.setRemoteDescription({ type: "answer", sdp: await response.text() });
      await connected(viewer);
      await viewer.close();
      await until(() => server.sessionCount === 1, 100, "the session still listed");
      await server.close();
      expect(server.sessionCount).toBe(0);
    });
  });
});

describe("parseIceFragment (RFC 8840 §4.4)", () => {
  it("reads candidates, end-of-candidates, ufrag, pwd and mid", () => {
    const f = parseIceFragment(
      "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\na=end-of-candidates\r\n",
    );
    expect(f).toEqual({
      ufrag: "EsAw",
      pwd: "P2uYro0UCOQ4zxjKXaWCBui1",
      mid: "0",
      candidates: [
        "candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1",
        undefined,
      ],
    });
  });

  it("property: any text gives a fragment or an RtspError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parseIceFragment(text);
        } catch (error) {
          expect(error).toBeInstanceOf(RtspError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
