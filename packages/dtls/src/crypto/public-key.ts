import type { KeyObject } from "node:crypto";
import type { NamedGroup, SignatureScheme } from "./groups.js";

/** One side of an ECDHE exchange: our ephemeral public key and the derivation. */
export interface KeyShare {
  readonly group: NamedGroup;
  /** Our public key as sent on the wire (uncompressed point, or 32 bytes for x25519). */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public key (the x-coordinate for NIST
   * curves, RFC 8422 §5.10). Throws `DtlsError` for an invalid peer key.
   */
  deriveSecret(peerPublicKey: Uint8Array): Uint8Array;
}

/**
 * The public-key operations of a handshake (ECDHE, sign, verify) behind one
 * small interface, so the implementation can be swapped: {@link nodeCrypto}
 * (OpenSSL through node:crypto, the default) and {@link nobleCrypto}
 * (@noble/curves, portable) pass the same tests. Keys are `KeyObject`s;
 * an implementation may derive its own form from them.
 */
export interface PublicKeyCrypto {
  readonly name: string;
  /** Makes an ephemeral key pair for `group`. */
  generateKeyShare(group: NamedGroup): KeyShare;
  /** Signs `data` (the hash is part of the scheme). ECDSA signatures are DER. */
  sign(scheme: SignatureScheme, privateKey: KeyObject, data: Uint8Array): Uint8Array;
  /** Verifies a signature made by {@link PublicKeyCrypto.sign}'s peer; false when it does not verify. */
  verify(scheme: SignatureScheme, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean;
}
