import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { RtpError } from "./errors.js";

const dir = fileURLToPath(new URL("../../../test-vectors/rtp/", import.meta.url));

/** Reads one vector file of test-vectors/rtp (see its README for the sources) as bytes. */
export function vector(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(dir + name, "utf8").trim(), "hex"));
}

/** Bytes from hex written with spaces (as the RFC figures group them). */
export const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

/** Fails unless `fn` throws an RtpError with `code`. */
export function expectRtpError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RtpError);
    expect((error as RtpError).code).toBe(code);
    return;
  }
  throw new Error("no error thrown");
}
