// The purertc side of the Chromium interop test (packages/mdns/src/chromium.test.ts). It runs with the
// built packages inside the network namespace of the veth pair's b side, and prints one JSON event a line:
//   published  — our <uuid>.local name for the local address, and the port of our ICE socket
//   resolved   — Chromium's .local name resolved with MdnsResolver, and how long it took
//   check      — the result of one ICE connectivity check (STUN Binding, RFC 8445 §7.2) sent there
//   checked    — Chromium sent us a check: it resolved our name through our responder
// It exits when stdin closes or on SIGTERM, after goodbyes.
import { createHmac, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { generateMdnsName, MdnsResolver, MdnsResponder } from "@purertc/mdns";
import { SocketRegistry } from "@purertc/socket";

const [chromeName, chromePort, chromeUfrag, chromePwd, local] = process.argv.slice(2);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const owner = {};
const ice = await SocketRegistry.default.open(owner, { label: "ice-check", address: local });
const responder = await MdnsResponder.open();
const resolver = await MdnsResolver.open();
const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());
process.stdin.on("end", () => stop.abort()).resume();

/** One STUN attribute, padded to 4 bytes. */
function attribute(type, value) {
  const out = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** A Binding request with USERNAME, PRIORITY, ICE-CONTROLLED, MESSAGE-INTEGRITY and FINGERPRINT (RFC 8489, 8445). */
function bindingRequest(transaction, username, password) {
  const header = (length) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(0x2112a442, 4);
    transaction.copy(h, 8);
    return h;
  };
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(1853824767);
  let body = Buffer.concat([
    attribute(0x0006, Buffer.from(username)),
    attribute(0x0024, priority),
    attribute(0x8029, randomBytes(8)),
  ]);
  const integrity = createHmac("sha1", password)
    .update(Buffer.concat([header(body.length + 24), body]))
    .digest();
  body = Buffer.concat([body, attribute(0x0008, integrity)]);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0);
  body = Buffer.concat([body, attribute(0x8028, fingerprint)]);
  return Buffer.concat([header(body.length), body]);
}

function usernameOf(message) {
  for (let at = 20; at + 4 <= message.length; ) {
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 2);
    if (type === 0x0006) return message.subarray(at + 4, at + 4 + length).toString();
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

const transaction = randomBytes(12);
let retry;
ice.on("message", (message, remote) => {
  if (message.length < 20 || message.readUInt32BE(4) !== 0x2112a442) return;
  const type = message.readUInt16BE(0);
  if (type === 0x0001) {
    emit({
      event: "checked",
      from: `${remote.address}:${remote.port}`,
      username: usernameOf(message) ?? null,
    });
  } else if (message.subarray(8, 20).equals(transaction)) {
    clearInterval(retry);
    emit({ event: "check", ok: type === 0x0101, type, from: `${remote.address}:${remote.port}` });
  }
});

try {
  const publication = await responder.publish(generateMdnsName(), local);
  emit({ event: "published", name: publication.name, port: ice.address().port });
  const start = performance.now();
  const addresses = await resolver.resolve(chromeName, { family: 4, timeout: 8000, signal: stop.signal });
  emit({
    event: "resolved",
    name: chromeName,
    addresses,
    ms: Math.round((performance.now() - start) * 10) / 10,
  });
  const request = bindingRequest(transaction, `${chromeUfrag}:purertc`, chromePwd);
  // Retransmit a few times (bounded) in case the first is lost.
  let sent = 0;
  const send = () => {
    if (++sent > 10) clearInterval(retry);
    else ice.send(request, Number(chromePort), addresses[0]);
  };
  retry = setInterval(send, 200);
  send();
  await new Promise((resolve) => {
    if (stop.signal.aborted) resolve();
    stop.signal.addEventListener("abort", resolve, { once: true });
  });
} catch (error) {
  emit({ event: "error", code: error.code ?? null, message: error.message });
  process.exitCode = 1;
} finally {
  clearInterval(retry);
  await responder.close();
  await resolver.close();
  await ice.close();
}
