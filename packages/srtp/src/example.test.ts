import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example, run as a user would (against the built package).
const example = fileURLToPath(new URL("../examples/roundtrip.mjs", import.meta.url));

describe("README example", () => {
  it("runs and prints the round trip, the refusals and the counters", () => {
    const r = spawnSync(process.execPath, [example], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      'RTP 24 bytes -> SRTP 40 bytes -> RTP "hello, SRTP!"',
      "RTCP 32 bytes -> SRTCP 52 bytes -> 32 bytes",
      "refused: ERR_REPLAY",
      "refused: ERR_AUTH",
      "stats: rtpUnprotected=1 replayed=1 authFailures=1",
    ]);
  });
});
