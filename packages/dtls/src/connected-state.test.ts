import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { expect, test } from "vitest";
import { DtlsCertificate, DtlsConnection } from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";

// What a connected DTLS 1.3 connection no longer holds: the handshake's transcript, its key shares
// (the hybrid's ML-KEM decapsulation key is 7.5 KB) and the key schedule's HMAC keys. Reached
// through private fields on purpose: the point is what stays reachable.
interface Shell {
  handshaker: {
    transcript: { length: number; buf: Uint8Array };
    offer?: { shares: unknown[]; helloBody: Uint8Array };
    keyUpdates?: { sent: number };
    readSecret?: Uint8Array;
    writeSecret?: Uint8Array;
    offer13?: { shares: object[] };
    ks?: { keys: Map<unknown, unknown>; clientHandshake?: Uint8Array };
  };
  records: {
    canRead13(epoch: number): boolean;
    write13: Map<number, Aead>;
    read13: Map<number, { aead: Aead }>;
  };
}

interface Aead {
  iv: Buffer;
  sn: Buffer;
  key: { key: Buffer };
}

/** Records of a connection (a private field: what it keeps is the point). */
function records(c: DtlsConnection): Shell["records"] {
  return (c as unknown as Shell).records;
}

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;
/** Polls `ok`, bounded: 5 s. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
}

test("a connected 1.3 pair keeps no transcript, key share or schedule HMAC keys; the shares are collected", async () => {
  const [a, b] = memoryPair();
  const client = new DtlsConnection(a, {
    role: "client",
    certificate: cert,
    ...any,
    keyUpdateAfterRecords: 2,
  });
  const server = new DtlsConnection(b, { role: "server", certificate: serverCert, ...any });
  try {
    const connecting = Promise.all([client.connect(), server.connect()]);
    // The offer is made when the handshake starts: hold its key shares weakly.
    const shares = (client as unknown as Shell).handshaker.offer13!.shares.map((s) => new WeakRef(s));
    expect(shares.length).toBe(2); // X25519MLKEM768 and x25519, as browsers send
    await connecting;
    expect(client.group).toBe("X25519MLKEM768");
    for (const side of [client, server]) {
      const hs = (side as unknown as Shell).handshaker;
      expect(hs.transcript.length).toBe(0);
      expect(hs.transcript.buf.byteLength).toBe(0);
      expect(hs.ks?.keys.size).toBe(0);
      expect(hs.ks?.clientHandshake).toBeUndefined();
    }
    // The secrets a KeyUpdate derives from are 32-byte buffers of their own, not views of a shared pool.
    for (const side of [client, server]) {
      const hs = (side as unknown as Shell).handshaker;
      for (const secret of [hs.readSecret!, hs.writeSecret!])
        expect(secret.buffer.byteLength).toBe(secret.byteLength);
    }
    // Epoch 2: the client drops it once the server has its Finished (the ACK); the server stops
    // writing in it at once and keeps reading it while the client may still retransmit.
    await until(() => !records(client).canRead13(2));
    expect(records(client).write13.has(2)).toBe(false);
    expect(records(server).write13.has(2)).toBe(false);
    expect(records(server).canRead13(2)).toBe(true);
    // Each epoch's keys in memory of their own (a small Buffer.from is a view of the shared 8 KB
    // pool, all of which it keeps), and no per-epoch scratch buffers.
    for (const side of [client, server]) {
      const r = records(side);
      const aeads = [...r.write13.values(), ...[...r.read13.values()].map((e) => e.aead)];
      expect(aeads.length).toBeGreaterThanOrEqual(2);
      for (const aead of aeads) {
        for (const b of [aead.iv, aead.sn, aead.key.key]) expect(b.buffer.byteLength).toBe(b.byteLength);
        expect("aads" in aead || "nonce" in aead).toBe(false);
      }
      expect(
        (side as unknown as { handshaker: { cancelTotal?: unknown } }).handshaker.cancelTotal,
      ).toBeUndefined();
    }
    // The peer's certificate is kept as its own bytes, not as a view of the Certificate message.
    for (const side of [client, server]) {
      const der = (side as unknown as { result: { peerCertificate: { der: Uint8Array } } }).result
        .peerCertificate.der;
      expect(der.buffer.byteLength).toBe(der.byteLength);
    }
    const hs = (client as unknown as Shell).handshaker;
    expect(hs.offer?.shares).toEqual([]);
    expect(hs.offer?.helloBody.byteLength).toBe(0);
    await forceGc();
    expect(shares.map((s) => s.deref())).toEqual([undefined, undefined]);
    // Still a working connection: a KeyUpdate remakes the HMAC key it needs.
    const got: number[] = [];
    const all = new Promise<void>((resolve) =>
      server.on("message", (d: Uint8Array) => got.push(d[0]!) === 6 && resolve()),
    );
    for (let i = 0; i < 6; i++) {
      client.send(Uint8Array.of(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    await all;
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(hs.keyUpdates?.sent).toBeGreaterThan(0);
  } finally {
    await Promise.all([client.close(), server.close()]);
  }
});

test("the server drops its epoch-2 read keys after the client's retransmission span; close during the hold leaks nothing", async () => {
  // Retransmission schedule 20, 40, 40, … ms: the span is 20 + 8 × 40 = 340 ms.
  const fast = { retransmitInitialMs: 20, retransmitMaxMs: 40 };
  const [a, b] = memoryPair();
  const client = new DtlsConnection(a, { role: "client", certificate: cert, ...any, ...fast });
  const server = new DtlsConnection(b, { role: "server", certificate: serverCert, ...any, ...fast });
  try {
    await Promise.all([client.connect(), server.connect()]);
    expect(records(server).canRead13(2)).toBe(true);
    await until(() => !records(server).canRead13(2));
    expect(records(server).canRead13(2)).toBe(false);
    const got = new Promise<Uint8Array>((resolve) => server.once("message", resolve));
    client.send(Uint8Array.of(7));
    expect([...(await got)]).toEqual([7]);
  } finally {
    await Promise.all([client.close(), server.close()]);
  }
  await withLeakCheck(async () => {
    const [c, d] = memoryPair();
    const x = new DtlsConnection(c, { role: "client", certificate: cert, ...any });
    const y = new DtlsConnection(d, { role: "server", certificate: serverCert, ...any });
    await Promise.all([x.connect(), y.connect()]);
    expect(records(y).canRead13(2)).toBe(true); // the 243 s hold has its timer running
    await Promise.all([x.close(), y.close()]);
  });
});

test("a connected 1.2 pair keeps no transcript either, and still exchanges data", async () => {
  const [a, b] = memoryPair();
  const v12 = { ...any, versions: ["1.2"] as const };
  const client = new DtlsConnection(a, { role: "client", certificate: cert, ...v12 });
  const server = new DtlsConnection(b, { role: "server", certificate: serverCert, ...v12 });
  try {
    await Promise.all([client.connect(), server.connect()]);
    expect(client.version).toBe("1.2");
    for (const side of [client, server]) {
      const hs = (side as unknown as Shell).handshaker;
      expect(hs.transcript.length).toBe(0);
      expect(hs.transcript.buf.byteLength).toBe(0);
    }
    const got = new Promise<Uint8Array>((resolve) => client.once("message", resolve));
    server.send(Uint8Array.of(9));
    expect([...(await got)]).toEqual([9]);
  } finally {
    await Promise.all([client.close(), server.close()]);
  }
});
