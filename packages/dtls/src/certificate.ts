import {
  createPrivateKey,
  createPublicKey,
  hash,
  type KeyObject,
  randomBytes,
  webcrypto,
  X509Certificate,
} from "node:crypto";
import { DtlsError } from "./errors.js";
import { selfSignedEcdsa } from "./self-signed.js";

type X509Module = typeof import("@peculiar/x509");
let x509Loading: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 (with reflect-metadata and tsyringe, about 200 modules) is loaded on the first
 * RSA certificate only: ECDSA certificates need none of it, and loading it at import was a third
 * of the modules every program using purertc loaded at start.
 */
function loadX509(): Promise<X509Module> {
  x509Loading ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Loading;
}

/** Key type of a certificate. */
export type CertificateKeyType = "ecdsa" | "rsa";

/** Options of {@link DtlsCertificate.generate}. */
export interface GenerateCertificateOptions {
  /** `ecdsa` (P-256, the WebRTC default) or `rsa` (2048 bits). Default `ecdsa`. */
  keyType?: CertificateKeyType;
  /** Subject common name. Default `purertc`. */
  commonName?: string;
  /** Validity in days from now (backdated one day for clock skew). Default 30. */
  days?: number;
}

/**
 * A certificate with its private key, as a DTLS endpoint presents it. WebRTC
 * uses self-signed certificates authenticated by their fingerprint in the
 * SDP (RFC 8122), which {@link DtlsCertificate.fingerprint} gives.
 */
export class DtlsCertificate {
  /** The SHA-256 fingerprint, `sha-256 AB:CD:…` (the SDP a=fingerprint value). */
  readonly fingerprint: string;

  private constructor(
    /** The certificate, DER. */
    readonly der: Uint8Array,
    /** The private key. */
    readonly privateKey: KeyObject,
    /** `ecdsa` or `rsa`. */
    readonly keyType: CertificateKeyType,
  ) {
    this.fingerprint = certificateFingerprint(der);
  }

  /**
   * Generates a self-signed certificate: ECDSA P-256 by default, made with
   * node:crypto alone (./self-signed.ts, about 0.15 ms on the calling thread,
   * as {@link DtlsCertificate.generateEcdsa}); RSA 2048 with @peculiar/x509.
   */
  static async generate(options: GenerateCertificateOptions = {}): Promise<DtlsCertificate> {
    const keyType = options.keyType ?? "ecdsa";
    if (keyType === "ecdsa") {
      const made = selfSignedEcdsa(options.commonName ?? "purertc", options.days ?? 30);
      return new DtlsCertificate(made.der, made.privateKey, "ecdsa");
    }
    const algorithm = {
      name: "RSASSA-PKCS1-v1_5",
      hash: "SHA-256",
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    };
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const x509 = await loadX509();
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: `01${randomBytes(8).toString("hex")}`,
      name: `CN=${options.commonName ?? "purertc"}`,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + (options.days ?? 30) * 86_400_000),
      signingAlgorithm: algorithm,
      keys,
    });
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    return new DtlsCertificate(new Uint8Array(cert.rawData), privateKey, keyType);
  }

  /** A fresh self-signed ECDSA P-256 certificate, made now (about 0.15 ms of CPU; `keyType` is ignored). */
  static generateEcdsa(options: Omit<GenerateCertificateOptions, "keyType"> = {}): DtlsCertificate {
    const made = selfSignedEcdsa(options.commonName ?? "purertc", options.days ?? 30);
    return new DtlsCertificate(made.der, made.privateKey, "ecdsa");
  }

  /** Loads a certificate and its key from PEM (for example made by `openssl req`). */
  static fromPem(certificatePem: string, privateKeyPem: string): DtlsCertificate {
    let cert: X509Certificate;
    let privateKey: KeyObject;
    try {
      cert = new X509Certificate(certificatePem);
      privateKey = createPrivateKey(privateKeyPem);
    } catch (cause) {
      throw new DtlsError("ERR_DTLS_CONFIG", "certificate or key PEM does not parse", { cause });
    }
    const type = privateKey.asymmetricKeyType;
    if (type !== "ec" && type !== "rsa")
      throw new DtlsError("ERR_DTLS_CONFIG", `unsupported key type ${type}`);
    if (!cert.checkPrivateKey(privateKey))
      throw new DtlsError("ERR_DTLS_CONFIG", "key does not match certificate");
    return new DtlsCertificate(new Uint8Array(cert.raw), privateKey, type === "ec" ? "ecdsa" : "rsa");
  }

  /** The certificate as PEM. */
  toPem(): string {
    return new X509Certificate(this.der).toString();
  }

  /** The private key as PKCS#8 PEM. */
  privateKeyPem(): string {
    return this.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  }
}

