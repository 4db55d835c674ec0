/** Extension code points this stack understands (IANA TLS ExtensionType). */
export const ExtensionType = {
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  useSrtp: 14,
  extendedMasterSecret: 23,
  renegotiationInfo: 0xff01,
} as const;

/** An extension as it is on the wire. */
export interface RawExtension {
  type: number;
  data: Uint8Array;
}
