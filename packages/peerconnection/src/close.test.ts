import { IceAgent } from "@purertc/ice";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { connectedPair, negotiate, trickle } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { parseSdp, serializeSdp } from "./sdp/index.js";

/** close() must settle without waiting on the network: this bound is a correctness limit, not a speed test. */
const CLOSE_BOUND_MS = 1000;

async function closeWithinBound(...pcs: PeerConnection[]): Promise<void> {
  const start = performance.now();
  await Promise.all(pcs.map((pc) => pc.close()));
  expect(performance.now() - start).toBeLessThan(CLOSE_BOUND_MS);
  for (const pc of pcs) expect(pc.connectionState).toBe("closed");
}

function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

const loopback = { interfaces: "loopback" } as const;

describe("close() from every state leaves nothing behind", () => {
  it("new", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection(loopback);
      await closeWithinBound(pc);
      await pc.close(); // idempotent
      await expect(pc.createOffer()).rejects.toMatchObject({ code: "ERR_INVALID_STATE" });
    });
  });

  it("while creating the offer (certificate pending) and gathering", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection(loopback);
      const pending = a.createOffer();
      await closeWithinBound(a);
      await expect(pending).rejects.toMatchObject({ name: "PeerConnectionError" });

      const b = new PeerConnection(loopback);
      await b.setLocalDescription(await b.createOffer());
      expect(b.iceGatheringState).not.toBe("complete");
      await closeWithinBound(b);
    });
  });

  it("checking (the peer's candidate never answers)", async () => {
    await withLeakCheck(async () => {
      const silent = await SocketRegistry.default.open(TEST_OWNER, {
        label: "silent-peer",
        address: "127.0.0.1",
      });
      const a = new PeerConnection(loopback);
      const b = new PeerConnection(loopback);
      await negotiate(a, b);
      await a.addIceCandidate({
        candidate: `candidate:1 1 udp 2130706431 127.0.0.1 ${silent.address().port} typ host`,
        sdpMid: "0",
      });
      await until(() => a.iceConnectionState === "checking", "checking");
      expect(a.connectionState).toBe("connecting");
      await closeWithinBound(a, b);
      await silent.close();
    });
  });

  it("DTLS handshaking (the peer is an ICE agent that never speaks DTLS)", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection(loopback);
      const agent = new IceAgent({ role: "controlled", loopback: "only", ipv6: false });
      const candidates: string[] = [];
      agent.on("candidate", (c) => {
        if (c)
          void a.addIceCandidate({
            candidate: `candidate:${c.foundation} 1 udp ${c.priority} ${c.address} ${c.port} typ host`,
            sdpMid: "0",
          });
      });
      a.addEventListener("icecandidate", (e) => {
        if (e.candidate?.candidate) candidates.push(e.candidate.candidate);
      });
      await a.setLocalDescription(await a.createOffer());
      const offer = parseSdp(a.localDescription!.sdp);
      const answer = parseSdp(a.localDescription!.sdp);
      const m = answer.media[0]!;
      m.iceUfrag = agent.localCredentials.ufrag;
      m.icePwd = agent.localCredentials.pwd;
      m.setup = "active"; // a is DTLS server and waits for a ClientHello that never comes
      m.candidates = [];
      m.endOfCandidates = false;
      await a.setRemoteDescription({ type: "answer", sdp: serializeSdp(answer) });
      agent.setRemoteCredentials({ ufrag: offer.media[0]!.iceUfrag!, pwd: offer.media[0]!.icePwd! });
      await agent.gather();
      await until(() => candidates.length > 0, "a's candidates");
      for (const c of candidates) agent.addRemoteCandidate(c);
      await agent.connect();
      await until(() => a.iceConnectionState === "connected" || a.iceConnectionState === "completed", "ICE");
      expect(a.connectionState).toBe("connecting");
      const stats = await a.getStats();
      expect([...stats.values()].find((s) => s.type === "transport")?.dtlsState).toBe("connecting");
      await closeWithinBound(a);
      await agent.close();
    });
  });

  it("connected", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair(loopback);
      await closeWithinBound(a, b);
    });
  });

  it("failed (the answer's fingerprint does not match the certificate)", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection(loopback);
      const b = new PeerConnection(loopback);
      trickle(a, b);
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      const answer = parseSdp(b.localDescription!.sdp);
      const f = answer.media[0]!.fingerprints[0]!;
      f.value = (f.value.startsWith("00") ? "11" : "00") + f.value.slice(2);
      await a.setRemoteDescription({ type: "answer", sdp: serializeSdp(answer) });
      await until(() => a.connectionState === "failed", "failed");
      expect(a.transportError?.message).toMatch(/certificate|fingerprint/i);
      await closeWithinBound(a, b);
    });
  });

  it("remote gone (the peer closed first)", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair(loopback);
      await b.close();
      const stats = async () =>
        [...(await a.getStats()).values()].find((s) => s.type === "transport")?.dtlsState;
      for (let i = 0; i < 500 && (await stats()) !== "closed"; i++)
        await new Promise((r) => setTimeout(r, 2));
      expect(await stats()).toBe("closed"); // close_notify arrived
      await closeWithinBound(a);
    });
  });
});
