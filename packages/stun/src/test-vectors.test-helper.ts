import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../../test-vectors/stun/", import.meta.url));

/** Reads one vector file of test-vectors/stun as bytes. */
export function vector(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(dir + name, "utf8").trim(), "hex"));
}
