import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "./errors.js";
import { readCandidateInit, readRemoteDescription } from "./remote-description.js";

const dir = fileURLToPath(new URL("../../../test-vectors/sdp/", import.meta.url));
const samples = readdirSync(dir)
  .filter((f) => f.endsWith(".sdp"))
  .map((f) => readFileSync(dir + f, "utf8"));

function onlyPeerConnectionError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof PeerConnectionError)) throw error;
    expect(["ERR_INVALID_SDP", "ERR_OPERATION"]).toContain(error.code);
  }
}

describe("remote descriptions from the wire", () => {
  it("mutated real SDPs are accepted or refused with ERR_INVALID_SDP, nothing else", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 6 }), fc.boolean()), {
          minLength: 1,
          maxLength: 5,
        }),
        (i, edits) => {
          let text = samples[i]!;
          for (const [at, s, insert] of edits) {
            const p = at % (text.length + 1);
            text = insert ? text.slice(0, p) + s : text.slice(0, p) + s + text.slice(p + s.length + 1);
            if (insert) text += samples[i]!.slice(p);
          }
          onlyPeerConnectionError(() => readRemoteDescription(text));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("trickled candidate inits of any shape are accepted or refused with a PeerConnectionError", () => {
    const remote = readRemoteDescription(samples[0]!);
    fc.assert(
      fc.property(
        fc.record(
          {
            candidate: fc.oneof(
              fc.string({ maxLength: 80 }),
              fc.constant("candidate:1 1 udp 1 127.0.0.1 9 typ host"),
            ),
            sdpMid: fc.option(fc.string({ maxLength: 3 })),
            sdpMLineIndex: fc.option(fc.nat({ max: 3 })),
            usernameFragment: fc.option(fc.string({ maxLength: 6 })),
          },
          { requiredKeys: [] },
        ),
        (init) => onlyPeerConnectionError(() => readCandidateInit(init, remote)),
      ),
      { numRuns: 1500 },
    );
  });
});
