import type { RemoteInfo } from "node:dgram";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { StunClass, StunMessageBuilder, StunMethod } from "@purertc/stun";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeChannelData } from "./channel-data.js";
import { TurnClient } from "./client.js";
import { ScriptedServer } from "./scripted-server.test-helper.js";

/** Valid server-to-client messages to mutate: a Data indication, ChannelData, a stray response. */
function seeds(): Uint8Array[] {
  return [
    new StunMessageBuilder(StunMethod.Data, StunClass.Indication)
      .xorPeerAddress({ family: "IPv4", address: "127.0.0.1", port: 5000 })
      .data(new Uint8Array([1, 2, 3, 4, 5]))
      .encode({ fingerprint: true }),
    encodeChannelData(0x4000, new Uint8Array([9, 8, 7])),
    new StunMessageBuilder(StunMethod.Refresh, StunClass.SuccessResponse)
      .lifetime(600)
      .encode({ fingerprint: true }),
  ];
}

const input = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc
    .tuple(
      fc.constantFrom(...seeds()),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat({ max: 8 }),
    )
    .map(([seed, flips, cut]) => {
      const bytes = new Uint8Array(seed);
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      return bytes.subarray(0, Math.max(1, bytes.length - cut));
    }),
);

describe("datagrams from the server, random and mutated (fast-check)", () => {
  it("are each counted once (or delivered), never throw in the socket handler, and leave the allocation up", async () => {
    await withLeakCheck(async () => {
      const server = await ScriptedServer.listen({});
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      await turn.allocate();
      const remote: RemoteInfo = {
        address: "127.0.0.1",
        port: turn.localAddress!.port,
        family: "IPv4",
        size: 0,
      };
      const samples = fc.sample(input, { numRuns: 600, seed: 8656 });
      let delivered = 0;
      turn.on("message", () => delivered++);
      // Paced, so that the loopback socket buffer never overflows (every datagram must arrive to be counted).
      for (const [i, bytes] of samples.entries()) {
        server.send(bytes, remote);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
      }
      const counted = () =>
        turn.stats.malformed +
        turn.stats.unknownChannel +
        turn.stats.unexpected +
        turn.stats.dataIndications +
        turn.stats.channelDataIn;
      for (let i = 0; i < 400 && counted() < samples.length; i++) await new Promise((r) => setTimeout(r, 5));
      expect(counted(), JSON.stringify(turn.stats)).toBe(samples.length);
      expect(delivered).toBe(turn.stats.dataIndications + turn.stats.channelDataIn);
      expect(turn.stats.malformed).toBeGreaterThan(0);
      // A handler that threw would be counted as an error of the socket.
      const socket = SocketRegistry.default.list().find((s) => s.label === "turn-client");
      expect(socket?.stats.errors).toBe(0);
      expect(turn.state).toBe("allocated");
      await turn.close();
      await server.close();
    });
  });
});
