import { describe, expect, test } from "vitest";
import type { DtlsVersion } from "./index.js";
import { memoryConnections } from "./memory-transport.test-helper.js";

/** recordOverhead is what the datagram of one application-data record really grows by. */
describe("recordOverhead", () => {
  const cases: [DtlsVersion, string, number][] = [
    ["1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 37],
    ["1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 29],
    ["1.3", "TLS_AES_128_GCM_SHA256", 22],
    ["1.3", "TLS_CHACHA20_POLY1305_SHA256", 22],
  ];
  for (const [version, suite, expected] of cases) {
    test(`DTLS ${version} ${suite}: ${expected} bytes`, async () => {
      const { client, server, a } = memoryConnections({ versions: [version], cipherSuites: [suite] });
      expect(client.recordOverhead).toBeUndefined();
      await Promise.all([client.connect(), server.connect()]);
      expect(client.recordOverhead).toBe(expected);
      expect(server.recordOverhead).toBe(expected);
      for (const size of [1, 1000, 1178]) {
        const arrived = new Promise<Uint8Array>((resolve) => server.once("message", resolve));
        const before = a.sent.length;
        client.send(new Uint8Array(size).fill(7));
        expect((await arrived).length).toBe(size);
        expect(a.sent.slice(before).map((d) => d.length)).toEqual([size + expected]);
      }
      await client.close();
      await server.close();
      expect(client.recordOverhead).toBeUndefined();
    });
  }
});
