import { certificateFingerprint } from "@purertc/dtls";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { parseSdp, serializeSdp } from "./sdp/index.js";

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
      // DTLS 1.3 with the hybrid post-quantum group between two purertc peers.
      expect(transport.dtlsCipher).toBe("TLS_AES_128_GCM_SHA256");
      expect(transport.tlsVersion).toBe("FEFC");
      expect(transport.tlsGroup).toBe("X25519MLKEM768");
      // use_srtp offered and accepted as browsers and pion do (RFC 5764); GCM preferred.
      expect(transport.srtpCipher).toBe("SRTP_AEAD_AES_128_GCM");
      const pair = stats.get(String(transport.selectedCandidatePairId))!;
      expect(pair.type).toBe("candidate-pair");
      expect(stats.get(String(pair.localCandidateId))?.address).toBe("127.0.0.1");
      expect(stats.get(String(transport.remoteCertificateId))?.type).toBe("certificate");
      expect(stats.get(String(transport.localCertificateId))?.fingerprintAlgorithm).toBe("sha-256");
      // Each connection made a certificate of its own (as browsers do): no fingerprint links the two.
      const fingerprintOf = (pc: PeerConnection) =>
        parseSdp(pc.localDescription!.sdp).media[0]!.fingerprints[0]!.value;
      expect(fingerprintOf(a)).not.toBe(fingerprintOf(b));
      expect(stats.get(String(transport.remoteCertificateId))?.fingerprint).toBe(fingerprintOf(b));

      await a.close();
      await b.close();
      expect(a.connectionState).toBe("closed");
      expect(a.signalingState).toBe("closed");
    });
  });

  it("checks a sha-384 a=fingerprint inside the DTLS handshake (RFC 8122 §5), and refuses a wrong one", async () => {
    await withLeakCheck(async () => {
      const certificate = await PeerConnection.generateCertificate();
      for (const right of [true, false]) {
        const a = new PeerConnection({ interfaces: "loopback", certificates: [certificate] });
        const b = new PeerConnection({ interfaces: "loopback" });
        trickle(a, b);
        await a.setLocalDescription(await a.createOffer());
        const offer = parseSdp(a.localDescription!.sdp);
        const der = right ? certificate.der : new Uint8Array([1, 2, 3]);
        const [algorithm, value] = certificateFingerprint(der, "sha-384").split(" ") as [string, string];
        for (const m of offer.media) m.fingerprints = [{ algorithm, value }];
        offer.fingerprints = [];
        await b.setRemoteDescription({ type: "offer", sdp: serializeSdp(offer) });
        await b.setLocalDescription(await b.createAnswer());
        await a.setRemoteDescription(b.localDescription!);
        if (right) {
          await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
        } else {
          await waitForState(b, "failed");
          // Refused by the handshake itself (a bad_certificate alert), not after it.
          expect((b.transportError as { code?: string } | undefined)?.code).toBe("ERR_DTLS_BAD_CERTIFICATE");
        }
        await a.close();
        await b.close();
      }
    });
  });
});
