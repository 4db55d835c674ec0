/**
 * Type-length-value parameters (RFC 9260 §3.2.1), the body of INIT,
 * INIT-ACK, HEARTBEAT, RE-CONFIG and of error causes (same layout).
 */
import { SctpError } from "../errors.js";
import { pad4, put16, u16 } from "./bytes.js";

/** One parameter as it is on the wire, value without padding. */
export interface RawParameter {
  type: number;
  value: Uint8Array;
}

/**
 * The parameters in `b[start..end)`. Throws SctpError when a length lies
 * (below 4 or past `end`); the final parameter may omit its padding. The
 * value arrays are views of `b` (no copy).
 */
export function readParameters(b: Uint8Array, start: number, end: number): RawParameter[] {
  const out: RawParameter[] = [];
  let o = start;
  while (o < end) {
    if (end - o < 4) throw new SctpError("ERR_BAD_LENGTH", "parameter header truncated (RFC 9260 §3.2.1)");
    const type = u16(b, o);
    const len = u16(b, o + 2);
    if (len < 4 || o + len > end)
      throw new SctpError(
        "ERR_BAD_LENGTH",
        `parameter ${type} length ${len} overruns its chunk (RFC 9260 §3.2.1)`,
      );
    out.push({ type, value: b.subarray(o + 4, o + len) });
    o += pad4(len);
  }
  return out;
}

/** Bytes that {@link writeParameter} writes, padding included. */
export function parameterSize(valueLength: number): number {
  return pad4(4 + valueLength);
}

/** Length of a run of parameters as a chunk length counts it: all padded but the last. */
export function parametersLength(params: readonly RawParameter[]): number {
  let n = 0;
  for (const p of params) n += parameterSize(p.value.length);
  const last = params[params.length - 1];
  return last ? n - ((4 - (last.value.length & 3)) & 3) : 0;
}

/** Writes one parameter at `o` (with zero padding); returns the offset after it. */
export function writeParameter(b: Uint8Array, o: number, type: number, value: Uint8Array): number {
  if (value.length > 0xffff - 4) throw new SctpError("ERR_INVALID_ARGUMENT", `parameter ${type} too long`);
  put16(b, o, type);
  put16(b, o + 2, 4 + value.length);
  b.set(value, o + 4);
  const end = o + 4 + value.length;
  const padded = pad4(end - o) + o;
  b.fill(0, end, padded);
  return padded;
}
