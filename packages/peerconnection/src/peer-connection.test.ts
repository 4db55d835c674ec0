import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";

describe("PeerConnection Node ↔ Node over loopback", () => {
  it("connects (ICE + DTLS), carries datagrams both ways, closes with nothing left", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection({ interfaces: "loopback" });
      const b = new PeerConnection({ interfaces: "loopback" });
      const states: string[] = [];
      a.addEventListener("connectionstatechange", () => states.push(a.connectionState));
      trickle(a, b);
      await negotiate(a, b);
      await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
      expect(states).toEqual(["connecting", "connected"]);
      expect(a.iceConnectionState).toMatch(/connected|completed/);
      expect(a.signalingState).toBe("stable");

      const atB = nextDatagram(b);
      a.sendDatagram("ping");
      expect(await atB).toBe("ping");
      const atA = nextDatagram(a);
      b.sendDatagram(new TextEncoder().encode("pong"));
      expect(await atA).toBe("pong");

      const stats = await a.getStats();
      const transport = [...stats.values()].find((s) => s.type === "transport")!;
      expect(transport.dtlsState).toBe("connected");
      expect(transport.dtlsRole).toBe("server");
      expect(transport.iceRole).toBe("controlling");
      expect(String(transport.dtlsCipher)).toMatch(/ECDHE_ECDSA/);
      const pair = stats.get(String(transport.selectedCandidatePairId))!;
      expect(pair.type).toBe("candidate-pair");
      expect(stats.get(String(pair.localCandidateId))?.address).toBe("127.0.0.1");
      expect(stats.get(String(transport.remoteCertificateId))?.type).toBe("certificate");
      expect(stats.get(String(transport.localCertificateId))?.fingerprintAlgorithm).toBe("sha-256");

      await a.close();
      await b.close();
      expect(a.connectionState).toBe("closed");
      expect(a.signalingState).toBe("closed");
    });
  });
});
