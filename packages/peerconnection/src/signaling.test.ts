import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "./errors.js";
import { PeerConnection } from "./peer-connection.js";

async function rejection(p: Promise<unknown>): Promise<PeerConnectionError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PeerConnectionError);
  return error as PeerConnectionError;
}

describe("signaling as browsers do it", () => {
  it("offer, rollback, and the transitions that are refused", async () => {
    await withLeakCheck(async () => {
      await using pc = new PeerConnection({ interfaces: "loopback" });
      const seen: string[] = [];
      pc.onsignalingstatechange = () => seen.push(pc.signalingState);
      expect(pc.localDescription).toBeNull();
      expect(pc.canTrickleIceCandidates).toBeNull();
      expect((await rejection(pc.createAnswer())).code).toBe("ERR_INVALID_STATE");
      expect((await rejection(pc.setRemoteDescription({ type: "answer", sdp: "" }))).code).toBe(
        "ERR_INVALID_STATE",
      );
      expect((await rejection(pc.setLocalDescription({ type: "rollback" }))).code).toBe("ERR_INVALID_STATE");
      expect((await rejection(pc.addIceCandidate({ candidate: "" }))).code).toBe("ERR_INVALID_STATE");

      const offer = await pc.createOffer();
      const tampered = {
        type: "offer" as const,
        sdp: offer.sdp!.replace(/a=ice-pwd:\S+/, "a=ice-pwd:0123456789012345678901"),
      };
      expect((await rejection(pc.setLocalDescription(tampered))).code).toBe("ERR_INVALID_MODIFICATION");
      // Not the text handed out but the same description (LF line ends): parsed and accepted.
      await pc.setLocalDescription({ type: "offer", sdp: offer.sdp!.replace(/\r\n/g, "\n") });
      await pc.setLocalDescription({ type: "rollback" });
      // An offer made before the last one is refused, though it is text once handed out.
      const newer = await pc.createOffer();
      expect(newer.sdp).not.toBe(offer.sdp);
      expect((await rejection(pc.setLocalDescription(offer))).code).toBe("ERR_INVALID_MODIFICATION");
      await pc.setLocalDescription(newer);
      expect(pc.signalingState).toBe("have-local-offer");
      expect(pc.localDescription?.type).toBe("offer");
      await pc.setLocalDescription({ type: "rollback" });
      expect(pc.signalingState).toBe("stable");
      expect(pc.localDescription).toBeNull();
      // setLocalDescription() without argument creates the offer itself.
      await pc.setLocalDescription();
      expect(pc.localDescription?.sdp).toContain("a=setup:actpass");
      expect((await rejection(pc.setRemoteDescription({ type: "answer", sdp: "garbage" }))).code).toBe(
        "ERR_INVALID_SDP",
      );
      expect(seen).toEqual(["have-local-offer", "stable", "have-local-offer", "stable", "have-local-offer"]);
      expect(pc.getConfiguration()).toMatchObject({ interfaces: "loopback", bundlePolicy: "max-bundle" });
    });
  });

  it("answers an offer, refuses an actpass answer, and rolls back a remote offer", async () => {
    await withLeakCheck(async () => {
      await using a = new PeerConnection({ interfaces: "loopback" });
      await using b = new PeerConnection({ interfaces: "loopback" });
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      expect(b.signalingState).toBe("have-remote-offer");
      expect(b.canTrickleIceCandidates).toBe(true);
      await b.setRemoteDescription({ type: "rollback" });
      expect(b.signalingState).toBe("stable");
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(); // the implicit answer
      expect(b.localDescription?.type).toBe("answer");
      expect(b.localDescription?.sdp).toContain("a=setup:active");
      // An answer that kept actpass cannot decide the DTLS roles (RFC 5763 §5).
      const actpass = b.localDescription!.sdp.replace("a=setup:active", "a=setup:actpass");
      expect((await rejection(a.setRemoteDescription({ type: "answer", sdp: actpass }))).code).toBe(
        "ERR_INVALID_SDP",
      );
      expect(a.signalingState).toBe("have-local-offer");
    });
  });

  it("against an ice-lite offerer the answerer is the controlling agent (RFC 8445 §6.1.1)", async () => {
    await withLeakCheck(async () => {
      await using a = new PeerConnection({ interfaces: "loopback" });
      await using b = new PeerConnection({ interfaces: "loopback" });
      await a.setLocalDescription(await a.createOffer());
      const lite = a.localDescription!.sdp.replace(
        "a=group:BUNDLE 0\r\n",
        "a=group:BUNDLE 0\r\na=ice-lite\r\n",
      );
      expect(lite).toContain("a=ice-lite");
      await b.setRemoteDescription({ type: "offer", sdp: lite });
      await b.setLocalDescription(await b.createAnswer());
      const transport = [...(await b.getStats()).values()].find((s) => s.type === "transport");
      expect(transport?.iceRole).toBe("controlling");
    });
  });

  it("a candidate the ICE agent refuses is skipped in a description and refused by addIceCandidate", async () => {
    await withLeakCheck(async () => {
      await using a = new PeerConnection({ interfaces: "loopback" });
      await using b = new PeerConnection({ interfaces: "loopback" });
      await a.setLocalDescription(await a.createOffer());
      const odd = "candidate:1 1 udp 1 not_a_host! 9 typ host";
      const offer = a.localDescription!.sdp.replace("a=ice-ufrag", `a=${odd}\r\na=ice-ufrag`);
      await b.setRemoteDescription({ type: "offer", sdp: offer });
      await b.setLocalDescription(await b.createAnswer());
      expect(b.signalingState).toBe("stable");
      expect((await rejection(b.addIceCandidate({ candidate: odd, sdpMid: "0" }))).code).toBe(
        "ERR_OPERATION",
      );
    });
  });

  it("the signal, read before close, aborts on close with ERR_CLOSED; work tied to it stops", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      await pc.setLocalDescription(await pc.createOffer());
      const signal = pc.signal;
      expect(signal.aborted).toBe(false);
      let reason: unknown;
      signal.addEventListener("abort", () => {
        reason = signal.reason;
      });
      const closing = pc.close();
      expect(signal.aborted).toBe(true);
      expect(reason).toBeInstanceOf(PeerConnectionError);
      expect((reason as PeerConnectionError).code).toBe("ERR_CLOSED");
      expect(pc.signal).toBe(signal);
      await closing;
      await pc.close();
    });
  });

  it("closed: every operation is InvalidStateError, states are closed, no event fires", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      let events = 0;
      pc.addEventListener("signalingstatechange", () => events++);
      pc.addEventListener("connectionstatechange", () => events++);
      await pc.close();
      expect([pc.signalingState, pc.iceConnectionState, pc.connectionState, pc.dtlsState]).toEqual([
        "closed",
        "closed",
        "closed",
        "closed",
      ]);
      for (const op of [
        () => pc.createOffer(),
        () => pc.setLocalDescription(),
        () => pc.setRemoteDescription({ type: "offer", sdp: "" }),
        () => pc.addIceCandidate(null),
      ]) {
        expect((await rejection(op())).code).toBe("ERR_INVALID_STATE");
      }
      expect(events).toBe(0);
      expect(pc.signal.aborted).toBe(true);
      expect(pc.signal.reason).toBeInstanceOf(PeerConnectionError);
      expect((pc.signal.reason as PeerConnectionError).code).toBe("ERR_CLOSED");
      pc.sendDatagram("dropped, like UDP");
      expect(() => pc.sendDatagram(new Uint8Array(16385))).toThrow(PeerConnectionError);
    });
  });
});
