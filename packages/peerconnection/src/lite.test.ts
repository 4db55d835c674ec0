import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnection, PeerConnectionError } from "./index.js";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";

async function iceRole(pc: PeerConnection): Promise<unknown> {
  const stats = await pc.getStats();
  return [...stats.values()].find((s) => s.type === "transport")?.iceRole;
}

describe("iceLite", () => {
  for (const liteOffers of [true, false]) {
    it(`a full PeerConnection connects to a lite one (lite ${liteOffers ? "offers" : "answers"})`, async () => {
      await withLeakCheck(async () => {
        const lite = new PeerConnection({ interfaces: "loopback", iceLite: true });
        const full = new PeerConnection({ interfaces: "loopback" });
        try {
          trickle(lite, full);
          if (liteOffers) await negotiate(lite, full);
          else await negotiate(full, lite);
          expect(lite.localDescription?.sdp).toContain("\r\na=ice-lite\r\n");
          expect(full.localDescription?.sdp).not.toContain("a=ice-lite");
          await Promise.all([waitForState(lite, "connected"), waitForState(full, "connected")]);
          // The full agent controls whoever offered (RFC 8445 §6.1.1).
          expect(await iceRole(full)).toBe("controlling");
          expect(await iceRole(lite)).toBe("controlled");
          const got = nextDatagram(full);
          lite.sendDatagram("from the lite side");
          expect(await got).toBe("from the lite side");
        } finally {
          lite.close();
          full.close();
        }
      });
    });
  }

  it("refuses iceLite with iceTransportPolicy relay", () => {
    expect(() => new PeerConnection({ iceLite: true, iceTransportPolicy: "relay" })).toThrow(
      PeerConnectionError,
    );
  });
});
