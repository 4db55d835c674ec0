import { DtlsCertificate } from "@purertc/dtls";
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from "werift";
import { certificateRows } from "../dtls/certificates.js";
import { oursPair, socketPair, weriftPair } from "../dtls/pairs.js";
import { rttRows } from "../dtls/rtt.js";
import { type Samples, samples, startWorker } from "../dtls/workers.js";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * DTLS 1.2 and DTLS 1.3 on loopback, client and server in one process (one core):
 *
 * - handshake: time from starting the client to both sides connected
 *   (cookie exchange, ECDHE x25519, ECDSA P-256 certificates both ways,
 *   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, extended master secret), median
 *   and p99, and sequential handshakes per second, at steady state. Each
 *   implementation runs in a process of its own (../dtls/handshake-worker.ts)
 *   warmed up by 2,000 handshakes; twelve rounds of 400 ms each alternate
 *   between them so both see the same machine load. Sharing one heap let
 *   werift's garbage and 500 ms flight timers land in our rounds (and ours in
 *   its); too short a warm-up measured the JIT, not the stack. The first 100
 *   handshakes of a fresh process are reported too (cold);
 * - DTLS 1.3 rows beside our DTLS 1.2 of the same run: x25519, and
 *   X25519MLKEM768 with the ML-KEM key pool (its refills run between
 *   handshakes: they count in the per-second row, not in the median) and
 *   without it; each with the cookie exchange (HelloRetryRequest cookie, as
 *   1.2's HelloVerifyRequest) and without (helloVerify: false, as over ICE
 *   where consent checks have proved the address);
 * - throughput: 1200-byte application records one way, MB/s received, beside
 *   plain UDP over the same sockets (no DTLS) as the reference.
 *
 * werift's DtlsClient/DtlsServer do the same work over the same kind of
 * sockets in the same run.
 */

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const RECORD = 1200;
const BURST = 32;

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
    const ms = quick ? 500 : 2000;
    const owner = {};
    const rows: BenchRow[] = [];
    {
      // One process per implementation (see dtls/handshake-worker.ts), warmed up, then rounds that
      // alternate between the implementations so that both see the same machine load.
      const ours = samples();
      const ours13 = samples();
      const ours13pq = samples();
      const noble = samples();
      const theirs = samples();
      // Without the cookie exchange (helloVerify: false: over ICE, consent checks have proved
      // the peer's address already), and the hybrid without the ML-KEM key pool.
      const direct12 = samples();
      const direct13 = samples();
      const direct13pq = samples();
      const nopool13pq = samples();
      // Rounds of equal duration, not equal count: a worker that sat idle while the others ran
      // pays a wake-up (an idle-time GC, cold caches) on its next handshakes, which in a round of
      // a fixed count would weigh five times more on the implementation that is five times faster.
      // Each round starts with 10 unmeasured handshakes for the same reason.
      // Many short alternations: this VM's speed drifts within seconds, and both should sample it alike.
      const rounds = quick ? 3 : 12;
      const roundMs = quick ? 300 : 400;
      // Steady state: ours needs about 2,000 handshakes for the JIT to settle (median 1.42 ms
      // after 100, 1.06 after 600, 0.83 after 2,000); werift gets the same warm-up.
      const warmup = quick ? 300 : 2000;
      const workers = {
        ours: await startWorker("ours", warmup),
        ours13: await startWorker("ours13", warmup),
        ours13pq: await startWorker("ours13pq", warmup),
        werift: await startWorker("werift", warmup),
        noble: await startWorker("noble", quick ? 20 : 100),
        direct12: await startWorker("ours:1.2-direct", warmup),
        direct13: await startWorker("ours:1.3-x25519-direct", warmup),
        direct13pq: await startWorker("ours:1.3-mlkem-direct", warmup),
        nopool13pq: await startWorker("ours:1.3-mlkem-nopool", warmup),
      };
      try {
        const add = (into: Samples, r: Samples) => {
          into.times.push(...r.times);
          into.cpu.push(...r.cpu);
          into.elapsed += r.elapsed;
        };
        for (let r = 0; r < rounds; r++) {
          add(ours, await workers.ours.round(roundMs));
          add(ours13, await workers.ours13.round(roundMs));
          add(ours13pq, await workers.ours13pq.round(roundMs));
          add(theirs, await workers.werift.round(roundMs));
          add(noble, await workers.noble.round(roundMs / 4));
          add(direct12, await workers.direct12.round(roundMs));
          add(direct13, await workers.direct13.round(roundMs));
          add(direct13pq, await workers.direct13pq.round(roundMs));
          add(nopool13pq, await workers.nopool13pq.round(roundMs));
        }
      } finally {
        await Promise.all(Object.values(workers).map((w) => w.close()));
      }
      const cold = {
        metric: "DTLS handshake, first 100 in a fresh process, median",
        unit: "ms",
        ours: percentiles(workers.ours.cold).median,
        werift: percentiles(workers.werift.cold).median,
        higherIsBetter: false,
      };
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
        cold,
      );
      // DTLS 1.3 (same certificates, same cookie exchange: a HelloRetryRequest cookie instead of a
      // HelloVerifyRequest), beside our DTLS 1.2 of the same run; werift has no DTLS 1.3.
      const o13 = percentiles(ours13.times);
      const pq = percentiles(ours13pq.times);
      const ours12 = { name: "our DTLS 1.2", value: o.median };
      const d12 = percentiles(direct12.times).median;
      const d13 = percentiles(direct13.times).median;
      rows.push(
        {
          metric: "DTLS 1.3 handshake (x25519) to connected, median",
          unit: "ms",
          ours: o13.median,
          reference: ours12,
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (X25519MLKEM768, pooled ML-KEM keys) to connected, median",
          unit: "ms",
          ours: pq.median,
          reference: { name: "our DTLS 1.3 x25519", value: o13.median },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (X25519MLKEM768, ML-KEM keys made at hello time), median",
          unit: "ms",
          ours: percentiles(nopool13pq.times).median,
          reference: { name: "our DTLS 1.3 x25519", value: o13.median },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.2 handshake without cookie exchange (helloVerify: false), median",
          unit: "ms",
          ours: d12,
          reference: { name: "our DTLS 1.2 with cookies", value: o.median },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (x25519) without cookie exchange (no HelloRetryRequest), median",
          unit: "ms",
          ours: d13,
          reference: { name: "our DTLS 1.2 without cookies", value: d12 },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (X25519MLKEM768, pooled) without cookie exchange, median",
          unit: "ms",
          ours: percentiles(direct13pq.times).median,
          reference: { name: "our DTLS 1.3 x25519 without cookies", value: d13 },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (x25519) CPU time, median",
          unit: "ms",
          ours: percentiles(ours13.cpu).median,
          reference: { name: "our DTLS 1.2", value: percentiles(ours.cpu).median },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshake (X25519MLKEM768, pooled ML-KEM keys) CPU time, median",
          unit: "ms",
          ours: percentiles(ours13pq.cpu).median,
          reference: { name: "our DTLS 1.3 x25519", value: percentiles(ours13.cpu).median },
          higherIsBetter: false,
        },
        {
          metric: "DTLS 1.3 handshakes (x25519) per second",
          unit: "hs/s",
          ours: rate(ours13),
          reference: { name: "our DTLS 1.2", value: rate(ours) },
          higherIsBetter: true,
        },
        {
          metric: "DTLS 1.3 handshakes (X25519MLKEM768, pooled: refills counted) per second",
          unit: "hs/s",
          ours: rate(ours13pq),
          reference: { name: "our DTLS 1.2", value: rate(ours) },
          higherIsBetter: true,
        },
        {
          metric: "DTLS 1.3 handshakes (X25519MLKEM768, no pool) per second",
          unit: "hs/s",
          ours: rate(nopool13pq),
          reference: { name: "our DTLS 1.2", value: rate(ours) },
          higherIsBetter: true,
        },
      );
    }
    const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
    const weriftSig = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
    const pems = [
      await CipherContext.createSelfSignedCertificateWithKey(weriftSig, NamedCurveAlgorithm.secp256r1_23),
      await CipherContext.createSelfSignedCertificateWithKey(weriftSig, NamedCurveAlgorithm.secp256r1_23),
    ];
    {
      const sockets = await socketPair(owner);
      try {
        const [a, b] = sockets;
        const oursPairUp = await oursPair(sockets, certs);
        await oursPairUp.connect();
        // DTLS 1.3 over a socket pair of its own (1.3 records: unified header, record-number encryption).
        const sockets13 = await socketPair(owner);
        const ours13Up = await oursPair(sockets13, certs, undefined, "1.3-mlkem");
        await ours13Up.connect();
        // werift takes over its sockets' listeners: it gets a pair of its own, made the same way.
        const weriftSockets = await socketPair(owner);
        const theirsUp = await weriftPair(weriftSockets, pems);
        await theirsUp.connect();
        // The three take turns in short rounds (same sockets, same load); medians of the rounds.
        const plainRates: number[] = [];
        const oursRates: number[] = [];
        const theirRates: number[] = [];
        const ours13Rates: number[] = [];
        const sinks = {
          plain: (_n: number) => {},
          ours: (_n: number) => {},
          ours13: (_n: number) => {},
          werift: (_n: number) => {},
        };
        b.on("message", (d: Buffer) => {
          if (d[0] === 0x61) sinks.plain(d.length); // plain datagrams are all 'a'; DTLS records start with 23
        });
        oursPairUp.onReceive((n) => sinks.ours(n));
        theirsUp.onReceive((n) => sinks.werift(n));
        ours13Up.onReceive((n) => sinks.ours13(n));
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
          ours13Rates.push(await throughput(ours13Up.send, (fn) => (sinks.ours13 = fn), round));
        }
        await oursPairUp.close();
        await ours13Up.close();
        await Promise.all(sockets13.map((s) => s.close()));
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
        rows.push({
          metric: "DTLS 1.3 throughput, 1200-byte records",
          unit: "MB/s",
          ours: median(ours13Rates),
          reference: { name: "our DTLS 1.2", value: oursRate },
          higherIsBetter: true,
        });
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
      }
    }
    rows.push(...(await rttRows(quick))); // 1.2 and 1.3 over a 20 ms round trip
    rows.push(...(await import("../dtls/mlkem.js")).mlkemRows(quick)); // ML-KEM-768 ours vs noble
    rows.push(...(await certificateRows(quick))); // a certificate per connection, ours vs werift
    return rows;
  },
};
