/** Named groups for ECDHE (RFC 8422 §5.1.1, RFC 7748). */
export const NamedGroup = { secp256r1: 0x0017, secp384r1: 0x0018, x25519: 0x001d } as const;
/** A supported named group value. */
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** Default preference: x25519, then P-256, then P-384. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
];

/** Whether `g` is a group this stack implements. */
export function isSupportedGroup(g: number): g is NamedGroup {
  return g === NamedGroup.x25519 || g === NamedGroup.secp256r1 || g === NamedGroup.secp384r1;
}

/** Signature schemes (RFC 8446 §4.2.3 code points, used by TLS 1.2 as hash‖signature pairs). */
export const SignatureScheme = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pkcs1_sha256: 0x0401,
  rsa_pss_rsae_sha256: 0x0804,
} as const;
/** A supported signature scheme value. */
export type SignatureScheme = (typeof SignatureScheme)[keyof typeof SignatureScheme];

/** Default offered schemes, in preference order. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
];

/** Key type a scheme signs with. */
export function schemeKeyType(s: number): "ecdsa" | "rsa" | undefined {
  if (s === 0x0403 || s === 0x0503) return "ecdsa";
  if (s === 0x0401 || s === 0x0804) return "rsa";
  return undefined;
}
