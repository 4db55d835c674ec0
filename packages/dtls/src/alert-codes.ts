// The alert code points on their own: errors.ts names them and alert.ts encodes them.
/** Alert levels (RFC 5246 §7.2). */
export const AlertLevel = { warning: 1, fatal: 2 } as const;
/** An alert level value. */
export type AlertLevel = (typeof AlertLevel)[keyof typeof AlertLevel];

/** Alert descriptions used by this stack (RFC 5246 §7.2, RFC 6347). */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_unknown: 46,
  illegal_parameter: 47,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_required: 116,
} as const;
/** An alert description value (other values may arrive from peers). */
export type AlertDescription = (typeof AlertDescription)[keyof typeof AlertDescription];
