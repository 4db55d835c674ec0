import { forceGc } from "@purertc/socket/testing";
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
    offer13?: { shares: object[] };
    ks?: { keys: Map<unknown, unknown>; clientHandshake?: Uint8Array };
  };
}

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;

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
