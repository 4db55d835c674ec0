import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type GstreamerRtsp,
  requireGstreamerRtsp,
  startGstreamerRtsp,
} from "@purertc/interop/gstreamer-rtsp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const peer = requireGstreamerRtsp();

describe.skipIf(!peer.available)("README", () => {
  let camera: GstreamerRtsp;
  beforeAll(async () => {
    camera = await startGstreamerRtsp({ auth: "digest" });
  });
  afterAll(async () => {
    await camera?.close();
  });

  it("its example runs as written against the GStreamer camera (built package) and the process exits by itself", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("new RtspClient");
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    expect(existsSync(`${dist}index.js`), "tools/rtsp-to-whep is not built: run npm run build").toBe(true);
    const file = `${dist}readme-example-${process.pid}.mjs`;
    writeFileSync(file, example!);
    try {
      const url = camera.url.replace("rtsp://", `rtsp://${camera.username}:${camera.password}@`);
      const { stdout } = await run(process.execPath, [file], {
        timeout: 20_000,
        env: { ...process.env, RTSP_URL: url },
      });
      expect(stdout).toMatch(/^H264 640x360$/m);
      expect(stdout).toMatch(/^playing video\/H264$/m);
      expect(stdout).toMatch(/^access units flowing$/m);
      await camera.waitFor(/^teardown$/m, 2000);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
