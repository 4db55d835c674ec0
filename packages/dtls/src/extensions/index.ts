import { Reader, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";
import { parseEcPointFormats } from "./ec-point-formats.js";
import { parseExtendedMasterSecret } from "./extended-master-secret.js";
import { ExtensionType, type RawExtension } from "./extension-type.js";
import { parseRenegotiationInfo } from "./renegotiation-info.js";
import { parseSignatureAlgorithms } from "./signature-algorithms.js";
import { parseSupportedGroups } from "./supported-groups.js";
import { parseUseSrtp, type UseSrtp } from "./use-srtp.js";

export { ExtensionType, type RawExtension } from "./extension-type.js";

/** The extensions of a hello, decoded where this stack uses them. */
export interface HelloExtensions {
  supportedGroups?: number[];
  ecPointFormats?: number[];
  signatureAlgorithms?: number[];
  useSrtp?: UseSrtp;
  extendedMasterSecret?: boolean;
  renegotiationInfo?: Uint8Array;
  /** Every extension in wire order, known or not. */
  raw: RawExtension[];
}

/** Most extensions a hello may carry: a bound on work per message. */
const MAX_EXTENSIONS = 128;

/**
 * Parses an extensions block (without its outer length). Duplicate types are
 * an error (RFC 5246 §7.4.1.4); unknown types are kept raw.
 */
export function parseExtensions(data: Uint8Array): HelloExtensions {
  const r = new Reader(data, "extensions");
  const out: HelloExtensions = { raw: [] };
  const seen = new Set<number>();
  while (r.remaining > 0) {
    const type = r.u16();
    const ext = r.vec16();
    if (seen.has(type))
      throw new DtlsError("ERR_DTLS_MALFORMED", `duplicate extension ${type}`, { alert: 50 });
    seen.add(type);
    if (seen.size > MAX_EXTENSIONS) throw new DtlsError("ERR_DTLS_TOO_LARGE", "too many extensions");
    out.raw.push({ type, data: ext });
    switch (type) {
      case ExtensionType.supportedGroups:
        out.supportedGroups = parseSupportedGroups(ext);
        break;
      case ExtensionType.ecPointFormats:
        out.ecPointFormats = parseEcPointFormats(ext);
        break;
      case ExtensionType.signatureAlgorithms:
        out.signatureAlgorithms = parseSignatureAlgorithms(ext);
        break;
      case ExtensionType.useSrtp:
        out.useSrtp = parseUseSrtp(ext);
        break;
      case ExtensionType.extendedMasterSecret:
        out.extendedMasterSecret = parseExtendedMasterSecret(ext);
        break;
      case ExtensionType.renegotiationInfo:
        out.renegotiationInfo = parseRenegotiationInfo(ext);
        break;
    }
  }
  return out;
}

/** Encodes extensions (with the outer 2-byte length). */
export function encodeExtensions(list: readonly RawExtension[]): Uint8Array {
  const w = new Writer(64);
  const inner = new Writer(64);
  for (const e of list) inner.u16(e.type).vec16(e.data);
  w.vec16(inner.finish());
  return w.finish();
}
