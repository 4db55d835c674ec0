import { readFileSync } from "node:fs";
import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import {
  decodeMessage,
  StunClass,
  StunKey,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
} from "@purertc/stun";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";

const loopback = { loopback: "only", ipv6: false } as const;

async function agentAndProbe(): Promise<{ agent: IceAgent; probe: ManagedSocket; port: number }> {
  const agent = new IceAgent({ role: "controlled", ...loopback });
  await agent.gather();
  // The agent object owns the probe socket too (the registry holds owners weakly).
  const probe = await SocketRegistry.default.open(agent, { label: "probe", address: "127.0.0.1" });
  return { agent, probe, port: agent.localCandidates[0]!.port };
}

function exchange(
  probe: ManagedSocket,
  port: number,
  bytes: Uint8Array,
  waitMs = 300,
): Promise<StunMessage | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      probe.off("message", on);
      resolve(undefined);
    }, waitMs);
    const on = (data: Buffer) => {
      clearTimeout(timer);
      probe.off("message", on);
      resolve(decodeMessage(new Uint8Array(data)));
    };
    probe.on("message", on);
    probe.send(bytes, port, "127.0.0.1");
  });
}

function check(
  username: string | undefined,
  key: StunKey | undefined,
  extra?: (b: StunMessageBuilder) => void,
) {
  const b = new StunMessageBuilder(StunMethod.Binding, StunClass.Request);
  if (username !== undefined) b.username(username);
  b.priority(1853817087).iceControlling(5n);
  extra?.(b);
  return b.encode(key ? { integrity: key, fingerprint: true } : { fingerprint: true });
}

