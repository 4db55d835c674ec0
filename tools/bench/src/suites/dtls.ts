import type { RemoteInfo } from "node:dgram";
import { DtlsCertificate, DtlsConnection, nobleCrypto, type PublicKeyCrypto } from "@purertc/dtls";
import { type ManagedSocket, SocketRegistry, UdpTransport } from "@purertc/socket";
import {
  CipherContext,
  HashAlgorithm,
  NamedCurveAlgorithm,
  SignatureAlgorithm,
  DtlsClient as WeriftClient,
  DtlsServer as WeriftServer,
} from "werift";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * DTLS 1.2 on loopback, client and server in this one process (one core):
 *
 * - handshake: time from starting the client to both sides connected
 *   (cookie exchange, ECDHE x25519, ECDSA P-256 certificates both ways,
 *   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, extended master secret), median
 *   and p99, and sequential handshakes per second;
 * - throughput: 1200-byte application records one way, MB/s received, beside
 *   plain UDP over the same sockets (no DTLS) as the reference.
 *
 * werift's DtlsClient/DtlsServer do the same work over the same kind of
 * sockets in the same run.
 */

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const RECORD = 1200;
const BURST = 32;

/** Two registry sockets on 127.0.0.1 aimed at each other. */
async function socketPair(owner: object): Promise<[ManagedSocket, ManagedSocket]> {
  const a = await SocketRegistry.default.open(owner, { label: "bench-dtls-a", address: "127.0.0.1" });
  const b = await SocketRegistry.default.open(owner, { label: "bench-dtls-b", address: "127.0.0.1" });
  return [a, b];
}

/** A werift Transport over a registry socket; `detach` removes its listener (close is left to the bench). */
function weriftTransport(socket: ManagedSocket, peerPort: number) {
  const t = {
    type: "udp",
    address: socket.address(),
    closed: false,
    onData: (_data: Buffer, _addr: unknown) => {},
    send: async (data: Buffer) => socket.send(data, peerPort, "127.0.0.1"),
    close: async () => {},
    socket: { close: () => {} },
  };
  const listener = (data: Buffer, remote: RemoteInfo) => t.onData(data, [remote.address, remote.port]);
  socket.on("message", listener);
  return { transport: t, detach: () => socket.off("message", listener) };
}

interface Pair {
  connect(): Promise<void>;
  send(data: Buffer): void;
  onReceive(fn: (n: number) => void): void;
  close(): Promise<void>;
}

async function oursPair(
  sockets: [ManagedSocket, ManagedSocket],
  certs: DtlsCertificate[],
  crypto?: PublicKeyCrypto,
): Promise<Pair> {
  const [a, b] = sockets;
  const ta = new UdpTransport(a, "127.0.0.1", b.address().port, { ownsSocket: false });
  const tb = new UdpTransport(b, "127.0.0.1", a.address().port, { ownsSocket: false });
  const common = { acceptAnyPeerCertificate: true, ...(crypto ? { crypto } : {}) };
  const client = new DtlsConnection(ta, { role: "client", certificate: certs[0]!, ...common });
  const server = new DtlsConnection(tb, { role: "server", certificate: certs[1]!, ...common });
  return {
    connect: async () => {
      await Promise.all([client.connect(), server.connect()]);
    },
    send: (d) => client.send(d),
    onReceive: (fn) => server.on("message", (d) => fn(d.length)),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

async function weriftPair(
  sockets: [ManagedSocket, ManagedSocket],
  pems: { certPem: string; keyPem: string }[],
): Promise<Pair> {
  const [a, b] = sockets;
  const ta = weriftTransport(a, b.address().port);
  const tb = weriftTransport(b, a.address().port);
  const signatureHash = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
  const client = new WeriftClient({
    transport: ta.transport as never,
    cert: pems[0]!.certPem,
    key: pems[0]!.keyPem,
    signatureHash,
    extendedMasterSecret: true,
  });
  const server = new WeriftServer({
    transport: tb.transport as never,
    cert: pems[1]!.certPem,
    key: pems[1]!.keyPem,
    signatureHash,
    extendedMasterSecret: true,
    certificateRequest: true,
  });
  return {
    connect: async () => {
      // werift's connect() resolves only after its flight timer (500 ms) runs out, long after the
      // handshake is done: time to connected is measured on its onConnect events.
      const serverUp = new Promise<void>((resolve) => server.onConnect.once(() => resolve()));
      const clientUp = new Promise<void>((resolve) => client.onConnect.once(() => resolve()));
      client.connect().catch(() => {});
      await Promise.all([clientUp, serverUp]);
    },
    send: (d) => void client.send(d),
    onReceive: (fn) => server.onData.subscribe((d) => fn(d.length)),
    close: async () => {
      client.close();
      server.close();
      ta.detach();
      tb.detach();
    },
  };
}

/** Handshake samples of one implementation. */
interface Samples {
  times: number[];
  cpu: number[];
  elapsed: number;
}

/** Runs `count` sequential handshakes, adding to `into`: wall time and process CPU time per handshake (ms). */
async function handshakes(make: () => Promise<Pair>, count: number, into: Samples): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const p = await make();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await p.connect();
    into.times.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    into.cpu.push((cpu.user + cpu.system) / 1000);
    await p.close();
    await immediate(); // let the close_notify drain before the next pair
  }
  into.elapsed += performance.now() - start;
}

