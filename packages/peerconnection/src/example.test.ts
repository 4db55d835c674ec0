import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ROOT } from "@purertc/interop/json-child";
import { describe, expect, it } from "vitest";

// The README's example, run as a user would (against the built package).
const example = `${ROOT}packages/peerconnection/examples/loopback.mjs`;
if (!existsSync(`${ROOT}packages/peerconnection/dist/index.js`))
  throw new Error("build first: dist is missing");

describe("README example", () => {
  it("connects, carries a message each way on a data channel, closes, and leaves no socket", () => {
    const run = spawnSync(process.execPath, [example], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^connected: DTLS TLS_AES_128_GCM_SHA256, (connected|completed)\n/);
    expect(run.stdout).toContain("b received: hello over a data channel\n");
    expect(run.stdout).toContain("socket registry: no socket open\n");
  });

  it("media: a VP8 track arrives frame by frame, a key frame request travels back", () => {
    const media = `${ROOT}packages/peerconnection/examples/media.mjs`;
    const run = spawnSync(process.execPath, [media], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        "b: track video in stream camera, mid 0",
        "a: sending video/VP8, sendonly",
        "b: 10 frames of 4000 bytes, key frames: true",
        "a: key frame requested (pli)",
        "a: outbound-rtp framesSent true, pliCount 1",
        "socket registry: no socket open",
        "",
      ].join("\n"),
    );
  });
});
