import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example, run as a user would (against the built package).
const example = fileURLToPath(new URL("../examples/h264-loop.mjs", import.meta.url));

describe("README example", () => {
  it("runs: every frame comes back complete through a lossy loop thanks to NACK", () => {
    const r = spawnSync(process.execPath, [example], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("first frame: keyframe=true 320x240 3 NAL units");
    expect(lines[1]).toBe("frames received 10/10, complete 10");
    expect(lines[2]).toMatch(/^NACKs [1-9]\d*, retransmitted [1-9]\d*, PLIs 0$/);
  });
});
