import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { decodeMessage } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";

describe("Ta pacing (RFC 8445 §6.1.4.2)", () => {
  it("sends one new check per Ta, highest-priority pair first, with ICE attributes", async () => {
    await withLeakCheck(async () => {
      const owner = { sockets: [] as ManagedSocket[] };
      const firstAt: number[] = [];
      const order: number[] = [];
      let firstCheck: ReturnType<typeof decodeMessage> | undefined;
      for (let i = 0; i < 4; i++) {
        const socket = await SocketRegistry.default.open(owner, {
          label: `silent-${i}`,
          address: "127.0.0.1",
        });
        owner.sockets.push(socket);
        socket.on("message", (data) => {
          if (firstAt[i] !== undefined) return;
          firstAt[i] = performance.now();
          order.push(i);
          firstCheck ??= decodeMessage(new Uint8Array(data));
        });
      }
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
      expect(order).toEqual([3, 2, 1, 0]);
      for (let k = 1; k < 4; k++) {
        // Timers never fire early; half of Ta leaves room for receive-side jitter.
        expect(firstAt[order[k]!]! - firstAt[order[k - 1]!]!).toBeGreaterThanOrEqual(ta / 2);
      }
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