const samples = (): Samples => ({ times: [], cpu: [], elapsed: 0 });

/** Sends bursts of 1200-byte datagrams for `ms`; MB/s received. */
async function throughput(
  send: (d: Buffer) => void,
  onReceive: (fn: (n: number) => void) => void,
  ms: number,
): Promise<number> {
  let received = 0;
  onReceive((n) => {
    received += n;
  });
  const data = Buffer.alloc(RECORD, 0x61);
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < BURST; i++) send(data);
    await immediate();
  }
  await immediate();
  return received / 1e6 / ((performance.now() - start) / 1000);
}

export const suite: BenchSuite = {
  name: "dtls",
  async run({ quick }) {
    const count = quick ? 30 : 200;
    const ms = quick ? 500 : 2000;
    const owner = {};
    const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
    const weriftSig = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
    const pems = [
      await CipherContext.createSelfSignedCertificateWithKey(weriftSig, NamedCurveAlgorithm.secp256r1_23),
      await CipherContext.createSelfSignedCertificateWithKey(weriftSig, NamedCurveAlgorithm.secp256r1_23),
    ];
    const rows: BenchRow[] = [];
    {
      // Rounds alternate between the implementations so that both see the same machine load.
      const sockets = await socketPair(owner);
      const ours = samples();
      const noble = samples();
      const theirs = samples();
      try {
        const rounds = quick ? 3 : 10;
        const per = Math.ceil(count / rounds);
        for (let r = 0; r < rounds; r++) {
          await handshakes(() => oursPair(sockets, certs), per + (r === 0 ? 5 : 0), ours);
          await handshakes(() => weriftPair(sockets, pems), per + (r === 0 ? 5 : 0), theirs);
          await handshakes(() => oursPair(sockets, certs, nobleCrypto), Math.ceil(per / 4), noble);
        }
        for (const s of [ours, theirs]) {
          s.times.splice(0, 5); // warm-up
          s.cpu.splice(0, 5);
        }
        const o = percentiles(ours.times);
        const w = percentiles(theirs.times);
        const n = percentiles(noble.times);
        const rate = (s: Samples) => (s.times.length * 1000) / s.elapsed;
        rows.push(
          {
            metric: "DTLS handshake to connected, median",
            unit: "ms",
            ours: o.median,
            werift: w.median,
            reference: { name: "@noble/curves backend", value: n.median },
            higherIsBetter: false,
          },
          {
            metric: "DTLS handshake to connected, p99",
            unit: "ms",
            ours: o.p99,
            werift: w.p99,
            higherIsBetter: false,
          },
          {
            metric: "DTLS handshake CPU time (both sides, all threads), median",
            unit: "ms",
            ours: percentiles(ours.cpu).median,
            werift: percentiles(theirs.cpu).median,
            higherIsBetter: false,
          },
          {
            metric: "DTLS handshakes per second (sequential, one core)",
            unit: "hs/s",
            ours: rate(ours),
            werift: rate(theirs),
            reference: { name: "@noble/curves backend", value: rate(noble) },
            higherIsBetter: true,
          },
        );
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
      }
    }
    {
      const sockets = await socketPair(owner);
      try {
        const [a, b] = sockets;
        const oursPairUp = await oursPair(sockets, certs);
        await oursPairUp.connect();
        // werift takes over its sockets' listeners: it gets a pair of its own, made the same way.
        const weriftSockets = await socketPair(owner);
        const theirsUp = await weriftPair(weriftSockets, pems);
        await theirsUp.connect();
        // The three take turns in short rounds (same sockets, same load); medians of the rounds.
        const plainRates: number[] = [];
        const oursRates: number[] = [];
        const theirRates: number[] = [];
        const sinks = { plain: (_n: number) => {}, ours: (_n: number) => {}, werift: (_n: number) => {} };
        b.on("message", (d: Buffer) => {
          if (d[0] === 0x61) sinks.plain(d.length); // plain datagrams are all 'a'; DTLS records start with 23
        });
        oursPairUp.onReceive((n) => sinks.ours(n));
        theirsUp.onReceive((n) => sinks.werift(n));
        const round = ms / 5;
        for (let r = 0; r < 5; r++) {
          plainRates.push(
            await throughput(
              (d) => a.send(d, b.address().port, "127.0.0.1"),
              (fn) => (sinks.plain = fn),
              round,
            ),
          );
          oursRates.push(await throughput(oursPairUp.send, (fn) => (sinks.ours = fn), round));
          theirRates.push(await throughput(theirsUp.send, (fn) => (sinks.werift = fn), round));
        }
        await oursPairUp.close();
        await theirsUp.close();
        await Promise.all(weriftSockets.map((s) => s.close()));
        const median = (v: number[]) => percentiles(v).median;
        const plain = median(plainRates);
        const oursRate = median(oursRates);
        const theirRate = median(theirRates);
        rows.push({
          metric: "DTLS throughput, 1200-byte records",
          unit: "MB/s",
          ours: oursRate,
          werift: theirRate,
          reference: { name: "plain UDP, same sockets", value: plain },
          higherIsBetter: true,
        });
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
      }
    }
    return rows;
  },
};
