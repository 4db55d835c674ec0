import { existsSync } from "node:fs";
import { CLI, startCli } from "@purertc/interop/json-child";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { nextEvent, nextMessage, until } from "./datachannel/channel.test-helper.js";
import type { DataChannel } from "./datachannel/data-channel.js";
import { PeerConnection } from "./index.js";
import { negotiate, trickle, waitForState } from "./pair.test-helper.js";

/** The selected pair's local candidate stats, and every local candidate's protocol. */
async function selectedLocal(pc: PeerConnection): Promise<Record<string, unknown> | undefined> {
  const stats = await pc.getStats();
  const t = [...stats.values()].find((s) => s.type === "transport");
  const pair = t && stats.get(String(t.selectedCandidatePairId));
  return pair && (stats.get(String(pair.localCandidateId)) as Record<string, unknown>);
}

/** A TCP-only server (passive) and a TCP-only client (active), both on loopback. */
function tcpOnlyPair(): [PeerConnection, PeerConnection] {
  const server = new PeerConnection({
    interfaces: "loopback",
    tcpCandidates: "passive",
    udpCandidates: false,
  });
  const client = new PeerConnection({
    interfaces: "loopback",
    tcpCandidates: "active",
    udpCandidates: false,
  });
  trickle(server, client);
  return [server, client];
}

if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

describe("PeerConnection over ICE-TCP (RFC 6544)", () => {
  for (const serverOffers of [true, false]) {
    it(`TCP-only: DTLS and a data channel over the framed connection (server ${serverOffers ? "offers" : "answers"})`, async () => {
      await withLeakCheck(async () => {
        const [server, client] = tcpOnlyPair();
        try {
          // The offerer's channel puts m=application in the offer.
          (serverOffers ? server : client).createDataChannel("first");
          if (serverOffers) await negotiate(server, client);
          else await negotiate(client, server);
          await Promise.all([waitForState(server, "connected"), waitForState(client, "connected")]);
          const offered = (serverOffers ? server : client).localDescription!.sdp;
          expect(offered).not.toMatch(/a=candidate:\S+ 1 udp /);
          expect(server.localDescription!.sdp).toMatch(/ tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/);
          expect(client.localDescription!.sdp).toMatch(/ tcp \d+ 127\.0\.0\.1 9 typ host tcptype active/);
          const arrived: DataChannel[] = [];
          server.addEventListener("datachannel", (e) =>
            arrived.push((e as Event & { channel: DataChannel }).channel),
          );
          const mine = client.createDataChannel("over-tcp");
          await nextEvent(mine, "open");
          await until(() => arrived.some((c) => c.label === "over-tcp"), "the server's channel");
          const theirs = arrived.find((c) => c.label === "over-tcp")!;
          const got = nextMessage(theirs);
          mine.send("client → server");
          expect(await got).toBe("client → server");
          const back = nextMessage(mine);
          theirs.send(new Uint8Array(100_000).fill(3)); // SCTP fragments over DTLS records over frames
          expect(((await back) as ArrayBuffer).byteLength).toBe(100_000);
          expect(await selectedLocal(server)).toMatchObject({ protocol: "tcp", tcpType: "passive" });
          expect(await selectedLocal(client)).toMatchObject({ protocol: "tcp", tcpType: "active", port: 9 });
          const stats = await server.getStats();
          const locals = [...stats.values()].filter((s) => s.type === "local-candidate");
          expect(locals.length).toBeGreaterThan(0);
          for (const l of locals) expect(l.protocol).toBe("tcp");
        } finally {
          await Promise.all([server.close(), client.close()]);
        }
      });
    });
  }

  it("the peer's process killed (its TCP connection dropped by the kernel) fails the server within seconds", async () => {
    await withLeakCheck(async () => {
      const server = new PeerConnection({
        interfaces: "loopback",
        tcpCandidates: "passive",
        udpCandidates: false,
      });
      const client = startCli(["pc", "--offer", "--loopback", "--tcp", "active", "--tcp-only", "--json"]);
      try {
        server.addEventListener("icecandidate", (e) =>
          client.send({ event: "candidate", candidate: e.candidate?.candidate ?? "", sdpMid: "0" }),
        );
        const offer = await client.next((e) => e.event === "offer");
        await server.setRemoteDescription({ type: "offer", sdp: String(offer.sdp) });
        await server.setLocalDescription(await server.createAnswer());
        client.send({ type: "answer", sdp: server.localDescription!.sdp });
        await waitForState(server, "connected");
        const transport = await client.next((e) => e.event === "transport");
        expect(transport).toMatchObject({ protocol: "tcp", tcpType: "active" });
        const failed = waitForState(server, "failed", 5000);
        const t0 = performance.now();
        process.kill(client.pid, "SIGKILL");
        await failed;
        // Consent alone would take 30 s: the closed connection says it at once.
        expect(performance.now() - t0).toBeLessThan(3000);
      } finally {
        await client.stop();
        await server.close();
      }
    });
  });

  it("close mid-handshake and when connected releases listeners and connections; closed PCs are collected", async () => {
    await withLeakCheck(async () => {
      const [server, client] = tcpOnlyPair();
      client.createDataChannel("x");
      await negotiate(client, server);
      await waitForState(server, "connecting");
      await Promise.all([server.close(), client.close()]);
    });
    const refs = await withLeakCheck(async () => {
      const [server, client] = tcpOnlyPair();
      client.createDataChannel("x");
      await negotiate(client, server);
      await Promise.all([waitForState(server, "connected"), waitForState(client, "connected")]);
      await Promise.all([server.close(), client.close()]);
      return [new WeakRef(server), new WeakRef(client)];
    });
    for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) await forceGc();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
  });
});
