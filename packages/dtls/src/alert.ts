import { AlertDescription } from "./alert-codes.js";
import { DtlsError } from "./errors.js";

export { AlertDescription, AlertLevel } from "./alert-codes.js";

const names = new Map<number, string>(Object.entries(AlertDescription).map(([k, v]) => [v, k]));

/** The name of an alert description (`bad_certificate`), or `alert(N)` for unknown ones. */
export function alertName(description: number): string {
  return names.get(description) ?? `alert(${description})`;
}

/** A decoded alert message. */
export interface Alert {
  level: number;
  description: number;
}

/** Parses an alert record body (exactly two bytes). */
export function parseAlert(data: Uint8Array): Alert {
  if (data.length !== 2) throw new DtlsError("ERR_DTLS_MALFORMED", `alert of ${data.length} bytes (want 2)`);
  return { level: data[0]!, description: data[1]! };
}

/** Encodes an alert record body. */
export function encodeAlert(alert: Alert): Uint8Array {
  return Uint8Array.of(alert.level, alert.description);
}
