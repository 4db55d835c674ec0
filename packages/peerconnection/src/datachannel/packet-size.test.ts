import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { DATAGRAM_BUDGET, sctpPacketSize } from "../data-channels.js";
import { connectedPair, openChannel, until } from "./channel.test-helper.js";

/** What the transport report of `pc` counts as sent. */
async function sent(pc: { getStats(): Promise<Map<string, Record<string, unknown>>> }) {
  const t = [...(await pc.getStats()).values()].find((s) => s.type === "transport")!;
  return { bytes: t.bytesSent as number, packets: t.packetsSent as number };
}

describe("SCTP packets fill the datagram budget once sealed", () => {
  it("sizes packets from the negotiated record overhead", () => {
    expect(sctpPacketSize(22)).toBe(1178); // DTLS 1.3
    expect(sctpPacketSize(37)).toBe(1163); // DTLS 1.2 AES-GCM
    expect(sctpPacketSize(29)).toBe(1171); // DTLS 1.2 ChaCha20-Poly1305
    expect(sctpPacketSize(undefined)).toBe(1163); // not known: the worst case
  });

  it("a bulk transfer over DTLS 1.3 sends datagrams of nearly 1200 bytes, none larger", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [ab, ba] = await openChannel(a, b, "bulk");
      expect(a.sctp?.maxPacketSize).toBe(1178);
      expect(b.sctp?.maxPacketSize).toBe(1178);
      let received = 0;
      ba.addEventListener("message", (e) => {
        received += (e.data as ArrayBuffer).byteLength;
      });
      const before = await sent(a);
      const total = 2 * 1024 * 1024;
      for (let i = 0; i < total / 65536; i++) ab.send(new Uint8Array(65536));
      await until(() => received === total, "2 MiB");
      const after = await sent(a);
      const packets = after.packets - before.packets;
      const bytes = after.bytes - before.bytes;
      // 1148 bytes of user data a DATA chunk (1176-byte SCTP packet, 1198-byte datagram);
      // packets of 1160 bytes (the old fixed size) made datagrams of 1182 at most. (Counted
      // in packets, not chunks: slow start's first burst overflows the in-process receiver's
      // socket buffer and some packets go twice.)
      expect(bytes / packets).toBeGreaterThan(1190);
      expect(bytes / packets).toBeLessThanOrEqual(DATAGRAM_BUDGET);
      await a.close();
      await b.close();
    });
  });
});
