import "reflect-metadata";
import { DtlsCertificate, DtlsConnection, type DtlsOptions } from "@purertc/dtls";
import type { DatagramTransport } from "@purertc/socket";

/**
 * DTLS handshakes of several variants in ONE process over an in-memory
 * transport (no sockets, no event-loop turns between datagrams beyond
 * microtasks): what a CPU profile or a GC trace of the handshake itself
 * wants. Variants alternate in blocks of 100 so that both see the same heap
 * and JIT state; the script prints the median wall and CPU ms per handshake.
 *
 * Usage: node [--cpu-prof] [--trace-gc-nvp] dist/dtls/profile.js [count=2000] [variant…]
 * (variants: 1.2, 1.3, 1.2-direct, 1.3-direct, 1.3-mlkem; default 1.2 and 1.3).
 * Not a benchmark (`npm run bench -- dtls` is): a tool for finding where the time goes.
 */

/** One end of an in-memory datagram link; delivery is a microtask later, as a socket's would be asynchronous. */
class MemoryEnd implements DatagramTransport {
  onDatagram: ((data: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  closed = false;
  peer: MemoryEnd | undefined;
  send(data: Uint8Array): void {
    if (this.closed) return;
    const copy = new Uint8Array(data);
    queueMicrotask(() => {
      const p = this.peer;
      if (p && !p.closed) p.onDatagram?.(copy);
    });
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cb = this.onClose;
    this.onClose = undefined;
    this.onDatagram = undefined;
    cb?.();
  }
}

const VARIANTS: Record<string, { options: Partial<DtlsOptions>; direct: boolean }> = {
  "1.2": { options: { versions: ["1.2"] }, direct: false },
  "1.3": { options: { versions: ["1.3"], groups: [0x001d] }, direct: false },
  "1.2-direct": { options: { versions: ["1.2"] }, direct: true },
  "1.3-direct": { options: { versions: ["1.3"], groups: [0x001d] }, direct: true },
  "1.3-mlkem": { options: { versions: ["1.3"], groups: [0x11ec, 0x001d] }, direct: false },
};

const args = process.argv.slice(2);
const count = Math.min(Number(args[0] ?? 2000), 100_000);
const names = args.length > 1 ? args.slice(1) : ["1.2", "1.3"];
for (const n of names) if (!VARIANTS[n]) throw new Error(`unknown variant ${n}`);
const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];

async function once(name: string): Promise<[number, number]> {
  const v = VARIANTS[name]!;
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  const common = { acceptAnyPeerCertificate: true, ...v.options };
  const client = new DtlsConnection(a, { role: "client", certificate: certs[0]!, ...common });
  const server = new DtlsConnection(b, {
    role: "server",
    certificate: certs[1]!,
    ...common,
    ...(v.direct ? { helloVerify: false } : {}),
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([client.connect(), server.connect()]);
  const t = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  await client.close();
  await server.close();
  return [t, (c.user + c.system) / 1000];
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
const times = new Map(names.map((n) => [n, [] as number[]]));
const cpus = new Map(names.map((n) => [n, [] as number[]]));
for (let done = 0; done < count; done += 100) {
  for (const n of names) {
    for (let i = 0; i < Math.min(100, count - done); i++) {
      const [t, c] = await once(n);
      // The first half warms the JIT up; the second half is measured.
      if (done >= count / 2) {
        times.get(n)!.push(t);
        cpus.get(n)!.push(c);
      }
    }
  }
}
for (const n of names)
  console.log(
    `${n.padEnd(11)} median ${median(times.get(n)!).toFixed(3)} ms  cpu ${median(cpus.get(n)!).toFixed(3)} ms  (${times.get(n)!.length} measured)`,
  );
