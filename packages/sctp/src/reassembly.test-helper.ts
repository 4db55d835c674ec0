import fc from "fast-check";

/**
 * A message an honest sender fragments: its stream, ordered or not, and the
 * sizes of its fragments; with `lossy`, the fragments (by index) the sender
 * abandoned, which never arrive. Shared by the DATA and I-DATA reassembly
 * property tests.
 */
export function honestMessage(lossy: boolean) {
  return fc.record({
    streamId: fc.integer({ min: 0, max: 2 }),
    unordered: fc.boolean(),
    cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
    lost: lossy
      ? fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { freq: 4 })
      : fc.constant(null),
  });
}
