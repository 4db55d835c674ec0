import { openAsBlob } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { connectedPair, nextEvent, openChannel } from "./channel.test-helper.js";
import type { DataChannelErrorEvent } from "./events.js";

describe("a Blob that cannot be read", () => {
  it("fails with data-channel-failure, skips that message and keeps the channel open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "purertc-blob-"));
    try {
      await withLeakCheck(async () => {
        const [a, b] = await connectedPair();
        const [ab, ba] = await openChannel(a, b, "files");
        const received: unknown[] = [];
        ba.addEventListener("message", (e) => received.push(e.data));
        // A file-backed Blob whose file changes before it is read: Node's
        // read then fails with NotReadableError, as a browser's does.
        const path = join(dir, "changed.bin");
        await writeFile(path, Buffer.alloc(16, 1));
        const blob = await openAsBlob(path);
        await writeFile(path, Buffer.alloc(32, 2));
        const failed = nextEvent<DataChannelErrorEvent>(ab, "error");
        ab.send(blob);
        ab.send("after");
        const e = await failed;
        expect(e.error.errorDetail).toBe("data-channel-failure");
        expect(e.error.code).toBe("ERR_DATA_CHANNEL");
        expect(e.error.message).toContain("Blob could not be read");
        // Messages keep their order: the text queued behind the Blob goes once the Blob is given up.
        await nextEvent(ba, "message");
        expect(received).toEqual(["after"]);
        expect(ab.readyState).toBe("open");
        expect(ab.bufferedAmount).toBe(0);
        a.close();
        b.close();
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
