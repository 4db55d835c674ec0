import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example, run as a user would (against the built package).
const example = fileURLToPath(new URL("../examples/binding.mjs", import.meta.url));

describe("README example", () => {
  it("runs, prints the mapped address and leaves no socket open", () => {
    const r = spawnSync(process.execPath, [example], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^mapped 127\.0\.0\.1:\d+ in [\d.]+ ms \(server: example\)$/);
    expect(lines[1]).toMatch(
      /^Binding Request [0-9a-f]{24} \[USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT\]/,
    );
    expect(lines[2]).toBe("socket registry: no socket open");
  });
});
