import type { FuzzTarget } from "./targets.js";

/** The fuzz loop of `npm run fuzz` (see main.ts), seeded: the same seed gives the same inputs. */

/** xorshift32: fast, seeded, good enough to pick mutations. */
let state = 1;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}
const int = (n: number) => Math.floor(rand() * n);

function randomBytes(max: number): Uint8Array {
  const out = new Uint8Array(int(max + 1));
  for (let i = 0; i < out.length; i++) out[i] = int(256);
  return out;
}

function mutate(seedBytes: Uint8Array): Uint8Array {
  let out = new Uint8Array(seedBytes);
  const edits = 1 + int(6);
  for (let e = 0; e < edits; e++) {
    if (out.length === 0) return out;
    const i = int(out.length);
    switch (int(6)) {
      case 0:
        out[i] = out[i]! ^ (1 << int(8));
        break;
      case 1:
        out[i] = int(256);
        break;
      case 2: // boundary values where lengths and counts live
        out[i] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][int(6)]!;
        break;
      case 3:
        out = out.subarray(0, i);
        break;
      case 4: {
        const grown = new Uint8Array(out.length + 1);
        grown.set(out.subarray(0, i));
        grown[i] = int(256);
        grown.set(out.subarray(i), i + 1);
        out = grown;
        break;
      }
      default: {
        // duplicate a chunk (repeated attributes, records, extensions)
        const len = 1 + int(Math.min(64, out.length - i));
        const grown = new Uint8Array(out.length + len);
        grown.set(out.subarray(0, i + len));
        grown.set(out.subarray(i, i + len), i + len);
        grown.set(out.subarray(i + len), i + 2 * len);
        out = grown;
      }
    }
  }
  return out;
}

export interface Summary {
  target: string;
  cases: number;
  crashes: number;
  maxUs: number;
  /** The slowest cases run again, best of 5 each: the largest of those. */
  retimedMaxUs: number;
  meanUs: number;
  seconds: number;
  examples: string[];
}

/** Runs `cases` cases against `target` from PRNG seed `seed`. */
export function fuzz(target: FuzzTarget, cases: number, seed: number): Summary {
  state = seed || 1;
  const maxSeed = Math.max(64, ...target.seeds.map((s) => s.length));
  let crashes = 0;
  let max = 0;
  const examples: string[] = [];
  // The 16 slowest inputs, to re-time at the end.
  const slow: Array<{ t: number; input: Uint8Array }> = [];
  const start = performance.now();
  for (let n = 0; n < cases; n++) {
    const input =
      target.seeds.length === 0 || rand() < 0.25
        ? randomBytes(maxSeed * 2)
        : mutate(target.seeds[int(target.seeds.length)]!);
    const t0 = performance.now();
    try {
      target.run(input);
    } catch (error) {
      if (!target.expected(error)) {
        crashes++;
        if (examples.length < 3) {
          examples.push(
            `${(error as Error)?.name}: ${(error as Error)?.message} ← ${Buffer.from(input).toString("hex")}`,
          );
        }
      }
    }
    const t = performance.now() - t0;
    if (t > max) max = t;
    if (slow.length < 16 || t > slow[slow.length - 1]!.t) {
      slow.push({ t, input });
      slow.sort((a, b) => b.t - a.t);
      if (slow.length > 16) slow.pop();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  let retimed = 0;
  for (const { input } of slow) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      try {
        target.run(input);
      } catch {
        // counted above
      }
      best = Math.min(best, performance.now() - t0);
    }
    retimed = Math.max(retimed, best);
  }
  return {
    target: target.name,
    cases,
    crashes,
    maxUs: max * 1000,
    retimedMaxUs: retimed * 1000,
    meanUs: (seconds * 1e6) / cases,
    seconds,
    examples,
  };
}
