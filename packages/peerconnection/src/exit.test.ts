import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./close-in-state.fixture.mjs", import.meta.url));
/** The process must end on its own this soon after its last close() resolved. */
const EXIT_BOUND_MS = 1000;

function runChild(
  state: string,
): Promise<{ code: number | null; afterCloseMs: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, state], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let closedAt: number | undefined;
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (closedAt === undefined && out.includes("closed\n")) closedAt = performance.now();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({
        code,
        afterCloseMs: closedAt === undefined ? Number.NaN : performance.now() - closedAt,
        out,
        err,
      });
    });
  });
}

describe("a process exits by itself after closing, whatever the state", () => {
  it.each(["new", "gathering", "checking", "dtls", "connected", "failed", "remote-gone"])(
    "%s",
    async (state) => {
      const { code, afterCloseMs, out, err } = await runChild(state);
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out).toContain(`reached ${state}`);
      expect(afterCloseMs).toBeLessThan(EXIT_BOUND_MS);
      console.log(
        `exit after close in ${state}: ${afterCloseMs.toFixed(0)} ms after the last close resolved`,
      );
    },
  );
});
