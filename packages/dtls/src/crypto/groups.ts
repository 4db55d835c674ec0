/**
 * Named groups (RFC 8422 §5.1.1, RFC 7748), and X25519MLKEM768 (0x11EC, the
 * hybrid post-quantum group of draft-ietf-tls-ecdhe-mlkem), which only DTLS 1.3 uses.
 */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
  X25519MLKEM768: 0x11ec,
} as const;
/** A supported named group value. */
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** Default preference: X25519MLKEM768 (DTLS 1.3 only), x25519, then P-256, then P-384. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [
  NamedGroup.X25519MLKEM768,
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
];

/** Names of the groups, for `conn.group`. */
export type NamedGroupName = keyof typeof NamedGroup;

/** The name of a group value. */
export function groupName(g: number): NamedGroupName | undefined {
  for (const [name, value] of Object.entries(NamedGroup)) if (value === g) return name as NamedGroupName;
  return undefined;
}

/** Whether `g` is a group DTLS 1.3 can use here (the ECDHE groups and X25519MLKEM768). */
export function isGroup13(g: number): g is NamedGroup {
  return g === NamedGroup.X25519MLKEM768 || isSupportedGroup(g);
}

/** Whether `g` is an ECDHE group this stack implements (what DTLS 1.2 can use). */
export function isSupportedGroup(g: number): g is Exclude<NamedGroup, 0x11ec> {
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