/**
 * Hash functions of certificate fingerprints (RFC 8122 §5) that peers may
 * name, with Node's name and the digest length. MD2 and MD5 are refused.
 */
const FINGERPRINT_HASHES = {
  "sha-1": { node: "sha1", bytes: 20 },
  "sha-224": { node: "sha224", bytes: 28 },
  "sha-256": { node: "sha256", bytes: 32 },
  "sha-384": { node: "sha384", bytes: 48 },
  "sha-512": { node: "sha512", bytes: 64 },
} as const;

/** A fingerprint hash function: `sha-1`, `sha-224`, `sha-256`, `sha-384` or `sha-512`. */
export type FingerprintAlgorithm = keyof typeof FINGERPRINT_HASHES;

/** The SDP form of a certificate's fingerprint: `sha-256 AB:CD:…` (SHA-256 unless `algorithm` says otherwise). */
export function certificateFingerprint(der: Uint8Array, algorithm: FingerprintAlgorithm = "sha-256"): string {
  const digest = hash(FINGERPRINT_HASHES[algorithm].node, der, "buffer");
  // One join instead of 64 string concatenations (this runs for every peer certificate).
  const parts = new Array<string>(digest.length);
  for (let i = 0; i < digest.length; i++) parts[i] = HEX[digest[i]!]!;
  return `${algorithm} ${parts.join(":")}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

/**
 * Normalizes a fingerprint given as `sha-256 AB:CD:…` (case and separators
 * free) to the form {@link certificateFingerprint} produces. SHA-1, SHA-224,
 * SHA-256, SHA-384 and SHA-512 are accepted (RFC 8122 §5). Throws
 * `ERR_DTLS_CONFIG` for anything else.
 */
export function normalizeFingerprint(text: string): string {
  // The usual input (an SDP a=fingerprint, ours or a browser's) is already in that form: one test.
  const canonical = CANONICAL_FINGERPRINT.exec(text);
  if (
    canonical &&
    canonical[2]!.length === 3 * FINGERPRINT_HASHES[canonical[1] as FingerprintAlgorithm].bytes - 1
  )
    return text;
  const m = /^\s*(sha-(?:1|224|256|384|512))\s+([0-9a-fA-F:]+)\s*$/i.exec(text);
  const algorithm = m?.[1]?.toLowerCase() as FingerprintAlgorithm | undefined;
  const hex = m?.[2]?.replace(/:/g, "").toUpperCase();
  if (!algorithm || hex?.length !== 2 * FINGERPRINT_HASHES[algorithm].bytes)
    throw new DtlsError(
      "ERR_DTLS_CONFIG",
      `"${text}" is not a certificate fingerprint ("sha-256 AB:CD:…"; sha-1, sha-224, sha-256, sha-384 or sha-512 with its full length)`,
    );
  return `${algorithm} ${hex.match(/../g)!.join(":")}`;
}

/** A fingerprint exactly as {@link normalizeFingerprint} writes it. */
const CANONICAL_FINGERPRINT = /^(sha-(?:1|224|256|384|512)) ((?:[0-9A-F]{2}:)*[0-9A-F]{2})$/;

/** True when `der` matches one of `fingerprints` (each already normalized by {@link normalizeFingerprint}). */
export function matchesAnyFingerprint(
  der: Uint8Array,
  sha256: string,
  fingerprints: readonly string[],
): boolean {
  for (const f of fingerprints) {
    const algorithm = f.slice(0, f.indexOf(" ")) as FingerprintAlgorithm;
    if (f === (algorithm === "sha-256" ? sha256 : certificateFingerprint(der, algorithm))) return true;
  }
  return false;
}

/** A peer certificate after parsing: its public key and what it signs with. */
export interface PeerCertificate {
  der: Uint8Array;
  fingerprint: string;
  publicKey: KeyObject;
  keyType: CertificateKeyType;
}

/**
 * Parses a peer's leaf certificate (`fingerprint`: its {@link certificateFingerprint}, when the
 * caller has it already); throws `ERR_DTLS_BAD_CERTIFICATE` if it cannot be used.
 */
export function parsePeerCertificate(
  der: Uint8Array,
  fingerprint: string = certificateFingerprint(der),
): PeerCertificate {
  // Peers come back (reconnects, an SFU's one certificate): their parsed key is kept, keyed by
  // the SHA-256 of the whole certificate, in a small most-recently-used cache.
  const cached = peerKeys.get(fingerprint);
  if (cached) {
    peerKeys.delete(fingerprint);
    peerKeys.set(fingerprint, cached);
    return { der, fingerprint, publicKey: cached.publicKey, keyType: cached.keyType };
  }
  let publicKey: KeyObject;
  try {
    // Only the key is needed (WebRTC authenticates by fingerprint), and reading the
    // SubjectPublicKeyInfo directly costs a fraction of a full X509Certificate parse.
    publicKey = importSpki(subjectPublicKeyInfo(der));
  } catch (cause) {
    throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", "peer certificate does not parse", { cause, alert: 42 });
  }
  const t = publicKey.asymmetricKeyType;
  if (t !== "ec" && t !== "rsa")
    throw new DtlsError("ERR_DTLS_BAD_CERTIFICATE", `peer certificate key type ${t} unsupported`, {
      alert: 43,
    });
  const keyType = t === "ec" ? "ecdsa" : "rsa";
  peerKeys.set(fingerprint, { publicKey, keyType });
  if (peerKeys.size > PEER_KEY_CACHE) peerKeys.delete(peerKeys.keys().next().value!);
  return { der, fingerprint, publicKey, keyType };
}

const PEER_KEY_CACHE = 32;
const peerKeys = new Map<string, { publicKey: KeyObject; keyType: CertificateKeyType }>();

/** One DER TLV: where its value starts and where it ends. */
function tlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let len = der[offset + 1];
  if (tag === undefined || len === undefined) throw new Error("DER truncated");
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw new Error("DER length form unsupported");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error("DER truncated");
  return { tag, start, end };
}

/**
 * The SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 §4.1): the
 * seventh element of tbsCertificate, or sixth without the [0] version.
 * Throws on anything that is not shaped like a certificate.
 */
export function subjectPublicKeyInfo(der: Uint8Array): Uint8Array {
  const cert = tlv(der, 0);
  if (cert.tag !== 0x30) throw new Error("certificate is not a SEQUENCE");
  const tbs = tlv(der, cert.start);
  if (tbs.tag !== 0x30) throw new Error("tbsCertificate is not a SEQUENCE");
  let o = tbs.start;
  let field = tlv(der, o);
  if (field.tag === 0xa0) {
    o = field.end;
    field = tlv(der, o);
  }
  // serialNumber, signature, issuer, validity, subject
  for (let i = 0; i < 5; i++) {
    o = field.end;
    field = tlv(der, o);
  }
  if (field.tag !== 0x30 || field.end > tbs.end) throw new Error("no SubjectPublicKeyInfo");
  return der.subarray(o, field.end);
}

const EC_CURVES: Record<string, { crv: string; size: number }> = {
  // DER of the named-curve OIDs 1.2.840.10045.3.1.7 and 1.3.132.0.34
  "06082a8648ce3d030107": { crv: "P-256", size: 32 },
  "06052b81040022": { crv: "P-384", size: 48 },
};

/**
 * Imports a SubjectPublicKeyInfo. EC keys of the named curves go in as JWK,
 * which OpenSSL 3 builds directly; DER makes it try its decoders one by one,
 * at several times the cost. Other keys (RSA) are imported as DER.
 */
function importSpki(spki: Uint8Array): KeyObject {
  const seq = tlv(spki, 0);
  const alg = tlv(spki, seq.start);
  const algOid = tlv(spki, alg.start);
  const key = tlv(spki, alg.end);
  const isEc = Buffer.from(spki.subarray(algOid.start, algOid.end)).toString("hex") === "2a8648ce3d0201";
  if (isEc && key.tag === 0x03) {
    const curve = EC_CURVES[Buffer.from(spki.subarray(algOid.end, alg.end)).toString("hex")];
    const point = spki.subarray(key.start + 1, key.end); // after the unused-bits byte
    if (curve && point[0] === 4 && point.length === 1 + 2 * curve.size) {
      const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
      const x = b64(point.subarray(1, 1 + curve.size));
      const y = b64(point.subarray(1 + curve.size));
      return createPublicKey({ key: { kty: "EC", crv: curve.crv, x, y }, format: "jwk" });
    }
  }
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}
