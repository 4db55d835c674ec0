import fc from "fast-check";
import { DtlsError } from "./errors.js";

/** Runs `fn`; a DtlsError is an accepted answer to bad input, anything else is a crash (rethrown). */
export function onlyDtlsErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DtlsError)) throw error;
  }
}

/** Mutations of a sample: bit flips, byte overwrites, truncation, insertion. */
export function mutated(samples: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 6,
      }),
    )
    .map(([sample, edits]) => {
      let out = new Uint8Array(sample);
      for (const [pos, value, kind] of edits) {
        if (out.length === 0) break;
        const i = pos % out.length;
        if (kind === 0) out[i] = out[i]! ^ (1 << (value % 8));
        else if (kind === 1) out[i] = value;
        else if (kind === 2) out = out.subarray(0, i);
        else out = Uint8Array.from([...out.subarray(0, i), value, ...out.subarray(i)]);
      }
      return out;
    });
}
