import {
  constants,
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { DtlsError } from "../errors.js";
import { NamedGroup, SignatureScheme } from "./groups.js";
import type { KeyShare, PublicKeyCrypto } from "./public-key.js";

function badKey(cause: unknown): DtlsError {
  return new DtlsError("ERR_DTLS_MALFORMED", "peer ECDHE public key is invalid", {
    cause,
    alert: 47, // illegal_parameter
  });
}

type X25519Pair = { publicKey: { x: string }; privateKey: KeyObject };
// The public key as JWK: OpenSSL 3 writes it directly, where a DER (SPKI) encoding goes through its
// encoder search and costs about twice the key generation itself.
const X25519_OPTIONS = { publicKeyEncoding: { format: "jwk" } } as object;

function x25519Share(): KeyShare {
  // Generated here, on the event loop: a pool filled by generateKeyPair on libuv's threads saved
  // ~10 us of event-loop time per key but cost ~50 us more CPU per key in thread hand-offs.
  const { publicKey: jwk, privateKey } = generateKeyPairSync(
    "x25519",
    X25519_OPTIONS,
  ) as unknown as X25519Pair;
  const publicKey = new Uint8Array(Buffer.from(jwk.x, "base64url"));
  if (publicKey.length !== 32) throw new DtlsError("ERR_DTLS_UNSUPPORTED", "x25519 key generation failed");
  return {
    group: NamedGroup.x25519,
    publicKey,
    deriveSecret(peer) {
      if (peer.length !== 32) throw badKey(new Error(`x25519 key of ${peer.length} bytes`));
      let secret: Buffer;
      try {
        // A JWK import skips OpenSSL's DER decoder search: several times faster than SPKI.
        const x = Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString("base64url");
        const key = createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
        secret = diffieHellman({ privateKey, publicKey: key });
      } catch (cause) {
        throw badKey(cause);
      }
      // RFC 7748 §6.1: an all-zero result means a low-order peer key.
      if (secret.every((b) => b === 0)) throw badKey(new Error("x25519 all-zero shared secret"));
      return secret;
    },
  };
}

function ecdhShare(group: NamedGroup, curve: string): KeyShare {
  const ecdh = createECDH(curve);
  const pub = ecdh.generateKeys();
  return {
    group,
    publicKey: new Uint8Array(pub),
    deriveSecret(peer) {
      if (peer[0] !== 4) throw badKey(new Error("only uncompressed points are allowed (RFC 8422 §5.1.2)"));
      try {
        return ecdh.computeSecret(peer);
      } catch (cause) {
        throw badKey(cause);
      }
    },
  };
}

/** Node options for a scheme: hash and padding. */
export function nodeSignOptions(scheme: SignatureScheme, key: KeyObject) {
  switch (scheme) {
    case SignatureScheme.ecdsa_secp256r1_sha256:
      return { hash: "sha256", key: { key, dsaEncoding: "der" as const } };
    case SignatureScheme.ecdsa_secp384r1_sha384:
      return { hash: "sha384", key: { key, dsaEncoding: "der" as const } };
    case SignatureScheme.rsa_pkcs1_sha256:
      return { hash: "sha256", key: { key, padding: constants.RSA_PKCS1_PADDING } };
    case SignatureScheme.rsa_pss_rsae_sha256:
      return { hash: "sha256", key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
    default:
      throw new DtlsError("ERR_DTLS_UNSUPPORTED", `signature scheme 0x${(scheme as number).toString(16)}`);
  }
}

/** {@link PublicKeyCrypto} on node:crypto (OpenSSL): the fast default. */
export const nodeCrypto: PublicKeyCrypto = {
  name: "node:crypto",
  generateKeyShare(group) {
    switch (group) {
      case NamedGroup.x25519:
        return x25519Share();
      case NamedGroup.secp256r1:
        return ecdhShare(group, "prime256v1");
      case NamedGroup.secp384r1:
        return ecdhShare(group, "secp384r1");
      default:
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", `named group 0x${(group as number).toString(16)}`);
    }
  },
  sign(scheme, privateKey, data) {
    const o = nodeSignOptions(scheme, privateKey);
    return sign(o.hash, data, o.key);
  },
  verify(scheme, publicKey, data, signature) {
    const o = nodeSignOptions(scheme, publicKey);
    try {
      return verify(o.hash, data, o.key, signature);
    } catch {
      return false;
    }
  },
};
