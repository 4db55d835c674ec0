import { PeerConnection } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";
import type { Command } from "../command.js";

/**
 * `purertc demo`: two PeerConnections on loopback negotiate (offer/answer,
 * trickle), connect (ICE + DTLS + SCTP), exchange one message each way over
 * a data channel and close;
 * then the socket registry and the process's active handles and timers show
 * that nothing is left.
 */
export const command: Command = {
  name: "demo",
  summary:
    "two PeerConnections connect on loopback, exchange messages on a data channel, close, and nothing is left",
  usage: "demo [--json]",
  options: {},
  async run(_args, ctx) {
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    const a = new PeerConnection({ interfaces: "loopback" });
    const b = new PeerConnection({ interfaces: "loopback" });
    let closeStarted = 0;
    let closeMs = 0;
    try {
      a.addEventListener("icecandidate", (e) => void b.addIceCandidate(e.candidate).catch(() => {}));
      b.addEventListener("icecandidate", (e) => void a.addIceCandidate(e.candidate).catch(() => {}));
      const connected = Promise.all(
        [a, b].map((pc) => until(pc, () => pc.connectionState === "connected", ctx.signal)),
      );
      // a opens a channel; b answers each message on the channel it is given.
      const channel = a.createDataChannel("demo");
      const opened = new Promise<void>((resolve) =>
        channel.addEventListener("open", () => resolve(), { once: true }),
      );
      const received = new Promise<string>((resolve) =>
        b.addEventListener(
          "datachannel",
          (e) => {
            e.channel.addEventListener("message", (m) => {
              resolve(String(m.data));
              e.channel.send("hello from b");
            });
          },
          { once: true },
        ),
      );
      const replied = new Promise<string>((resolve) =>
        channel.addEventListener("message", (m) => resolve(String(m.data)), { once: true }),
      );
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      await connected;
      const stats = await a.getStats();
      const transport = [...stats.values()].find((s) => s.type === "transport");
      const pair = transport && stats.get(String(transport.selectedCandidatePairId));
      const local = pair && stats.get(String(pair.localCandidateId));
      const remote = pair && stats.get(String(pair.remoteCandidateId));
      ctx.emit(
        {
          event: "connected",
          ms: ms(),
          cipher: transport?.dtlsCipher,
          pair: `${local?.address}:${local?.port} ↔ ${remote?.address}:${remote?.port}`,
        },
        `connected ${ms()} ms after start (cold: certificate, JIT): ICE pair ${local?.address}:${local?.port} ↔ ${remote?.address}:${remote?.port}, DTLS ${String(transport?.dtlsCipher)}`,
      );
      await opened;
      ctx.emit(
        { event: "open", ms: ms(), label: channel.label },
        `data channel "demo" open ${ms()} ms after start`,
      );
      channel.send("hello from a");
      const atB = await received;
      ctx.emit({ event: "message", to: "b", text: atB }, `b received: ${atB}`);
      const atA = await replied;
      ctx.emit({ event: "message", to: "a", text: atA }, `a received: ${atA}`);
    } finally {
      closeStarted = performance.now();
      await a.close();
      await b.close();
      closeMs = Math.round((performance.now() - closeStarted) * 100) / 100;
    }
    // A macrotask turn lets the closed sockets' handles leave the active list.
    await new Promise((resolve) => setImmediate(resolve));
    const report = SocketRegistry.default.report();
    const open = SocketRegistry.default.size;
    const handles = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "PipeWrap");
    ctx.emit(
      { event: "closed", ms: ms(), closeMs, openSockets: open, activeResources: handles, report },
      `closed both in ${closeMs} ms (${ms()} ms since start)\n${report}\nactive handles and timers: ${handles.length ? handles.join(", ") : "none"}`,
    );
    return open === 0 && handles.length === 0 ? 0 : 1;
  },
};

function until(pc: PeerConnection, done: () => boolean, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (done()) finish(resolve);
      else if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        finish(() => reject(new Error(`connection ${pc.connectionState}`)));
      }
    };
    const abort = () => finish(() => reject(signal.reason));
    const finish = (fn: () => void) => {
      pc.removeEventListener("connectionstatechange", check);
      signal.removeEventListener("abort", abort);
      fn();
    };
    pc.addEventListener("connectionstatechange", check);
    signal.addEventListener("abort", abort, { once: true });
    check();
  });
}
