// Two SCTP associations joined by a function call each way (in a PeerConnection
// the packets would travel as DTLS application data). Run from the repository
// root after a build: node packages/sctp/examples/pair.mjs
import { SctpAssociation } from "@purertc/sctp";

// Deliver on the next turn of the event loop, as a socket would.
const link = (to) => ({ send: (packet) => setImmediate(() => to()?.handlePacket(packet)) });
const a = new SctpAssociation({ transport: link(() => b) });
const b = new SctpAssociation({ transport: link(() => a) });

b.addEventListener("message", (e) => {
  console.log(`b got ${e.data.length} bytes on stream ${e.streamId} (ppid ${e.ppid})`);
  if (e.streamId === 1) b.send(1, 51, new TextEncoder().encode("pong"));
});
a.addEventListener("message", (e) => console.log(`a got "${new TextDecoder().decode(e.data)}"`));

// Both ends connect at once, as WebRTC does (RFC 9260 §5.2.1 makes them one association).
const opened = Promise.all(
  [a, b].map((x) => new Promise((r) => x.addEventListener("open", r, { once: true }))),
);
a.connect();
b.connect();
await opened;
console.log(`open: ${a.maxOutboundStreams} streams each way`);

a.send(1, 51, new TextEncoder().encode("ping"));
a.send(2, 53, new Uint8Array(200_000), { unordered: true }); // fragmented and reassembled
await new Promise((r) => a.addEventListener("message", r, { once: true }));

// Graceful SHUTDOWN: both ends close without error.
const closed = new Promise((r) => b.addEventListener("close", (e) => r(e.error), { once: true }));
await a.shutdown();
console.log(`closed: ${a.state}, b: ${(await closed) ?? "no error"}`);