describe("unauthenticated STUN gets no state and only 400/401", () => {
  it("answers 400 without MESSAGE-INTEGRITY, 401 for an unknown ufrag or a bad key, nothing for a bad FINGERPRINT", async () => {
    await withLeakCheck(async () => {
      const { agent, probe, port } = await agentAndProbe();
      const { ufrag, pwd } = agent.localCredentials;
      const good = StunKey.shortTerm(pwd);
      const wrong = StunKey.shortTerm("not-the-password-at-all");

      const noIntegrity = await exchange(probe, port, check(`${ufrag}:peer`, undefined));
      expect(noIntegrity?.messageClass).toBe(StunClass.ErrorResponse);
      expect(noIntegrity?.errorCode?.code).toBe(400);
      expect(noIntegrity?.hasIntegrity).toBe(false);

      const noUsername = await exchange(probe, port, check(undefined, good));
      expect(noUsername?.errorCode?.code).toBe(400);

      const unknownUfrag = await exchange(probe, port, check("someone:peer", good));
      expect(unknownUfrag?.errorCode?.code).toBe(401);
      expect(unknownUfrag?.hasIntegrity).toBe(false);

      const badKey = await exchange(probe, port, check(`${ufrag}:peer`, wrong));
      expect(badKey?.errorCode?.code).toBe(401);

      const corrupted = check(`${ufrag}:peer`, good);
      corrupted[corrupted.length - 1]! ^= 0xff; // FINGERPRINT no longer matches
      expect(await exchange(probe, port, corrupted, 150)).toBeUndefined();

      // None of that left any state behind.
      expect(agent.remoteCandidates).toEqual([]);
      expect(agent.getStats().pairs).toEqual([]);
      expect(agent.getStats().dropped).toBeGreaterThanOrEqual(5);

      // A valid check is answered with XOR-MAPPED-ADDRESS and our MESSAGE-INTEGRITY,
      // even with a comprehension-optional attribute we do not know (GOOG-NETWORK-INFO).
      const valid = await exchange(
        probe,
        port,
        check(`${ufrag}:peer`, good, (b) => b.attribute(0xc057, new Uint8Array([0, 1, 0, 10]))),
      );
      expect(valid?.messageClass).toBe(StunClass.SuccessResponse);
      expect(valid?.xorMappedAddress).toEqual({
        family: "IPv4",
        address: "127.0.0.1",
        port: probe.address().port,
      });
      expect(valid?.checkIntegrity(good)).toBe(true);
      expect(valid?.checkFingerprint()).toBe(true);
      expect(agent.remoteCandidates).toHaveLength(1);
      expect(agent.remoteCandidates[0]?.type).toBe("prflx");

      await agent.close();
      await probe.close();
    });
  });

  it("answers Chromium's real check (ufrag not ours) with 401 and keeps nothing", async () => {
    await withLeakCheck(async () => {
      const { agent, probe, port } = await agentAndProbe();
      const hex = readFileSync(
        new URL("../../../test-vectors/ice/chromium-156-binding-request.hex", import.meta.url),
        "utf8",
      );
      const bytes = Uint8Array.from(Buffer.from(hex.trim(), "hex"));
      const answer = await exchange(probe, port, bytes);
      expect(answer?.errorCode?.code).toBe(401);
      expect(agent.remoteCandidates).toEqual([]);
      await agent.close();
      await probe.close();
    });
  });

  it("a flood of bad checks and garbage leaves memory flat and creates no state", async () => {
    await withLeakCheck(async () => {
      const { agent, probe, port } = await agentAndProbe();
      const { ufrag } = agent.localCredentials;
      const wrong = StunKey.shortTerm("not-the-password-at-all");
      let answers = 0;
      probe.on("message", () => answers++);
      const send = async (rounds: number) => {
        for (let round = 0; round < rounds; round++) {
          for (let i = 0; i < 200; i++) {
            const kind = i % 4;
            const bytes =
              kind === 0
                ? check(`${ufrag}:p${round}x${i}`, wrong)
                : kind === 1
                  ? check(`u${round}x${i}:peer`, wrong)
                  : kind === 2
                    ? check(`${ufrag}:q${i}`, undefined)
                    : Uint8Array.from({ length: 40 + (i % 60) }, (_, j) => (j * 31 + i) & 0xff);
            probe.send(bytes, port, "127.0.0.1");
          }
          await new Promise((r) => setTimeout(r, 2)); // let the agent drain its socket
        }
      };
      await send(10); // warm-up
      await forceGc();
      const before = process.memoryUsage().heapUsed;
      await send(100); // 20,000 datagrams
      await new Promise((r) => setTimeout(r, 100));
      await forceGc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(grown).toBeLessThan(4 * 1024 * 1024);
      expect(answers).toBeGreaterThan(1000);
      expect(agent.remoteCandidates).toEqual([]);
      expect(agent.getStats().pairs).toEqual([]);
      expect(agent.getStats().dropped).toBeGreaterThan(1000);
      await agent.close();
      await probe.close();
    });
  });

  it("mutated valid checks (fast-check: bit flips, truncation, splices) never create state or crash", async () => {
    await withLeakCheck(async () => {
      const { agent, probe, port } = await agentAndProbe();
      const { ufrag, pwd } = agent.localCredentials;
      const template = check(`${ufrag}:peer`, StunKey.shortTerm(pwd));
      const mutation = fc.oneof(
        fc.tuple(fc.constant("flip" as const), fc.nat({ max: template.length * 8 - 1 }), fc.nat({ max: 7 })),
        fc.tuple(fc.constant("cut" as const), fc.nat({ max: template.length - 1 }), fc.constant(0)),
        fc.tuple(fc.constant("byte" as const), fc.nat({ max: template.length - 1 }), fc.nat({ max: 255 })),
      );
      const samples = fc.sample(mutation, { numRuns: 600, seed: 42 });
      let sent = 0;
      for (const [kind, at, value] of samples) {
        let bytes = Uint8Array.from(template);
        const byteAt = kind === "flip" ? at >> 3 : at;
        if (kind === "flip") bytes[byteAt]! ^= 1 << (at & 7);
        else if (kind === "cut") bytes = bytes.subarray(0, at);
        else if (bytes[at] !== value) bytes[at] = value;
        else continue; // unchanged: still valid
        if (kind !== "cut") {
          // A mutation that leaves the check authentic is no attack: a
          // FINGERPRINT whose type changed becomes an unknown attribute after
          // MESSAGE-INTEGRITY, which RFC 8489 §14.5 ignores.
          if (byteAt >= template.length - 8 && byteAt < template.length - 6) continue;
        }
        probe.send(bytes, port, "127.0.0.1");
        if (++sent % 100 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(sent).toBeGreaterThan(400);
      expect(agent.remoteCandidates).toEqual([]);
      expect(agent.getStats().pairs).toEqual([]);
      // Still alive: the untouched check is answered and learned.
      const ok = await exchange(probe, port, check(`${ufrag}:peer`, StunKey.shortTerm(pwd)));
      expect(ok?.messageClass).toBe(StunClass.SuccessResponse);
      expect(agent.remoteCandidates).toHaveLength(1);
      await agent.close();
      await probe.close();
    });
  });
});
