import { randomBytesPooled } from "@purertc/socket";
import { IceError } from "./errors.js";

/** The ICE credentials of one side (RFC 8445 §5.3). */
export interface IceCredentials {
  /** Username fragment: 4–256 ice-chars. */
  ufrag: string;
  /** Password: 22–256 ice-chars. */
  pwd: string;
}

// 64 ice-chars: a random byte masked to 6 bits picks one without bias.
const ICE_CHAR_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

/** A random string of `length` ice-chars (6 bits of entropy each). */
export function randomIceString(length: number): string {
  return iceChars(randomBytesPooled(length), 0, length);
}

function iceChars(bytes: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += ICE_CHAR_ALPHABET[bytes[i]! & 63];
  return s;
}

/**
 * Fresh random credentials: an 8-character ufrag (48 bits) and a
 * 24-character pwd (144 bits, above the 128 bits RFC 8445 §5.3 asks for),
 * from the shared random pool (a CSPRNG read each cost microseconds on
 * every connection's setup).
 */
export function generateCredentials(): IceCredentials {
  const bytes = randomBytesPooled(32);
  return { ufrag: iceChars(bytes, 0, 8), pwd: iceChars(bytes, 8, 32) };
}

/**
 * Checks credentials received from the peer.
 * @throws IceError `ERR_CREDENTIALS` when ufrag is not 4–256 or pwd not
 *   22–256 ice-chars.
 */
export function validateCredentials(credentials: IceCredentials): IceCredentials {
  const { ufrag, pwd } = credentials ?? {};
  if (typeof ufrag !== "string" || ufrag.length < 4 || ufrag.length > 256 || !ICE_CHARS.test(ufrag)) {
    throw new IceError("ERR_CREDENTIALS", "ice-ufrag must be 4-256 ice-chars (RFC 8445 §5.3)");
  }
  if (typeof pwd !== "string" || pwd.length < 22 || pwd.length > 256 || !ICE_CHARS.test(pwd)) {
    throw new IceError("ERR_CREDENTIALS", "ice-pwd must be 22-256 ice-chars (RFC 8445 §5.3)");
  }
  return { ufrag, pwd };
}
