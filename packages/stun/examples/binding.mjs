// A STUN Binding round trip on loopback: start a server, ask it for our
// mapped address, build and check an ICE connectivity check, close all.
// Run from the repository root after `npm install`: node packages/stun/examples/binding.mjs
import { SocketRegistry } from "@purertc/socket";
import {
  decodeMessage,
  StunClass,
  StunClient,
  StunKey,
  StunMessageBuilder,
  StunMethod,
  StunServer,
} from "@purertc/stun";

// A Binding server and a client, each on its own registry socket.
const server = await StunServer.listen({ address: "127.0.0.1", port: 0, software: "example" });
const client = await StunClient.open();
const { mapped, rttMs, software } = await client.binding(server.address());
console.log(`mapped ${mapped.address}:${mapped.port} in ${rttMs.toFixed(2)} ms (server: ${software})`);

// The codec alone: an ICE connectivity check with short-term credentials.
const key = StunKey.shortTerm("remote-ice-password");
const bytes = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
  .username("remoteUfrag:localUfrag")
  .priority(0x6e7f1eff)
  .iceControlling(0x1234567890abcdefn)
  .useCandidate()
  .encode({ integrity: key, fingerprint: true });
const check = decodeMessage(bytes).verify({ key, requireFingerprint: true });
console.log(`${check} priority=${check.priority} integrity ok`);

await client.close();
await server.close();
console.log(SocketRegistry.default.report());
