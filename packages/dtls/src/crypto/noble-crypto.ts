import type { KeyObject } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { DtlsError } from "../errors.js";
import { NamedGroup, SignatureScheme } from "./groups.js";
import { nodeCrypto } from "./node-crypto.js";
import type { KeyShare, PublicKeyCrypto } from "./public-key.js";

type Weierstrass = typeof p256;

function badKey(cause: unknown): DtlsError {
  return new DtlsError("ERR_DTLS_MALFORMED", "peer ECDHE public key is invalid", { cause, alert: 47 });
}

function weierstrassShare(group: NamedGroup, curve: Weierstrass): KeyShare {
  const secret = curve.utils.randomSecretKey();
  return {
    group,
    publicKey: curve.getPublicKey(secret, false),
    deriveSecret(peer) {
      if (peer[0] !== 4) throw badKey(new Error("only uncompressed points are allowed (RFC 8422 §5.1.2)"));
      try {
        return curve.getSharedSecret(secret, peer, true).subarray(1);
      } catch (cause) {
        throw badKey(cause);
      }
    },
  };
}

const rawPrivate = new WeakMap<KeyObject, Uint8Array>();
const rawPublic = new WeakMap<KeyObject, Uint8Array>();

function b64(s: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(s ?? "", "base64url"));
}

function privateScalar(key: KeyObject): Uint8Array {
  let d = rawPrivate.get(key);
  if (!d) {
    d = b64(key.export({ format: "jwk" }).d);
    rawPrivate.set(key, d);
  }
  return d;
}

function publicPoint(key: KeyObject): Uint8Array {
  let p = rawPublic.get(key);
  if (!p) {
    const jwk = key.export({ format: "jwk" });
    const x = b64(jwk.x);
    const y = b64(jwk.y);
    p = new Uint8Array(1 + x.length + y.length);
    p[0] = 4;
    p.set(x, 1);
    p.set(y, 1 + x.length);
    rawPublic.set(key, p);
  }
  return p;
}

function ecdsaCurve(scheme: SignatureScheme): Weierstrass | undefined {
  if (scheme === SignatureScheme.ecdsa_secp256r1_sha256) return p256;
  if (scheme === SignatureScheme.ecdsa_secp384r1_sha384) return p384 as unknown as Weierstrass;
  return undefined;
}

/**
 * {@link PublicKeyCrypto} on @noble/curves: portable ECDHE (x25519, P-256,
 * P-384) and ECDSA. noble has no RSA, so RSA schemes go to node:crypto.
 */
export const nobleCrypto: PublicKeyCrypto = {
  name: "@noble/curves",
  generateKeyShare(group) {
    switch (group) {
      case NamedGroup.x25519: {
        const secret = x25519.utils.randomSecretKey();
        return {
          group,
          publicKey: x25519.getPublicKey(secret),
          deriveSecret(peer) {
            if (peer.length !== 32) throw badKey(new Error(`x25519 key of ${peer.length} bytes`));
            try {
              return x25519.getSharedSecret(secret, peer);
            } catch (cause) {
              throw badKey(cause);
            }
          },
        };
      }
      case NamedGroup.secp256r1:
        return weierstrassShare(group, p256);
      case NamedGroup.secp384r1:
        return weierstrassShare(group, p384 as unknown as Weierstrass);
      default:
        throw new DtlsError("ERR_DTLS_UNSUPPORTED", `named group 0x${(group as number).toString(16)}`);
    }
  },
  sign(scheme, privateKey, data) {
    const curve = ecdsaCurve(scheme);
    if (!curve) return nodeCrypto.sign(scheme, privateKey, data);
    return curve.sign(data, privateScalar(privateKey), { prehash: true, format: "der" });
  },
  verify(scheme, publicKey, data, signature) {
    const curve = ecdsaCurve(scheme);
    if (!curve) return nodeCrypto.verify(scheme, publicKey, data, signature);
    try {
      return curve.verify(signature, data, publicPoint(publicKey), {
        prehash: true,
        format: "der",
        lowS: false,
      });
    } catch {
      return false;
    }
  },
};
