import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { randomBytesPooled } from "./crypto/random.js";

// A self-signed X.509 v3 certificate (RFC 5280 §4.1) for an ECDSA P-256 key, made with node:crypto
// alone: a key pair, the TBSCertificate in DER written here, one ECDSA-SHA256 signature. WebRTC
// peers authenticate it by its fingerprint (RFC 8122), so it carries only what X.509 requires: a
// random serial, CN=<name> as issuer and subject, a validity window and the key. @peculiar/x509
// through WebCrypto made the same certificate in milliseconds (about 40 times the work); a
// PeerConnection makes one for every connection, as browsers do.

/** DER: tag, definite length, contents. */
function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of contents) n += c.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >>> 8, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  let at = head.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const SEQUENCE = 0x30;
const SET = 0x31;
/** ecdsa-with-SHA256 (1.2.840.10045.4.3.2), parameters absent (RFC 5758 §3.2). */
const ECDSA_SHA256 = tlv(SEQUENCE, Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02));
/** id-at-commonName (2.5.4.3). */
const COMMON_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03);
/** [0] EXPLICIT Version v3. */
const VERSION_3 = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02);

/**
 * SubjectPublicKeyInfo of a P-256 key up to its point: SEQUENCE { SEQUENCE { id-ecPublicKey
 * (1.2.840.10045.2.1), prime256v1 (1.2.840.10045.3.1.7) }, BIT STRING (66 bytes, no unused bits) }.
 */
const P256_SPKI_PREFIX = Uint8Array.of(
  0x30,
  0x59,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
  0x03,
  0x42,
  0x00,
);

/**
 * Key generation options: P-256, the public key as JWK and the private key as a key object. The
 * JWK is written inside the key generation job: exporting it afterwards from the public key
 * object can deadlock Node 20 (seen here: `KeyObject.export` holds the key's mutex while it
 * allocates; a garbage collection then destroys the finished synchronous job, whose destructor
 * takes the same mutex). Within the job, the job is alive and nothing destroys it.
 */
const P256 = { namedCurve: "P-256", publicKeyEncoding: { format: "jwk" } } as const;

/** A JWK coordinate (base64url) as 32 bytes. */
function coordinate(b64: string): Uint8Array {
  const bytes = Buffer.from(b64, "base64url");
  if (bytes.length !== 32) throw new Error(`P-256 coordinate of ${bytes.length} bytes`);
  return bytes;
}

const utf8 = new TextEncoder();

/** The last Name made (every pooled certificate has the same one). */
let lastName: { commonName: string; der: Uint8Array } | undefined;

/** Name ::= SEQUENCE OF RDN: one RDN, CN as a UTF8String. */
function name(commonName: string): Uint8Array {
  if (lastName?.commonName === commonName) return lastName.der;
  const value = tlv(0x0c, utf8.encode(commonName));
  const der = tlv(SEQUENCE, tlv(SET, tlv(SEQUENCE, COMMON_NAME, value)));
  lastName = { commonName, der };
  return der;
}

/** Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), to the second, UTC. */
function time(ms: number): Uint8Array {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? tlv(0x17, utf8.encode(digits.slice(2))) : tlv(0x18, utf8.encode(digits));
}

/** What {@link selfSignedEcdsa} returns. */
export interface SelfSigned {
  der: Uint8Array;
  privateKey: KeyObject;
}

/**
 * A fresh ECDSA P-256 key and a self-signed certificate for it, valid from
 * one day ago (clock skew) for `days` days. Made on the calling thread: the key
 * on libuv's thread pool (`generateKeyPair`) cost twice the CPU (about 280
 * against 150 us a certificate, measured in one process) and no less
 * event-loop time, since its job set-up and completion run on the loop too.
 */
export function selfSignedEcdsa(commonName: string, days: number): SelfSigned {
  // @types/node 20 has no overload for a JWK public key with a private key object.
  const generate = generateKeyPairSync as unknown as (
    type: "ec",
    options: typeof P256,
  ) => { publicKey: { x: string; y: string }; privateKey: KeyObject };
  const { publicKey, privateKey } = generate("ec", P256);
  return certify(publicKey, privateKey, commonName, days);
}

function certify(
  jwk: { x: string; y: string },
  privateKey: KeyObject,
  commonName: string,
  days: number,
): SelfSigned {
  // The public key as JWK, its SubjectPublicKeyInfo written here: OpenSSL 3's DER encoder (its
  // encoder search) cost more than the key generation itself.
  const spki = new Uint8Array(P256_SPKI_PREFIX.length + 65);
  spki.set(P256_SPKI_PREFIX, 0);
  spki[P256_SPKI_PREFIX.length] = 0x04; // uncompressed point
  spki.set(coordinate(jwk.x), P256_SPKI_PREFIX.length + 1);
  spki.set(coordinate(jwk.y), P256_SPKI_PREFIX.length + 33);
  // A positive INTEGER of 9 bytes: 0x01 then 64 random bits (RFC 5280 §4.1.2.2: at most 20 bytes).
  const serial = new Uint8Array(9);
  serial[0] = 0x01;
  serial.set(randomBytesPooled(8), 1);
  const now = Date.now();
  const subject = name(commonName);
  const tbs = tlv(
    SEQUENCE,
    VERSION_3,
    tlv(0x02, serial),
    ECDSA_SHA256,
    subject,
    tlv(SEQUENCE, time(now - 86_400_000), time(now + days * 86_400_000)),
    subject,
    spki,
  );
  const signature = sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  // BIT STRING: no unused bits, then the DER ECDSA-Sig-Value.
  const der = tlv(SEQUENCE, tbs, ECDSA_SHA256, tlv(0x03, Uint8Array.of(0), signature));
  return { der, privateKey };
}
