import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ffmpegAvailable } from "./ffmpeg.js";

const run = promisify(execFile);
// Under CI=true this throws when ffmpeg is missing: the example never skips silently there.
const ffmpeg = ffmpegAvailable();

describe.skipIf(!ffmpeg)("README", () => {
  it("its example runs as written (against the built package) and prints ffprobe's view", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("makeTestH264");
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    expect(existsSync(`${dist}ffmpeg.js`), "tools/interop is not built: run npm run build").toBe(true);
    const file = `${dist}readme-example-${process.pid}.mjs`;
    writeFileSync(file, example!);
    try {
      const { stdout } = await run(process.execPath, [file], { timeout: 60_000 });
      expect(stdout).toMatch(/codec: 'h264', width: 320, height: 240, frames: 30/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
