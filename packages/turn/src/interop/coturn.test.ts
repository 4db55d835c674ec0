import { requireCoturn, uclientSanityCheck } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { decodeMessage, StunClass, StunKey, StunMessageBuilder, StunMethod } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";
import { TurnError } from "../errors.js";
import { coturnPerSuite, until } from "./coturn.test-helper.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("TURN client against coturn", () => {
  // 127.0.0.2 is refused as a peer, to see a real 403 to CreatePermission.
  const server = coturnPerSuite({ mode: "turn", args: ["--denied-peer-ip=127.0.0.2"] });

  const options = () => ({
    server: server().address,
    username: server().username,
    password: server().password,
  });

  it("the server setup relays for coturn's own turnutils_uclient (sanity check of the harness)", async () => {
    const result = await uclientSanityCheck(server(), 10);
    expect(result.sent, result.output).toBeGreaterThan(0);
    expect(result.received).toBe(result.sent);
    expect(result.lost).toBe(0);
  });

  it("allocates with the long-term credential (401 → signed retry), then deallocates", async () => {
    await withLeakCheck(async () => {
      const states: string[] = [];
      const turn = new TurnClient(options());
      turn.on("state", (s) => states.push(s));
      const info = await turn.allocate();
      expect(info.relayed.address).toBe("127.0.0.1");
      expect(info.relayed.port).toBeGreaterThan(0);
      expect(info.mapped).toEqual({ family: "IPv4", address: "127.0.0.1", port: turn.localAddress!.port });
      expect(info.lifetime).toBe(600);
      expect(info.algorithm).toBe("md5");
      expect(info.software).toMatch(/Coturn/);
      expect(turn.state).toBe("allocated");
      await turn.close();
      await turn.close();
      expect(states).toEqual(["allocating", "authenticating", "allocated", "closing", "closed"]);
      // The Refresh (lifetime 0) was answered, not timed out.
      expect(turn.transactionStats!.timedOut).toBe(0);
      expect(turn.transactionStats!.succeeded).toBe(2);
    });
  });

  it("refuses a wrong password with ERR_AUTH (status 401) and leaves nothing open", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient({ ...options(), password: "wrong" });
      const error = await turn.allocate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TurnError);
      expect((error as TurnError).code).toBe("ERR_AUTH");
      expect((error as TurnError).status).toBe(401);
      expect(turn.state).toBe("closed");
    });
  });

  it("relays data both ways to a plain UDP socket: Send indication first, then ChannelData", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using peer = await registry.open(TEST_OWNER, { label: "peer", address: "127.0.0.1" });
      await using turn = new TurnClient(options());
      const { relayed } = await turn.allocate();
      const atPeer: Array<{ text: string; port: number }> = [];
      peer.on("message", (data, remote) => atPeer.push({ text: data.toString(), port: remote.port }));
      const atClient: Array<{ text: string; port: number }> = [];
      turn.on("message", (data, from) =>
        atClient.push({ text: Buffer.from(data).toString(), port: from.port }),
      );

      const peerPort = peer.address().port;
      expect(turn.sendTo(Buffer.from("one"), peerPort, "127.0.0.1")).toBe(true);
      await until(() => atPeer.length === 1, "the first datagram at the peer");
      expect(atPeer[0]).toEqual({ text: "one", port: relayed.port });
      expect(turn.stats.sendIndications).toBe(1);
      expect(turn.permittedPeers).toEqual(["127.0.0.1"]);

      // The peer answers to the relayed address: a Data indication (or ChannelData once bound).
      peer.send(Buffer.from("back"), relayed.port, relayed.address);
      await until(() => atClient.length === 1, "the answer at the client");
      expect(atClient[0]).toEqual({ text: "back", port: peerPort });

      await until(() => turn.boundChannels.some((c) => c.state === "bound"), "the channel binding");
      expect(turn.boundChannels[0]!.number).toBe(0x4000);
      for (let i = 0; i < 5; i++) turn.sendTo(Buffer.from(`c${i}`), peerPort, "127.0.0.1");
      await until(() => atPeer.length === 6, "five datagrams over the channel");
      expect(atPeer.slice(1).map((m) => m.text)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
      expect(turn.stats.channelDataOut).toBe(5);
      peer.send(Buffer.from("over-channel"), relayed.port, relayed.address);
      await until(() => atClient.length === 2, "ChannelData at the client");
      expect(atClient[1]!.text).toBe("over-channel");
      // The first answer came as a Data indication or, if the binding was quicker, as ChannelData.
      expect(turn.stats.channelDataIn + turn.stats.dataIndications).toBe(2);
      expect(turn.stats.channelDataIn).toBeGreaterThanOrEqual(1);
      expect(turn.stats.malformed).toBe(0);
      expect(turn.stats.unauthenticated).toBe(0);
    });
    await registry.close();
  });

  it("relays between two allocations (each permits the other's relayed address)", async () => {
    await withLeakCheck(async () => {
      await using a = new TurnClient(options());
      await using b = new TurnClient(options());
      const [ra, rb] = await Promise.all([a.allocate(), b.allocate()]);
      await Promise.all([a.createPermission(rb.relayed.address), b.createPermission(ra.relayed.address)]);
      const atB: string[] = [];
      const atA: string[] = [];
      b.on("message", (d, from) => {
        expect(from).toEqual({ address: ra.relayed.address, port: ra.relayed.port });
        atB.push(Buffer.from(d).toString());
        b.sendTo(d, from.port, from.address); // echo
      });
      a.on("message", (d) => atA.push(Buffer.from(d).toString()));
      for (let i = 0; i < 20; i++) {
        a.sendTo(Buffer.from(`m${i}`), rb.relayed.port, rb.relayed.address);
        await until(() => atA.length === i + 1, `echo ${i}`);
      }
      expect(atA).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      expect(a.stats.channelDataOut).toBeGreaterThan(0);
      expect(b.stats.channelDataOut).toBeGreaterThan(0);
    });
  });

  it("a peer the server refuses: CreatePermission gets 403, queued datagrams are dropped and counted", async () => {
    await withLeakCheck(async () => {
      await using turn = new TurnClient(options());
      await turn.allocate();
      const refused = await turn.createPermission("127.0.0.2").catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TurnError);
      expect((refused as TurnError).code).toBe("ERR_REQUEST");
      expect((refused as TurnError).status).toBe(403);
      expect(turn.permittedPeers).toEqual([]);
      // sendTo queues behind the permission, which is refused again: the datagrams are counted as dropped.
      turn.sendTo(Buffer.from("a"), 9, "127.0.0.2");
      turn.sendTo(Buffer.from("b"), 9, "127.0.0.2");
      await until(() => turn.stats.dropped === 2, "the refused datagrams to be dropped");
      expect(turn.stats.sendIndications).toBe(0);
      // A throwing state listener does not break teardown.
      turn.on("state", () => {
        throw new Error("listener bug");
      });
    });
  });

  it("437 Allocation Mismatch (a dead client's allocation on our port): retries from another port", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      // A client that allocates and dies without deallocating: its allocation outlives its socket.
      const dead = await registry.open(TEST_OWNER, { label: "dead-client", address: "127.0.0.1" });
      const deadPort = dead.address().port;
      const next = () => new Promise<Buffer>((resolve) => dead.once("message", (d) => resolve(d)));
      const ask = async (signed?: { realm: string; nonce: string }) => {
        const b = new StunMessageBuilder(StunMethod.Allocate, StunClass.Request).requestedTransport(17);
        let key: StunKey | undefined;
        if (signed) {
          b.username("user").realm(signed.realm).nonce(signed.nonce);
          key = StunKey.longTerm("user", signed.realm, "pass");
        }
        const answer = next();
        dead.send(
          b.encode(key ? { integrity: key, fingerprint: true } : { fingerprint: true }),
          server().port,
          "127.0.0.1",
        );
        return decodeMessage(new Uint8Array(await answer));
      };
      const challenge = await ask();
      const allocated = await ask({ realm: challenge.realm!, nonce: challenge.nonce! });
      expect(allocated.messageClass).toBe(StunClass.SuccessResponse);
      await dead.close();

      const turn = new TurnClient({ ...options(), localAddress: "127.0.0.1", localPort: deadPort });
      const states: string[] = [];
      turn.on("state", (s) => states.push(s));
      const info = await turn.allocate();
      expect(turn.stats.allocationMismatches).toBe(1);
      expect(turn.localAddress!.port).not.toBe(deadPort);
      expect(info.mapped?.port).toBe(turn.localAddress!.port);
      expect(states).toEqual(["allocating", "authenticating", "allocated"]);
      await turn.close();
    });
    await registry.close();
  });
});
