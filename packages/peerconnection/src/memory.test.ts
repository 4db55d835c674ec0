import { forceGc } from "@purertc/socket/testing";
import { expect, test } from "vitest";
import { connectedPair } from "./pair.test-helper.js";
import type { PeerConnection } from "./peer-connection.js";

/**
 * What connected, idle PeerConnections keep outside the JS heap (ArrayBuffers: handshake
 * transcripts, key shares, Buffer-pool views). Measured over 16 pairs on loopback after a
 * warm-up pair (process-wide pools made once). Before the handshake state was dropped it was
 * 13.9 KiB per PC (tools/bench memory-per-pc, 400 PCs); now about 1 KiB. Bound: 5 KiB.
 */
test("connected PeerConnections keep under 5 KiB of ArrayBuffers each", { timeout: 60_000 }, async () => {
  const connect = (): Promise<PeerConnection[]> => connectedPair();
  const warm = await connect();
  await Promise.all(warm.map((pc) => pc.close()));
  await forceGc();
  const before = process.memoryUsage().arrayBuffers;
  const pcs: PeerConnection[] = [];
  try {
    for (let i = 0; i < 16; i += 4)
      pcs.push(...(await Promise.all([connect(), connect(), connect(), connect()])).flat());
    // Past the client's last-flight acknowledgement.
    await new Promise((r) => setTimeout(r, 300));
    await forceGc();
    const perPc = (process.memoryUsage().arrayBuffers - before) / pcs.length / 1024;
    expect(pcs.every((pc) => pc.connectionState === "connected")).toBe(true);
    expect(perPc).toBeLessThan(5);
  } finally {
    await Promise.all(pcs.map((pc) => pc.close()));
  }
});
