import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { AttributeType, StunClass, StunMessageBuilder, StunMethod } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { encodeChannelData } from "./channel-data.js";
import { TurnClient } from "./client.js";
import type { TurnError } from "./errors.js";
import { ScriptedServer } from "./scripted-server.test-helper.js";

// coturn 4.6.1 has no PASSWORD-ALGORITHMS: these cases run against a scripted server.
describe("long-term credentials with password algorithms (RFC 8489 §9.2)", () => {
  it("picks SHA-256 when offered first, signs with MESSAGE-INTEGRITY-SHA256 only, echoes the list", async () => {
    await withLeakCheck(async () => {
      const server = await ScriptedServer.listen({ offer: ["sha256", "md5"] });
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      const info = await turn.allocate();
      expect(info.algorithm).toBe("sha256");
      expect(info.relayed).toEqual({ family: "IPv4", address: "127.0.0.1", port: 50_000 });
      const signed = server.requests[1]!;
      expect(signed.hasIntegritySha256).toBe(true);
      expect(signed.hasIntegrity).toBe(false);
      expect(signed.passwordAlgorithm?.algorithm).toBe(2);
      expect(signed.passwordAlgorithms?.map((a) => a.algorithm)).toEqual([2, 1]);
      await turn.close();
      // The deallocation was signed the same way and answered.
      expect(server.requests.at(-1)!.method).toBe(StunMethod.Refresh);
      expect(server.requests.at(-1)!.lifetime).toBe(0);
      expect(turn.transactionStats!.timedOut).toBe(0);
      await server.close();
    });
  });

  it("takes the server's order: MD5 first means an MD5 key (still MESSAGE-INTEGRITY-SHA256)", async () => {
    await withLeakCheck(async () => {
      const server = await ScriptedServer.listen({ offer: ["md5", "sha256"] });
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      expect((await turn.allocate()).algorithm).toBe("md5");
      expect(server.requests[1]!.passwordAlgorithm?.algorithm).toBe(1);
      await turn.close();
      await server.close();
    });
  });

  it("a classic server (no nonce cookie) gets MD5 and MESSAGE-INTEGRITY", async () => {
    await withLeakCheck(async () => {
      const server = await ScriptedServer.listen({});
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      expect((await turn.allocate()).algorithm).toBe("md5");
      expect(server.requests[1]!.hasIntegrity).toBe(true);
      expect(server.requests[1]!.has(AttributeType.PASSWORD_ALGORITHM)).toBe(false);
      await turn.close();
      await server.close();
    });
  });

  it("refuses a downgrade (cookie bit set, no PASSWORD-ALGORITHMS) and a server with no common algorithm", async () => {
    await withLeakCheck(async () => {
      const downgrade = await ScriptedServer.listen({ bitWithoutList: true });
      const a = new TurnClient({ server: downgrade.address, username: "user", password: "pass" });
      const e1 = (await a.allocate().catch((e: unknown) => e)) as TurnError;
      expect(e1.code).toBe("ERR_AUTH");
      expect(e1.message).toMatch(/9\.2\.5/);
      expect(downgrade.requests).toHaveLength(1); // no signed retry was sent
      await downgrade.close();

      const md5only = await ScriptedServer.listen({ offer: ["md5"] });
      const b = new TurnClient({
        server: md5only.address,
        username: "user",
        password: "pass",
        algorithms: ["sha256"],
      });
      const e2 = (await b.allocate().catch((e: unknown) => e)) as TurnError;
      expect(e2.code).toBe("ERR_AUTH");
      expect(e2.message).toMatch(/in common/);
      await md5only.close();
    });
  });
});

describe("malformed, forged and stray datagrams are ignored and counted", () => {
  it("takes the authentic response after a forged one, and counts garbage, foreign and unknown-channel datagrams", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using stranger = await registry.open(TEST_OWNER, { label: "stranger", address: "127.0.0.1" });
      const server = await ScriptedServer.listen({
        offer: ["sha256"],
        beforeAnswer: (request, remote, s) => {
          if (request.method !== StunMethod.Allocate || !request.username) return;
          // A success response with the right transaction id but no valid integrity, and a bogus relayed address.
          const forged = new StunMessageBuilder(
            StunMethod.Allocate,
            StunClass.SuccessResponse,
            request.transactionId,
          )
            .xorRelayedAddress({ family: "IPv4", address: "127.0.0.9", port: 9 })
            .lifetime(600)
            .encode({ fingerprint: true });
          s.send(forged, remote);
          s.send(new Uint8Array([0x00, 0x01, 0x00]), remote); // truncated STUN
          s.send(new Uint8Array([0xff, 0xee, 0xdd, 0xcc]), remote); // neither STUN nor ChannelData
          s.send(new Uint8Array([0x40, 0x00, 0x00, 0x10, 1]), remote); // ChannelData overrunning the datagram
          s.send(encodeChannelData(0x4abc, new Uint8Array([1, 2, 3])), remote); // a channel never bound
          stranger.send(new Uint8Array(20), remote.port, remote.address); // not from the server
        },
      });
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      const info = await turn.allocate();
      expect(info.relayed.port).toBe(50_000);
      // Datagrams sent before the answer may still be in flight: wait for all of them to be counted.
      for (let i = 0; i < 200 && turn.stats.foreign + turn.stats.unknownChannel < 2; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(turn.stats.unauthenticated).toBe(1);
      expect(turn.stats.malformed).toBe(3);
      expect(turn.stats.unknownChannel).toBe(1);
      expect(turn.stats.foreign).toBe(1);
      expect(turn.state).toBe("allocated");
      await turn.close();
      await server.close();
    });
    await registry.close();
  });

  it("a server whose every answer fails integrity: allocate() times out, counting the rejected answers", async () => {
    await withLeakCheck(async () => {
      const server = await ScriptedServer.listen({ offer: ["sha256"], signWithPassword: "not-the-password" });
      const turn = new TurnClient({
        server: server.address,
        username: "user",
        password: "pass",
        rto: 20,
        rc: 3,
      });
      const error = (await turn.allocate().catch((e: unknown) => e)) as TurnError;
      expect(error.code).toBe("ERR_TIMEOUT");
      // Three signed Allocates (first send and two retransmissions), each answered with a bad signature.
      expect(turn.stats.unauthenticated).toBe(3);
      expect(turn.state).toBe("closed");
      await server.close();
    });
  });

  it("ignores an unsigned error response to a signed request and asks again", async () => {
    await withLeakCheck(async () => {
      let forged = 0;
      const server = await ScriptedServer.listen({
        beforeAnswer: (request, remote, s) => {
          if (request.method !== StunMethod.CreatePermission || forged > 0) return;
          forged++;
          s.send(
            new StunMessageBuilder(
              StunMethod.CreatePermission,
              StunClass.ErrorResponse,
              request.transactionId,
            )
              .errorCode(403, "Forbidden")
              .encode({ fingerprint: true }),
            remote,
          );
        },
      });
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      await turn.allocate();
      await turn.createPermission("127.0.0.1");
      expect(forged).toBe(1);
      expect(turn.permittedPeers).toEqual(["127.0.0.1"]);
      expect(turn.stats.unauthenticated).toBe(1);
      expect(server.requests.filter((r) => r.method === StunMethod.CreatePermission)).toHaveLength(2);
      await turn.close();
      await server.close();
    });
  });
});
