import { DtlsError } from "../errors.js";
import { NamedGroup } from "./groups.js";
import { freshPair, type MlKemKeyPool } from "./mlkem-pool.js";
import { mlKem768Encapsulate } from "./mlkem768/index.js";
import type { KeyShare, PublicKeyCrypto } from "./public-key.js";

/** ML-KEM-768 encapsulation key, ciphertext and x25519 key lengths (FIPS 203, RFC 7748). */
const MLKEM_EK = 1184;
const MLKEM_CT = 1088;
const X25519_KEY = 32;

/** A client's key share of a DTLS 1.3 ClientHello and how to finish the exchange. */
export interface ClientShare13 {
  readonly group: number;
  /** The key_exchange bytes sent in the ClientHello. */
  readonly publicKey: Uint8Array;
  /** The shared secret from the server's key_exchange; throws `DtlsError` for a bad one. */
  complete(serverShare: Uint8Array): Uint8Array;
  /** Wipes a KEM secret key still held (a share completed or dropped). */
  dispose?(): void;
  /** X25519MLKEM768: its x25519 half, which an x25519 share of the same hello may reuse ({@link x25519Half}). */
  readonly x25519?: KeyShare;
}

const illegal = (what: string, cause?: unknown) =>
  new DtlsError("ERR_DTLS_MALFORMED", `bad ${what} key share`, { alert: 47, cause });

/**
 * x25519 through the connection's public-key backend (node:crypto by default: faster than
 * noble's), refusing the all-zero result of a low-order point (RFC 7748 §6.1) whatever the backend.
 */
function x25519Secret(share: KeyShare, peer: Uint8Array): Uint8Array {
  let s: Uint8Array;
  try {
    s = share.deriveSecret(peer);
  } catch (cause) {
    throw illegal("x25519", cause);
  }
  let any = 0;
  for (const b of s) any |= b;
  if (any === 0) throw illegal("x25519 (all-zero shared secret)");
  return s;
}

/**
 * Makes a client key share for `group`. X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem,
 * the hybrid Chromium and Firefox send): the ML-KEM-768 encapsulation key (1184
 * bytes) followed by the x25519 public key (32 bytes). (Not noble's
 * `ml_kem768_x25519`: that is X-Wing, another combiner.)
 */
export function clientShare13(crypto: PublicKeyCrypto, group: number, pool?: MlKemKeyPool): ClientShare13 {
  if (group === NamedGroup.X25519MLKEM768) {
    const kem = pool ? pool.take() : freshPair();
    const xShare = crypto.generateKeyShare(NamedGroup.x25519);
    const publicKey = new Uint8Array(MLKEM_EK + X25519_KEY);
    publicKey.set(kem.publicKey, 0);
    publicKey.set(xShare.publicKey, MLKEM_EK);
    return {
      group,
      publicKey,
      complete(server) {
        if (server.length !== MLKEM_CT + X25519_KEY) throw illegal(`X25519MLKEM768 (${server.length} bytes)`);
        let kemSecret: Uint8Array;
        try {
          kemSecret = kem.decapsulate(server.subarray(0, MLKEM_CT));
        } catch (cause) {
          throw illegal("ML-KEM-768", cause);
        } finally {
          kem.dispose();
        }
        const xs = x25519Secret(xShare, server.subarray(MLKEM_CT));
        return concat2(kemSecret, xs);
      },
      dispose: () => kem.dispose(),
      x25519: xShare,
    };
  }
  if (group !== NamedGroup.x25519 && group !== NamedGroup.secp256r1 && group !== NamedGroup.secp384r1)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", `named group 0x${group.toString(16)}`);
  const share = crypto.generateKeyShare(group);
  return { group, publicKey: share.publicKey, complete: (server) => share.deriveSecret(server) };
}

/**
 * An x25519 share that reuses the x25519 key of a hybrid share of the same
 * ClientHello, as rustls and Go's crypto/tls send it: one x25519 key
 * generation fewer per handshake. The server completes one share or the
 * other, never both, so the key still serves one exchange (the same forward
 * secrecy as two keys); a HelloRetryRequest makes new shares.
 */
export function x25519Half(hybrid: ClientShare13): ClientShare13 | undefined {
  const share = hybrid.x25519;
  if (!share) return undefined;
  return {
    group: NamedGroup.x25519,
    publicKey: share.publicKey,
    complete: (server) => x25519Secret(share, server),
  };
}

/**
 * The server side for `group` given the client's key_exchange: our
 * key_exchange and the shared secret. X25519MLKEM768: the ML-KEM ciphertext
 * (1088 bytes) followed by our x25519 key; the secret is the ML-KEM secret
 * followed by the x25519 secret (64 bytes).
 */
export function serverShare13(
  crypto: PublicKeyCrypto,
  group: number,
  client: Uint8Array,
): { publicKey: Uint8Array; secret: Uint8Array } {
  if (group === NamedGroup.X25519MLKEM768) {
    if (client.length !== MLKEM_EK + X25519_KEY) throw illegal(`X25519MLKEM768 (${client.length} bytes)`);
    let kem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      kem = mlKem768Encapsulate(client.subarray(0, MLKEM_EK));
    } catch (cause) {
      throw illegal("ML-KEM-768", cause);
    }
    const xShare = crypto.generateKeyShare(NamedGroup.x25519);
    const xs = x25519Secret(xShare, client.subarray(MLKEM_EK));
    return {
      publicKey: concat2(kem.cipherText, xShare.publicKey),
      secret: concat2(kem.sharedSecret, xs),
    };
  }
  if (group !== NamedGroup.x25519 && group !== NamedGroup.secp256r1 && group !== NamedGroup.secp384r1)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", `named group 0x${group.toString(16)}`);
  const share = crypto.generateKeyShare(group);
  return { publicKey: share.publicKey, secret: share.deriveSecret(client) };
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
