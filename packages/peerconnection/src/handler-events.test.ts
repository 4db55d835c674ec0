import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnection } from "./index.js";

describe("on<event> handler attributes", () => {
  it("are null until set; a set handler runs, a replaced one no more, null stops it", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      expect(pc.onsignalingstatechange).toBeNull();
      expect(pc.ondatachannel).toBeNull();
      const seen: string[] = [];
      const first = (e: Event) => seen.push(`first ${e.type}`);
      pc.onsignalingstatechange = first;
      expect(pc.onsignalingstatechange).toBe(first);
      pc.dispatchEvent(new Event("signalingstatechange"));
      pc.onsignalingstatechange = (e) => seen.push(`second ${e.type}`);
      pc.dispatchEvent(new Event("signalingstatechange"));
      pc.onsignalingstatechange = null;
      pc.dispatchEvent(new Event("signalingstatechange"));
      // Not a function: taken as null, as browsers do for non-objects.
      (pc as unknown as { ondatagram: unknown }).ondatagram = "not a function";
      expect(pc.ondatagram).toBeNull();
      expect(seen).toEqual(["first signalingstatechange", "second signalingstatechange"]);
      // `this` is the connection, as for a listener.
      let self: unknown;
      pc.onconnectionstatechange = function (this: unknown) {
        self = this;
      };
      pc.dispatchEvent(new Event("connectionstatechange"));
      expect(self).toBe(pc);
      await pc.close();
    });
  });

  it("run among the listeners in the order the handler was first set (HTML event handler rules)", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      const order: string[] = [];
      pc.addEventListener("icegatheringstatechange", () => order.push("listener before"));
      pc.onicegatheringstatechange = () => order.push("handler");
      pc.addEventListener("icegatheringstatechange", () => order.push("listener after"));
      // Replacing the handler keeps its place.
      pc.onicegatheringstatechange = () => order.push("handler replaced");
      pc.dispatchEvent(new Event("icegatheringstatechange"));
      expect(order).toEqual(["listener before", "handler replaced", "listener after"]);
      await pc.close();
    });
  });

  it("the real events reach them (signalling, gathering, candidates)", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      const seen = new Set<string>();
      pc.onsignalingstatechange = () => seen.add(`signaling ${pc.signalingState}`);
      pc.onicegatheringstatechange = () => seen.add(`gathering ${pc.iceGatheringState}`);
      const done = new Promise<void>((resolve) => {
        pc.onicecandidate = (e) => {
          seen.add(e.candidate ? "candidate" : "end");
          if (!e.candidate) resolve();
        };
      });
      pc.createDataChannel("x");
      await pc.setLocalDescription();
      await done;
      expect([...seen]).toEqual(
        expect.arrayContaining(["signaling have-local-offer", "gathering complete", "candidate", "end"]),
      );
      await pc.close();
    });
  });

  it("on a data channel and pc.sctp too: null until set, in first-set order, `this` the object", async () => {
    await withLeakCheck(async () => {
      const pc = new PeerConnection({ interfaces: "loopback" });
      const channel = pc.createDataChannel("x");
      expect(channel.onopen).toBeNull();
      expect(channel.onbufferedamountlow).toBeNull();
      const order: string[] = [];
      channel.addEventListener("closing", () => order.push("listener before"));
      channel.onclosing = function (this: unknown) {
        order.push(this === channel ? "handler" : "handler with a wrong this");
      };
      channel.addEventListener("closing", () => order.push("listener after"));
      channel.dispatchEvent(new Event("closing"));
      channel.onclosing = null;
      channel.dispatchEvent(new Event("closing"));
      expect(order).toEqual([
        "listener before",
        "handler",
        "listener after",
        "listener before",
        "listener after",
      ]);
      await pc.setLocalDescription();
      const answerer = new PeerConnection({ interfaces: "loopback" });
      await answerer.setRemoteDescription(pc.localDescription!);
      await answerer.setLocalDescription();
      await pc.setRemoteDescription(answerer.localDescription!);
      const sctp = pc.sctp!;
      expect(sctp.onstatechange).toBeNull();
      let state = "";
      sctp.onstatechange = () => {
        state = sctp.state;
      };
      sctp.dispatchEvent(new Event("statechange"));
      expect(state).toBe(sctp.state);
      await pc.close();
      await answerer.close();
    });
  });
});
