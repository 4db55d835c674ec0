import { type LinkOptions, MemoryLink } from "./memory-link.test-helper.js";
import type { Chunk } from "./packet/chunk.js";
import { decodePacket } from "./packet/packet.js";

/** A link whose ends offer I-DATA (or not), recording every chunk each side sent. */
export function recordingLink(
  a: boolean,
  b: boolean,
  options: LinkOptions = {},
  more: { rtoInitial?: number; rtoMin?: number } = {},
) {
  const sent: [Chunk[], Chunk[]] = [[], []];
  const filter = options.filter;
  const l = new MemoryLink(
    {
      ...options,
      filter: (from, p) => {
        sent[from].push(...decodePacket(p, { skipChecksum: true }).chunks);
        return filter ? filter(from, p) : p;
      },
    },
    { interleaving: a, ...more },
    { interleaving: b, ...more },
  );
  const types = (from: 0 | 1) => new Set(sent[from].map((c) => c.type));
  return { link: l, sent, types };
}
