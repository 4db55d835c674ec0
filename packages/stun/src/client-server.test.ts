import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import {
  type decodeMessage,
  ErrorCode,
  StunClass,
  StunClient,
  StunError,
  StunKey,
  StunMessageBuilder,
  StunMethod,
  StunServer,
} from "./index.js";

async function rejection(p: Promise<unknown>): Promise<StunError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(StunError);
    return error as StunError;
  }
  throw new Error("expected a rejection");
}

describe("StunClient ↔ StunServer over loopback UDP", () => {
  it("Binding: XOR-MAPPED-ADDRESS is the client's socket, SOFTWARE and FINGERPRINT present", async () => {
    await using server = await StunServer.listen({ software: "purertc-test" });
    await using client = await StunClient.open({ address: "127.0.0.1" });
    const { port } = server.address();
    const result = await client.binding(`127.0.0.1:${port}`);
    expect(result.mapped).toEqual({ family: "IPv4", address: "127.0.0.1", port: client.local.port });
    expect(result.software).toBe("purertc-test");
    expect(result.response.hasFingerprint).toBe(true);
    expect(result.response.checkFingerprint()).toBe(true);
    expect(result.server).toEqual({ address: "127.0.0.1", port });
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
    expect(server.stats).toMatchObject({ requests: 1, successResponses: 1 });
    expect(client.stats).toMatchObject({ started: 1, succeeded: 1 });
  });

  it("Binding over IPv6 loopback and by host name", async () => {
    await using server = await StunServer.listen({ address: "::1" });
    await using client = await StunClient.open({ type: "udp6", address: "::1" });
    const result = await client.binding(`[::1]:${server.address().port}`);
    expect(result.mapped).toEqual({ family: "IPv6", address: "::1", port: client.local.port });
    await using server4 = await StunServer.listen();
    await using client4 = await StunClient.open();
    const byName = await client4.binding(`localhost:${server4.address().port}`);
    expect(byName.mapped.port).toBe(client4.local.port);
  });

  it("an IPv4 client of a dual-stack server is told its IPv4 address", async () => {
    await using server = await StunServer.listen({ address: "::", type: "udp6" });
    await using client = await StunClient.open({ address: "127.0.0.1" });
    const r = await client.binding({ address: "127.0.0.1", port: server.address().port });
    expect(r.mapped).toEqual({ family: "IPv4", address: "127.0.0.1", port: client.local.port });
  });

  it("short-term credentials: 400 without, 401 wrong, success with MESSAGE-INTEGRITY", async () => {
    await using server = await StunServer.listen({
      credentials: { type: "short-term", password: (u) => (u === "alice:bob" ? "s3cret" : undefined) },
    });
    await using client = await StunClient.open();
    const target = `127.0.0.1:${server.address().port}`;
    const key = StunKey.shortTerm("s3cret");

    const missing = await rejection(client.binding(target));
    expect(missing.code).toBe("ERR_ERROR_RESPONSE");
    const r400 = missing.response as ReturnType<typeof decodeMessage>;
    expect(r400.errorCode?.code).toBe(ErrorCode.BadRequest);
    expect(r400.hasIntegrity).toBe(false);

    // A 401 carries no MESSAGE-INTEGRITY, so a client holding a key discards it as if never
    // received and keeps retransmitting (RFC 8489 §9.1.4): the transaction times out...
    const fast = { rto: 20, rc: 2, rm: 2 };
    const dropped = await rejection(
      client.binding(target, { username: "alice:bob", key: StunKey.shortTerm("nope"), ...fast }),
    );
    expect(dropped.code).toBe("ERR_TIMEOUT");
    expect(client.stats.rejected).toBeGreaterThanOrEqual(1);
    // ...unless told to accept unauthenticated errors, which shows the 401.
    const wrong = await rejection(
      client.binding(target, {
        username: "alice:bob",
        key: StunKey.shortTerm("nope"),
        acceptUnauthenticatedErrors: true,
      }),
    );
    expect((wrong.response as ReturnType<typeof decodeMessage>).errorCode?.code).toBe(ErrorCode.Unauthorized);
    const unknown = await rejection(
      client.binding(target, { username: "eve:bob", key, acceptUnauthenticatedErrors: true }),
    );
    expect((unknown.response as ReturnType<typeof decodeMessage>).errorCode?.code).toBe(401);

    const ok = await client.binding(target, { username: "alice:bob", key });
    expect(ok.response.checkIntegrity(key)).toBe(true);
    expect(server.stats.successResponses).toBe(1);
    expect(server.stats.errorResponses).toBeGreaterThanOrEqual(4);
  });

  it("long-term credentials: 401 with REALM and NONCE, then success; 438 for a forged nonce", async () => {
    await using server = await StunServer.listen({
      credentials: {
        type: "long-term",
        realm: "example.org",
        password: (u) => (u === "user" ? "pass" : undefined),
      },
    });
    await using client = await StunClient.open();
    const remote = { address: "127.0.0.1", port: server.address().port };
    const first = await rejection(client.binding(remote));
    const challenge = first.response as ReturnType<typeof decodeMessage>;
    expect(challenge.errorCode?.code).toBe(401);
    expect(challenge.realm).toBe("example.org");
    const nonce = challenge.nonce!;
    expect(nonce.length).toBeGreaterThan(10);

    const key = StunKey.longTerm("user", "example.org", "pass");
    const signed = (n: string, k: StunKey) =>
      new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
        .username("user")
        .realm("example.org")
        .nonce(n)
        .encode({ integrity: k, fingerprint: true });
    const ok = await client.request(signed(nonce, key), remote, { key });
    expect(ok.response.messageClass).toBe(StunClass.SuccessResponse);
    expect(ok.response.xorMappedAddress?.port).toBe(client.local.port);

    const stale = await client.request(signed(`0-${"0".repeat(24)}`, key), remote);
    expect(stale.response.errorCode?.code).toBe(ErrorCode.StaleNonce);
    expect(stale.response.nonce).toBeDefined();
    const bad = await client.request(signed(nonce, StunKey.longTerm("user", "example.org", "wrong")), remote);
    expect(bad.response.errorCode?.code).toBe(401);
    // SHA-256 integrity is answered in kind.
    const sha = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .username("user")
      .realm("example.org")
      .nonce(nonce)
      .encode({ integritySha256: key, fingerprint: true });
    const r256 = await client.request(sha, remote, { key });
    expect(r256.response.checkIntegritySha256(key)).toBe(true);
  });

  it("long-term SHA-256 (RFC 8489 §9.2): nonce cookie, PASSWORD-ALGORITHMS echoed, 400 on a bid-down", async () => {
    await using server = await StunServer.listen({
      credentials: {
        type: "long-term",
        realm: "example.org",
        password: (u) => (u === "user" ? "pass" : undefined),
        algorithms: ["sha256", "md5"],
      },
    });
    await using client = await StunClient.open();
    const remote = { address: "127.0.0.1", port: server.address().port };
    const challenge = (
      await client.request(new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode(), remote)
    ).response;
    expect(challenge.errorCode?.code).toBe(401);
    const nonce = challenge.nonce!;
    expect(nonce.startsWith("obMatJos2gAAA")).toBe(true);
    const offered = challenge.passwordAlgorithms!;
    expect(offered.map((a) => a.algorithm)).toEqual([2, 1]);

    const sha = StunKey.longTerm("user", "example.org", "pass", "sha256");
    const md5 = StunKey.longTerm("user", "example.org", "pass", "md5");
    const build = (k: StunKey, pick?: number, echo = offered) => {
      const b = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
        .username("user")
        .realm("example.org")
        .nonce(nonce);
      if (pick !== undefined)
        b.passwordAlgorithms(echo).passwordAlgorithm({ algorithm: pick, parameters: new Uint8Array(0) });
      return b.encode({ integritySha256: k, fingerprint: true });
    };
    const ok = await client.request(build(sha, 2), remote, { key: sha });
    expect(ok.response.messageClass).toBe(StunClass.SuccessResponse);
    expect(ok.response.checkIntegritySha256(sha)).toBe(true);
    // Neither attribute: processed as MD5 (allowed here, since MD5 is offered).
    expect((await client.request(build(md5), remote, { key: md5 })).response.messageClass).toBe(
      StunClass.SuccessResponse,
    );
    // The wrong key for the algorithm picked: 401.
    expect((await client.request(build(md5, 2), remote)).response.errorCode?.code).toBe(401);
    // A tampered echo (bid-down attempt) or an algorithm not offered: 400.
    const bidDown = [{ algorithm: 1, parameters: new Uint8Array(0) }];
    expect((await client.request(build(md5, 1, bidDown), remote)).response.errorCode?.code).toBe(400);
    expect((await client.request(build(sha, 7), remote)).response.errorCode?.code).toBe(400);
    // A nonce without the cookie is stale for this server.
    const plain = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .username("user")
      .realm("example.org")
      .nonce(nonce.slice(13))
      .encode({ integrity: md5 });
    expect((await client.request(plain, remote)).response.errorCode?.code).toBe(438);
  });

  it("420 with UNKNOWN-ATTRIBUTES, 400 for other methods; drops bad fingerprints, indications and garbage", async () => {
    await using server = await StunServer.listen();
    await using client = await StunClient.open();
    const remote = { address: "127.0.0.1", port: server.address().port };
    const unknown = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .attribute(0x7777, new Uint8Array(4))
      .encode({ fingerprint: true });
    const r420 = await client.request(unknown, remote);
    expect(r420.response.errorCode?.code).toBe(420);
    expect(r420.response.unknownAttributes).toEqual([0x7777]);
    // RFC 5780 CHANGE-REQUEST is known to the codec but not implemented by this server: 420 as well.
    const change = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .attribute(0x0003, new Uint8Array([0, 0, 0, 6]))
      .encode({ fingerprint: true });
    expect((await client.request(change, remote)).response.unknownAttributes).toEqual([0x0003]);
    const allocate = new StunMessageBuilder(StunMethod.Allocate, StunClass.Request).encode({
      fingerprint: true,
    });
    expect((await client.request(allocate, remote)).response.errorCode?.code).toBe(400);

    // A raw socket sends what a client never would; the server must survive and count.
    const owner = {};
    const raw = await SocketRegistry.default.open(owner, { label: "test-raw", address: "127.0.0.1" });
    try {
      const badFp = new Uint8Array(
        new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode({ fingerprint: true }),
      );
      badFp[badFp.length - 1]! ^= 0xff;
      raw.send(badFp, remote.port, remote.address);
      raw.send(new Uint8Array([0, 1, 0, 0]), remote.port, remote.address);
      raw.send(
        new StunMessageBuilder(StunMethod.Binding, StunClass.Indication).encode(),
        remote.port,
        remote.address,
      );
      // A normal request afterwards proves the server is still serving (and orders the datagrams).
      expect((await client.binding(remote)).mapped.port).toBe(client.local.port);
      expect(server.stats).toMatchObject({ malformed: 1, rejected: 1, ignored: 1 });
    } finally {
      await raw.close();
    }
  });

  it("client ignores and counts garbage, unmatched responses and requests sent to it", async () => {
    await using client = await StunClient.open({ address: "127.0.0.1" });
    const raw = await SocketRegistry.default.open(TEST_OWNER, { label: "test-raw", address: "127.0.0.1" });
    try {
      const port = client.local.port;
      raw.send(new Uint8Array([0xff, 0, 0]), port, "127.0.0.1");
      raw.send(new StunMessageBuilder(1, StunClass.SuccessResponse).encode(), port, "127.0.0.1");
      raw.send(new StunMessageBuilder(1, StunClass.Request).encode(), port, "127.0.0.1");
      for (
        let i = 0;
        i < 500 && client.stats.ignored + client.stats.malformed + client.stats.unmatched < 3;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(client.stats).toMatchObject({ malformed: 1, unmatched: 1, ignored: 1 });
    } finally {
      await raw.close();
    }
  });

  it("closing the client rejects its pending transactions with ERR_CLOSED; use after close too", async () => {
    const silent = await SocketRegistry.default.open(TEST_OWNER, {
      label: "test-silent",
      address: "127.0.0.1",
    });
    const client = await StunClient.open();
    const p = client.binding({ address: "127.0.0.1", port: silent.address().port });
    await client.close();
    expect((await rejection(p)).code).toBe("ERR_CLOSED");
    expect((await rejection(client.binding({ address: "127.0.0.1", port: 1 }))).code).toBe("ERR_CLOSED");
    await client.close();
    await silent.close();
  });
});
