import { UdpMux } from "@purertc/ice";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnection } from "./index.js";
import { negotiate, trickle, waitForState } from "./pair.test-helper.js";

describe("consentFreshness (purertc extension, RFC 7675 timing)", () => {
  it("refuses timing out of range with ERR_INVALID_ACCESS, naming the value", () => {
    const bad = [
      { intervalMs: 0 },
      { intervalMs: Number.NaN },
      { intervalMs: 70_000 },
      { timeoutMs: 700_000 },
      { intervalMs: 1000, timeoutMs: 1000 },
      { disconnectedMs: 40_000 },
      { disconnectedMs: 5 },
    ];
    for (const consentFreshness of bad) {
      expect(() => new PeerConnection({ consentFreshness }), JSON.stringify(consentFreshness)).toThrow(
        expect.objectContaining({
          code: "ERR_INVALID_ACCESS",
          message: expect.stringMatching(/^consentFreshness: /),
        }),
      );
    }
    const ok = new PeerConnection({
      consentFreshness: { intervalMs: 1000, timeoutMs: 5000, disconnectedMs: 2000 },
    });
    void ok.close();
  });

  it("a peer gone silent is failed after timeoutMs, not the default 30 s", async () => {
    await withLeakCheck(async () => {
      // The server side on a UdpMux: closing the mux silences it without a DTLS close_notify.
      const mux = await UdpMux.open({ address: "127.0.0.1" });
      const server = new PeerConnection({ udpMux: mux });
      const client = new PeerConnection({
        interfaces: "loopback",
        consentFreshness: { intervalMs: 50, disconnectedMs: 300, timeoutMs: 900 },
      });
      trickle(client, server);
      await negotiate(client, server);
      await Promise.all([waitForState(client, "connected"), waitForState(server, "connected")]);
      const states: string[] = [];
      client.addEventListener("connectionstatechange", () => states.push(client.connectionState));
      const t0 = performance.now();
      await mux.close();
      await waitForState(server, "failed");
      await waitForState(client, "failed", 10_000);
      const elapsed = performance.now() - t0;
      expect(client.connectionState).toBe("failed");
      expect(states.slice(-2)).toEqual(["disconnected", "failed"]);
      expect(elapsed).toBeGreaterThanOrEqual(850);
      expect(elapsed).toBeLessThan(8000);
      await Promise.all([client.close(), server.close()]);
    });
  });
});
