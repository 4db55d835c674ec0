import { UdpMux } from "@purertc/ice";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnection } from "./index.js";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";

describe("udpMux", () => {
  it("PeerConnections share one port; closing them leaves the mux; closing the mux fails those on it", async () => {
    await withLeakCheck(async () => {
      const mux = await UdpMux.open({ address: "127.0.0.1" });
      const pairs: Array<[PeerConnection, PeerConnection]> = [];
      for (let i = 0; i < 3; i++) {
        const server = new PeerConnection({ udpMux: mux });
        const client = new PeerConnection({ interfaces: "loopback" });
        trickle(client, server);
        await negotiate(client, server);
        pairs.push([server, client]);
      }
      await Promise.all(
        pairs.flatMap(([s, c]) => [waitForState(s, "connected"), waitForState(c, "connected")]),
      );
      for (const [i, [server, client]] of pairs.entries()) {
        expect(server.localDescription?.sdp).toContain(` 127.0.0.1 ${mux.port} typ host`);
        const got = nextDatagram(client);
        server.sendDatagram(`server ${i}`);
        expect(await got).toBe(`server ${i}`);
      }
      const [first, ...rest] = pairs;
      await first![0].close();
      await first![1].close();
      expect(mux.stats.routes).toBe(2);
      expect(SocketRegistry.default.list().filter((s) => s.label === "ice-udp-mux")).toHaveLength(1);
      await mux.close();
      for (const [server] of rest) await waitForState(server, "failed");
      for (const [server, client] of rest) {
        await server.close();
        await client.close();
      }
    });
  });
});
