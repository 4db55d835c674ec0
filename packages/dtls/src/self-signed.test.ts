import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, test } from "vitest";
import { DtlsCertificate } from "./certificate.js";
import { selfSignedEcdsa } from "./self-signed.js";

// The certificates made with node:crypto alone (./self-signed.ts), read back by three other
// parsers: node:crypto's X509Certificate (OpenSSL), @peculiar/x509 (asn1js) and the openssl command.

const OPENSSL = "/usr/bin/openssl";

describe("self-signed ECDSA P-256 certificates (node:crypto)", () => {
  test("parse, carry the name, validity and key, and verify with their own key", async () => {
    const before = Date.now();
    const cert = await DtlsCertificate.generate({ commonName: "purertc test", days: 10 });
    const node = new X509Certificate(cert.der);
    expect(node.subject).toBe("CN=purertc test");
    expect(node.issuer).toBe("CN=purertc test");
    expect(node.verify(node.publicKey)).toBe(true);
    expect(node.checkPrivateKey(cert.privateKey)).toBe(true);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    // Backdated a day for clock skew, valid `days` days; to the second.
    expect(Math.abs(Date.parse(node.validFrom) - (before - 86_400_000))).toBeLessThan(5000);
    expect(Math.abs(Date.parse(node.validTo) - (before + 10 * 86_400_000))).toBeLessThan(5000);
    expect(node.serialNumber).toMatch(/^01[0-9A-F]{16}$/);

    const peculiar = new x509.X509Certificate(cert.der);
    expect((peculiar.signatureAlgorithm as unknown as { name: string }).name).toBe("ECDSA");
    expect(await peculiar.verify({ signatureOnly: true })).toBe(true);
    expect(peculiar.subject).toBe("CN=purertc test");

    // A PEM round trip keeps the certificate byte for byte.
    const again = DtlsCertificate.fromPem(cert.toPem(), cert.privateKeyPem());
    expect(again.fingerprint).toBe(cert.fingerprint);
  });

  test("a fresh key, serial and fingerprint every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { der } = selfSignedEcdsa("purertc", 30);
      const node = new X509Certificate(der);
      seen.add(node.fingerprint256);
      seen.add(node.serialNumber);
      seen.add(node.publicKey.export({ format: "jwk" }).x as string);
    }
    expect(seen.size).toBe(60);
  });

  test("dates from 2050 are GeneralizedTime (RFC 5280 §4.1.2.5)", () => {
    const { der } = selfSignedEcdsa("purertc", 365 * 40);
    const node = new X509Certificate(der);
    expect(new Date(node.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    // 0x18 GeneralizedTime 15 bytes "YYYYMMDDHHMMSSZ" for notAfter, 0x17 UTCTime for notBefore.
    const hex = Buffer.from(der).toString("hex");
    expect(hex).toContain("170d");
    expect(hex).toContain("180f");
  });

  test.skipIf(!existsSync(OPENSSL))("the openssl command reads and verifies it", async () => {
    const cert = await DtlsCertificate.generate();
    const text = execFileSync(OPENSSL, ["x509", "-inform", "DER", "-noout", "-text"], {
      input: Buffer.from(cert.der),
      timeout: 10_000,
    }).toString();
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(text).toContain("ASN1 OID: prime256v1");
    expect(text).toContain("Subject: CN = purertc");
    // openssl verify, the certificate its own trust anchor: its signature checks out.
    const dir = mkdtempSync(join(tmpdir(), "purertc-cert-"));
    try {
      const file = join(dir, "cert.pem");
      writeFileSync(file, cert.toPem());
      const out = execFileSync(OPENSSL, ["verify", "-check_ss_sig", "-CAfile", file, file], {
        timeout: 10_000,
      });
      expect(out.toString().trim()).toBe(`${file}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
