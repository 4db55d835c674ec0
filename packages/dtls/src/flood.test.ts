import { SocketRegistry } from "@purertc/socket";
import { floodUdp, mutate, seededRandom, settledHeap, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { connectDtls, DtlsCertificate, DtlsServer, NamedGroup } from "./index.js";

/**
 * Flood: hostile datagrams at one DtlsServer over real loopback sockets
 * from 128 source ports (spoofed ClientHellos among them, each answered
 * statelessly), while a real client completes its handshake and gets an
 * echo. 10,000 by default (CI, a shared 2-core machine); `FLOOD_COUNT=100000`
 * for the full flood of issue 15. Paced by the server's own `datagramsIn`.
 */
const COUNT = Number(process.env.FLOOD_COUNT ?? 10_000);
const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;

/**
 * The first flight a real client sends (connectDtls against a socket that
 * never answers): one datagram with x25519, two with X25519MLKEM768 (the
 * hello is fragmented), as Chromium's are.
 */
async function capturedHello(groups?: NamedGroup[]): Promise<Uint8Array[]> {
  const owner = {};
  const sink = await SocketRegistry.default.open(owner, { label: "test-capture", address: "127.0.0.1" });
  const got: Uint8Array[] = [];
  const whole = new Promise<void>((resolve) =>
    sink.on("message", (d: Uint8Array) => {
      // A retransmission starts with the same record again: the flight is complete.
      if (got.length > 0 && d[0] === got[0]![0] && d[12] === got[0]![12] && d.length === got[0]!.length)
        resolve();
      else got.push(Uint8Array.from(d));
    }),
  );
  const controller = new AbortController();
  const client = connectDtls({
    address: "127.0.0.1",
    port: sink.address().port,
    certificate: cert,
    ...any,
    ...(groups ? { groups } : {}),
    signal: controller.signal,
  }).catch(() => {});
  await whole;
  controller.abort();
  await client;
  await sink.close();
  return got;
}

describe("DtlsServer under a flood of hostile datagrams", () => {
  it(`reads ${COUNT} of them with flat memory and no state, and still serves a real client`, async () => {
    await withLeakCheck(async () => {
      const pq = await capturedHello();
      const [x25519] = await capturedHello([NamedGroup.x25519]);
      expect(pq.length).toBe(2);
      const server = await DtlsServer.listen({ certificate: serverCert, ...any });
      server.on("connection", (c) => c.on("message", (d) => c.send(d)));
      const target = { address: "127.0.0.1", port: server.address().port };
      const read = () => server.stats.datagramsIn;
      const random = seededRandom(0xd715);
      const kinds = [
        () => random.bytes(random.int(200)),
        // Record-shaped garbage: handshake or application data, epoch 0 or 1, DTLS 1.2 version.
        () => {
          const d = random.bytes(13 + random.int(200));
          d[0] = random.next() < 0.5 ? 22 : 23;
          d[1] = 0xfe;
          d[2] = 0xfd;
          d[3] = 0;
          d[4] = random.int(2);
          return d;
        },
        // Spoofed ClientHellos, whole and first fragments (each source port looks like a client).
        () => x25519!,
        () => pq[0]!,
        () => pq[1]!,
        () => mutate(x25519!, random),
        () => mutate(pq[random.int(2)]!, random),
      ];
      const datagram = () => kinds[random.int(kinds.length)]!();
      const hellos = () => (server as unknown as { hellos: { size: number } }).hellos.size;

      await floodUdp({ target, count: 2000, datagram, delivered: read, sources: 128, window: 64 });
      const before = { heap: await settledHeap(), stats: { ...server.stats } };
      let echoed = "";
      const result = await floodUdp({
        target,
        count: COUNT,
        // 2.5 ms a datagram on a loaded machine, within the test's 300 s.
        timeoutMs: Math.max(60_000, COUNT * 2.5),
        sources: 128,
        // Hellos are up to 1.2 KB: 64 in flight stay within the kernel's default receive buffer.
        window: 64,
        datagram,
        delivered: read,
        during: async () => {
          const client = await connectDtls({
            address: "127.0.0.1",
            port: target.port,
            certificate: cert,
            ...any,
          });
          const back = new Promise<Uint8Array>((r) => client.once("message", r));
          client.send(new TextEncoder().encode("through the flood"));
          echoed = new TextDecoder().decode(await back);
          await client.close();
        },
      });
      const heapGrowth = (await settledHeap()) - before.heap;
      const s = server.stats;
      process.stderr.write(
        `dtls flood: ${result.sent} sent, ${result.delivered} read, ${result.lost} lost in ${result.ms.toFixed(0)} ms; heap ${(heapGrowth / 1024).toFixed(0)} KiB; hello cache ${hellos()}; ${JSON.stringify(s)}\n`,
      );
      expect(result.sent).toBe(COUNT);
      expect(result.lost).toBeLessThan(COUNT / 100);
      expect(echoed).toBe("through the flood");
      expect(result.duringSettledAt).toBeLessThan(COUNT);
      // Spoofed hellos were answered statelessly; garbage was dropped; no connection kept.
      expect(s.helloRetryRequests - before.stats.helloRetryRequests).toBeGreaterThan(COUNT / 10);
      expect(s.dropped - before.stats.dropped).toBeGreaterThan(COUNT / 5);
      expect(hellos()).toBeLessThanOrEqual(64);
      // The real client closed: its connection is gone too (its close_notify came in the flood).
      for (let i = 0; i < 100 && server.connections.size > 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(server.connections.size).toBe(0);
      expect(heapGrowth).toBeLessThan(1.5 * 1024 * 1024);
      await server.close();
    });
  }, 300_000);
});
