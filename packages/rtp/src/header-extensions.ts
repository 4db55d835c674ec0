import { RtpError } from "./errors.js";
import type { RtpHeaderExtension } from "./packet.js";

/** The profile value of the one-byte header form (RFC 8285 §4.2). */
export const ONE_BYTE_PROFILE = 0xbede;
/** The profile value of the two-byte header form, with its 4 "appbits" zero (RFC 8285 §4.3). */
export const TWO_BYTE_PROFILE = 0x1000;

/** One RFC 8285 header extension element: a local identifier and its data (a view, never a copy). */
export interface HeaderExtensionElement {
  /** 1–14 in the one-byte form, 1–255 in the two-byte form. */
  readonly id: number;
  readonly data: Uint8Array;
}

/** True when the block is in an RFC 8285 form (one-byte 0xBEDE, or two-byte 0x100X). */
export function isRfc8285Extension(extension: RtpHeaderExtension): boolean {
  return extension.profile === ONE_BYTE_PROFILE || extension.profile >>> 4 === TWO_BYTE_PROFILE >>> 4;
}

/**
 * Calls `visit(id, start, end)` for each element of an RFC 8285 block; stops early when `visit` returns true.
 * One walk shared by the parse and find functions, allocation-free.
 */
function walk(
  extension: RtpHeaderExtension,
  visit: (id: number, start: number, end: number) => boolean,
): void {
  const { data, profile } = extension;
  const n = data.length;
  let i = 0;
  if (profile === ONE_BYTE_PROFILE) {
    while (i < n) {
      const b = data[i]!;
      if (b === 0) {
        i++; // padding (RFC 8285 §4.2)
        continue;
      }
      const id = b >> 4;
      if (id === 15) return; // reserved: stop processing the block (RFC 8285 §4.2)
      const len = (b & 0x0f) + 1;
      if (i + 1 + len > n)
        throw new RtpError("ERR_BAD_EXTENSION", `element ${id} overruns the block (RFC 8285 §4.2)`);
      if (visit(id, i + 1, i + 1 + len)) return;
      i += 1 + len;
    }
  } else if (profile >>> 4 === TWO_BYTE_PROFILE >>> 4) {
    while (i < n) {
      const id = data[i]!;
      if (id === 0) {
        i++; // padding (RFC 8285 §4.3)
        continue;
      }
      if (i + 2 > n)
        throw new RtpError("ERR_BAD_EXTENSION", `element ${id} overruns the block (RFC 8285 §4.3)`);
      const len = data[i + 1]!;
      if (i + 2 + len > n)
        throw new RtpError("ERR_BAD_EXTENSION", `element ${id} overruns the block (RFC 8285 §4.3)`);
      if (visit(id, i + 2, i + 2 + len)) return;
      i += 2 + len;
    }
  } else {
    throw new RtpError(
      "ERR_BAD_EXTENSION",
      `extension profile 0x${profile.toString(16)} is not an RFC 8285 form (RFC 8285 §4.1)`,
    );
  }
}

/**
 * Lists the elements of an RFC 8285 header extension block, in wire order; data are views of the block.
 * @throws RtpError `ERR_BAD_EXTENSION` for an element that overruns the block or a profile that is not RFC 8285
 */
export function parseHeaderExtensions(extension: RtpHeaderExtension): HeaderExtensionElement[] {
  const out: HeaderExtensionElement[] = [];
  const data = extension.data;
  walk(extension, (id, start, end) => {
    out.push({ id, data: data.subarray(start, end) });
    return false;
  });
  return out;
}

/**
 * Finds the first element with `id` (for example the MID, RFC 9143 §15, to route a packet) without building
 * the element list. Returns undefined when absent or when the block is not an RFC 8285 form.
 * @throws RtpError `ERR_BAD_EXTENSION` when an element before it overruns the block
 */
export function findHeaderExtension(
  extension: RtpHeaderExtension | undefined,
  id: number,
): Uint8Array | undefined {
  if (!extension || !isRfc8285Extension(extension)) return undefined;
  let found: Uint8Array | undefined;
  const data = extension.data;
  walk(extension, (elementId, start, end) => {
    if (elementId !== id) return false;
    found = data.subarray(start, end);
    return true;
  });
  return found;
}

/**
 * Builds an RFC 8285 block from elements. `"auto"` (the default) picks the one-byte form when every id is 1–14
 * and every element 1–16 bytes long, else the two-byte form. The data is zero-padded to a multiple of 4.
 * @throws RtpError `ERR_INVALID_ARGUMENT` for an id or length the chosen form cannot carry
 */
export function buildHeaderExtension(
  elements: readonly HeaderExtensionElement[],
  form: "one-byte" | "two-byte" | "auto" = "auto",
): RtpHeaderExtension {
  const fitsOne = elements.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16);
  const oneByte = form === "one-byte" || (form === "auto" && fitsOne);
  if (oneByte && !fitsOne)
    throw new RtpError(
      "ERR_INVALID_ARGUMENT",
      "one-byte form carries ids 1–14 with 1–16 bytes (RFC 8285 §4.2)",
    );
  let size = 0;
  for (const e of elements) {
    if (!oneByte && (!Number.isInteger(e.id) || e.id < 1 || e.id > 255 || e.data.length > 255))
      throw new RtpError(
        "ERR_INVALID_ARGUMENT",
        "two-byte form carries ids 1–255 with 0–255 bytes (RFC 8285 §4.3)",
      );
    size += (oneByte ? 1 : 2) + e.data.length;
  }
  const data = new Uint8Array(Math.ceil(size / 4) * 4);
  let i = 0;
  for (const e of elements) {
    if (oneByte) data[i++] = (e.id << 4) | (e.data.length - 1);
    else {
      data[i++] = e.id;
      data[i++] = e.data.length;
    }
    data.set(e.data, i);
    i += e.data.length;
  }
  return { profile: oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, data };
}
