import { DtlsCertificate, DtlsConnection } from "/work/wt/dtls13/packages/dtls/dist/index.js";
import { SocketRegistry, UdpTransport } from "/work/wt/dtls13/packages/socket/dist/index.js";

const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
const owner = {};
const a = await SocketRegistry.default.open(owner, { label: "a", address: "127.0.0.1" });
const b = await SocketRegistry.default.open(owner, { label: "b", address: "127.0.0.1" });
async function one(opts) {
  const ta = new UdpTransport(a, "127.0.0.1", b.address().port, { ownsSocket: false });
  const tb = new UdpTransport(b, "127.0.0.1", a.address().port, { ownsSocket: false });
  const c = new DtlsConnection(ta, {
    role: "client",
    certificate: certs[0],
    acceptAnyPeerCertificate: true,
    ...opts,
  });
  const s = new DtlsConnection(tb, {
    role: "server",
    certificate: certs[1],
    acceptAnyPeerCertificate: true,
    ...opts,
  });
  const t0 = performance.now();
  await Promise.all([c.connect(), s.connect()]);
  const t = performance.now() - t0;
  await c.close();
  await s.close();
  await new Promise((r) => setImmediate(r));
  return t;
}
const opts = JSON.parse(process.argv[2]);
const times = [];
for (let i = 0; i < 1500; i++) times.push(await one(opts));
const last = times.slice(500).sort((x, y) => x - y);
console.log(
  process.argv[2],
  "median",
  last[500].toFixed(3),
  "p10",
  last[100].toFixed(3),
  "heap MB",
  (process.memoryUsage().heapUsed / 1e6).toFixed(1),
);
await a.close();
await b.close();
