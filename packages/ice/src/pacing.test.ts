import diagnostics from "node:diagnostics_channel";
import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { decodeMessage } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";

describe("Ta pacing (RFC 8445 §6.1.4.2)", () => {
  it("sends one new check per Ta, highest-priority pair first, with ICE attributes", async () => {
    await withLeakCheck(async () => {
      const owner = { sockets: [] as ManagedSocket[] };
      const order: number[] = [];
      let firstCheck: ReturnType<typeof decodeMessage> | undefined;
      for (let i = 0; i < 4; i++) {
        const socket = await SocketRegistry.default.open(owner, {
          label: `silent-${i}`,
          address: "127.0.0.1",
        });
        owner.sockets.push(socket);
        socket.on("message", (data) => {
          if (order.includes(i)) return;
          order.push(i);
          firstCheck ??= decodeMessage(new Uint8Array(data));
        });
      }
      // When each new check leaves, seen on the agent's debug channel (the
      // receiving side cannot tell: under load it reads datagrams in batches).
      const sentAt = new Map<number, number>();
      const onLog = (message: unknown) => {
        const m = /^check 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:(\d+)$/.exec(
          (message as { message: string }).message,
        );
        if (m && !sentAt.has(Number(m[1]))) sentAt.set(Number(m[1]), performance.now());
      };
      diagnostics.subscribe("purertc:ice", onLog);
      const ta = 60;
      const agent = new IceAgent({ role: "controlling", loopback: "only", ipv6: false, ta });
      await agent.gather();
      agent.setRemoteCredentials({ ufrag: "peer", pwd: "0123456789012345678901" });
      // Priorities rise with i: the checks must go out 3, 2, 1, 0.
      owner.sockets.forEach((s, i) => {
        agent.addRemoteCandidate(
          `candidate:${i} 1 udp ${1000 + i * 100} 127.0.0.1 ${s.address().port} typ host`,
        );
      });
      agent.start();
      for (let i = 0; i < 300 && order.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      diagnostics.unsubscribe("purertc:ice", onLog);
      expect(order.sort()).toEqual([0, 1, 2, 3]); // every check arrived
      // Sent highest priority first, one per Ta.
      const ports = [3, 2, 1, 0].map((i) => owner.sockets[i]!.address().port);
      expect([...sentAt.keys()]).toEqual(ports);
      // One new check per Ta. The timestamps are taken when each check's log
      // line runs, which under load can lag its timer by a few ms, so one
      // interval may look a little short when the one before it ran late;
      // without pacing they would all be ~0 ms.
      for (let k = 1; k < 4; k++) {
        expect(sentAt.get(ports[k]!)! - sentAt.get(ports[k - 1]!)!).toBeGreaterThanOrEqual(ta - 10);
      }
      expect(sentAt.get(ports[3]!)! - sentAt.get(ports[0]!)!).toBeGreaterThanOrEqual(3 * ta - 10);
      expect(firstCheck?.username).toBe(`peer:${agent.localCredentials.ufrag}`);
      expect(firstCheck?.iceControlling).toBe(agent.tieBreaker);
      expect(firstCheck?.priority).toBe(110 * 2 ** 24 + (agent.localCandidates[0]!.priority % 2 ** 24));
      expect(firstCheck?.useCandidate).toBe(false);
      expect(firstCheck?.checkFingerprint()).toBe(true);
      await agent.close();
      await Promise.all(owner.sockets.map((s) => s.close()));
    });
  });
});
