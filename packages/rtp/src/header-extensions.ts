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

// The element read last by `step`: module-level scratch, so walking a block allocates nothing (the MID lookup
// runs per packet).
let elementId = 0;
let elementStart = 0;
let elementEnd = 0;

/** Which RFC 8285 form a block is in: 1 (one-byte), 2 (two-byte); throws for another profile. */
function formOf(extension: RtpHeaderExtension): 1 | 2 {
  if (extension.profile === ONE_BYTE_PROFILE) return 1;
  if (extension.profile >>> 4 === TWO_BYTE_PROFILE >>> 4) return 2;
  throw new RtpError(
    "ERR_BAD_EXTENSION",
    `extension profile 0x${extension.profile.toString(16)} is not an RFC 8285 form (RFC 8285 §4.1)`,
  );
}

/**
 * Reads the element at or after `i` (padding bytes, value 0, are skipped) into the scratch variables and
 * returns the index after it, or -1 at the end of the block (or at id 15 in the one-byte form, RFC 8285 §4.2).
 */
function step(data: Uint8Array, form: 1 | 2, i: number): number {
  const n = data.length;
  while (i < n && data[i] === 0) i++;
  if (i >= n) return -1;
  let len: number;
  if (form === 1) {
    const id = data[i]! >> 4;
    if (id === 15) return -1;
    len = (data[i]! & 0x0f) + 1;
    elementId = id;
    elementStart = i + 1;
  } else {
    if (i + 2 > n)
      throw new RtpError("ERR_BAD_EXTENSION", `element ${data[i]} overruns the block (RFC 8285 §4.3)`);
    len = data[i + 1]!;
    elementId = data[i]!;
    elementStart = i + 2;
  }
  elementEnd = elementStart + len;
  if (elementEnd > n)
    throw new RtpError(
      "ERR_BAD_EXTENSION",
      `element ${elementId} overruns the block (RFC 8285 §4.${form + 1})`,
    );
  return elementEnd;
}

/**
 * Lists the elements of an RFC 8285 header extension block, in wire order; data are views of the block.
 * @throws RtpError `ERR_BAD_EXTENSION` for an element that overruns the block or a profile that is not RFC 8285
 */
export function parseHeaderExtensions(extension: RtpHeaderExtension): HeaderExtensionElement[] {
  const out: HeaderExtensionElement[] = [];
  const { data } = extension;
  const form = formOf(extension);
  for (let i = step(data, form, 0); i >= 0; i = step(data, form, i)) {
    out.push({ id: elementId, data: data.subarray(elementStart, elementEnd) });
  }
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
  const { data } = extension;
  const form = formOf(extension);
  for (let i = step(data, form, 0); i >= 0; i = step(data, form, i)) {
    if (elementId === id) return data.subarray(elementStart, elementEnd);
  }
  return undefined;
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
