/**
 * The local ufrag of a STUN Binding request, read straight from the bytes:
 * the mux routes every request by it, so it must not decode whole messages
 * (the agent behind it decodes and authenticates again). Returns undefined
 * for anything that is not a well-framed Binding request with a USERNAME.
 *
 * RFC 8489 §5: 20-byte header (type 0x0001, length a multiple of 4, magic
 * cookie 0x2112A442), then type-length-value attributes padded to 4 bytes;
 * USERNAME is 0x0006 and holds `localUfrag:remoteUfrag` for a check we
 * receive (RFC 8445 §7.2.2).
 */
export function bindingRequestUfrag(data: Uint8Array): string | undefined {
  if (data.length < 20 || data[0] !== 0x00 || data[1] !== 0x01) return undefined;
  if (data[4] !== 0x21 || data[5] !== 0x12 || data[6] !== 0xa4 || data[7] !== 0x42) return undefined;
  const length = (data[2]! << 8) | data[3]!;
  if (length % 4 !== 0 || 20 + length > data.length) return undefined;
  const end = 20 + length;
  // USERNAME comes first in practice; the walk is bounded by the message length.
  for (let at = 20; at + 4 <= end; ) {
    const type = (data[at]! << 8) | data[at + 1]!;
    const size = (data[at + 2]! << 8) | data[at + 3]!;
    const value = at + 4;
    if (value + size > end) return undefined;
    if (type === 0x0006) {
      // Our ufrags are ASCII ice-chars: stop at the colon, refuse anything else.
      let colon = -1;
      for (let i = value; i < value + size; i++) {
        const c = data[i]!;
        if (c === 0x3a) {
          colon = i;
          break;
        }
        if (c < 0x21 || c > 0x7e) return undefined;
      }
      if (colon <= value) return undefined;
      return String.fromCharCode(...data.subarray(value, colon));
    }
    at = value + size + ((4 - (size % 4)) % 4);
  }
  return undefined;
}
