import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example, run as a user would (against the built package).
const example = fileURLToPath(new URL("../examples/pair.mjs", import.meta.url));

describe("README example", () => {
  it("opens, exchanges messages, shuts down and exits", () => {
    const r = spawnSync(process.execPath, [example], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("open: 65535 streams each way");
    expect(lines).toContain("b got 4 bytes on stream 1 (ppid 51)");
    expect(lines).toContain("b got 200000 bytes on stream 2 (ppid 53)");
    expect(lines).toContain('a got "pong"');
    expect(lines.at(-1)).toBe("closed: closed, b: no error");
  });
});
