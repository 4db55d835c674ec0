import { describe, expect, it } from "vitest";
import { floorPair } from "./node-floor.js";
import { transferTally } from "./transfer.js";

const MiB = 1024 * 1024;
const socketHandles = () => process.getActiveResourcesInfo().filter((r) => r === "UDPWrap").length;

describe("node-floor (Node's AES-GCM and UDP per record, no protocol)", () => {
  it("moves every byte of a transfer under the bulk row's backpressure, then releases its sockets", async () => {
    const before = socketHandles();
    const pair = await floorPair();
    expect(socketHandles()).toBe(before + 2);
    const tally = await transferTally(pair, 64 * 1024, 4 * MiB, 20_000, "node-floor");
    // All of it, once: a record that failed to open or went missing would leave the count short.
    expect(tally.bytes).toBe(4 * MiB);
    expect(pair.bufferedAmount()).toBe(0);
    await pair.close();
    for (let i = 0; i < 10 && socketHandles() > before; i++) await new Promise((r) => setImmediate(r));
    expect(socketHandles()).toBe(before);
  });

  it("fires the low-water callback when the queue falls to the threshold", async () => {
    const pair = await floorPair();
    let lows = 0;
    const off = pair.onBufferedAmountLow(64 * 1024, () => lows++);
    let got = 0;
    const all = new Promise<void>((resolve) =>
      pair.onMessage((n) => {
        got += n;
        if (got >= 8 * 64 * 1024) resolve();
      }),
    );
    for (let i = 0; i < 8; i++) pair.send(new Uint8Array(64 * 1024));
    expect(pair.bufferedAmount()).toBeGreaterThan(64 * 1024);
    await all;
    expect(lows).toBe(1);
    off();
    await pair.close();
  });
});
