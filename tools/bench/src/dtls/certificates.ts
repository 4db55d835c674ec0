import { DtlsCertificate } from "@purertc/dtls";
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from "werift";
import { type BenchRow, percentiles } from "../harness.js";

/**
 * Making an ECDSA P-256 self-signed certificate, what a PeerConnection does for
 * every connection (as browsers do): ours (`DtlsCertificate.generate()`, key,
 * DER and signature with node:crypto) beside werift's
 * `CipherContext.createSelfSignedCertificateWithKey` in the same process.
 * Process CPU time per certificate (all threads: a key made on libuv's thread
 * pool counts too), median of short rounds that alternate between the two.
 */

type Make = () => Promise<unknown>;

/** Process CPU µs per certificate over about `ms` milliseconds. */
async function cpuPerCert(make: Make, ms: number): Promise<number> {
  let count = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    await make();
    count++;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / count;
}

/** The certificate rows of the dtls suite. */
export async function certificateRows(quick: boolean): Promise<BenchRow[]> {
  const rounds = quick ? 3 : 8;
  const roundMs = quick ? 100 : 250;
  const weriftSig = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
  const ours: Make = () => DtlsCertificate.generate();
  const theirs: Make = () =>
    CipherContext.createSelfSignedCertificateWithKey(weriftSig, NamedCurveAlgorithm.secp256r1_23);
  await cpuPerCert(ours, roundMs); // warm-up of both
  await cpuPerCert(theirs, roundMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await cpuPerCert(ours, roundMs));
    b.push(await cpuPerCert(theirs, roundMs));
  }
  return [
    {
      metric: "ECDSA P-256 self-signed certificate (one per connection), CPU per certificate",
      unit: "us",
      ours: percentiles(a).median,
      werift: percentiles(b).median,
      higherIsBetter: false,
    },
  ];
}
