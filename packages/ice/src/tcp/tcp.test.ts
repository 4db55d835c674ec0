import net from "node:net";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { StunKey } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { candidateFoundation, IceAgent, type IceAgentOptions } from "../index.js";
import { buildCheck } from "../stun-io.js";
import { nextDatagram, signal, text, untext, waitForState } from "../test/pair.test-helper.js";
import { encodeFrame } from "./framing.js";

const loopback = { loopback: "only", ipv6: false, udp: false } as const;
const server: IceAgentOptions = { ...loopback, tcp: { passive: true } };
const client: IceAgentOptions = { ...loopback, tcp: { active: true } };

/** A passive agent and an active one, gathered and signalled; `activeRole` says who controls. */
async function tcpPair(
  activeRole: "controlling" | "controlled",
  extra: { server?: IceAgentOptions; client?: IceAgentOptions } = {},
): Promise<{ passive: IceAgent; active: IceAgent }> {
  const passiveRole = activeRole === "controlling" ? "controlled" : "controlling";
  const passive = new IceAgent({ ...server, role: passiveRole, ...extra.server });
  const active = new IceAgent({ ...client, role: activeRole, ...extra.client });
  await Promise.all([passive.gather(), active.gather()]);
  signal(passive, active);
  return { passive, active };
}

function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

/** The port of the passive candidate (what a flood test dials). */
function listenerPort(agent: IceAgent): number {
  const c = agent.localCandidates.find((l) => l.tcpType === "passive");
  if (!c) throw new Error("no passive candidate");
  return c.port;
}

describe("ICE over TCP (RFC 6544)", () => {
  it("gathers passive and active TCP host candidates with tcptype and RFC 6544 priorities, no UDP", async () => {
    await withLeakCheck(async () => {
      await using a = new IceAgent({ ...loopback, tcp: { passive: true, active: true } });
      await a.gather();
      const [passive, active] = [
        a.localCandidates.find((c) => c.tcpType === "passive")!,
        a.localCandidates.find((c) => c.tcpType === "active")!,
      ];
      expect(a.localCandidates.map((c) => c.transport)).toEqual(["tcp", "tcp"]);
      expect(passive.port).toBeGreaterThan(0);
      expect(active.port).toBe(9);
      // 2^24·126 + 2^8·(2^13·direction + 8191) + 255: active (6) above passive (4).
      expect(active.priority).toBe(126 * 2 ** 24 + (6 * 8192 + 8191) * 256 + 255);
      expect(passive.priority).toBe(126 * 2 ** 24 + (4 * 8192 + 8191) * 256 + 255);
      // Foundations tell transports apart (RFC 8445 §5.1.1.3).
      expect(passive.foundation).toBe(candidateFoundation("host", "127.0.0.1", "", "tcp"));
      expect(passive.foundation).not.toBe(candidateFoundation("host", "127.0.0.1"));
    });
  });

  for (const role of ["controlling", "controlled"] as const) {
    it(`active (${role}) connects to passive; checks and data go over the framed connection`, async () => {
      await withLeakCheck(async () => {
        const { passive, active } = await tcpPair(role);
        const [pa, pb] = await Promise.all([passive.connect(), active.connect()]);
        expect(pa.local.transport).toBe("tcp");
        expect(pa.local.tcpType).toBe("passive");
        expect(pa.remote.tcpType).toBe("active");
        expect(pa.remote.type).toBe("prflx");
        expect(pb.local.tcpType).toBe("active");
        expect(pb.remote.port).toBe(listenerPort(passive));
        const got = nextDatagram(passive);
        active.send(text("over tcp"));
        expect(untext(await got)).toBe("over tcp");
        const back = nextDatagram(active);
        // A datagram larger than one TCP segment and than the UDP MTU.
        passive.send(new Uint8Array(20_000).fill(7));
        expect((await back).length).toBe(20_000);
        await Promise.all([passive.close(), active.close()]);
      });
    });
  }

  it("a connection that goes away fails the selected pair at once (consent lost), never the process", async () => {
    await withLeakCheck(async () => {
      const { passive, active } = await tcpPair("controlling");
      await Promise.all([passive.connect(), active.connect()]);
      const failed = waitForState(passive, "failed");
      const t0 = performance.now();
      await active.close(); // its connection closes with it
      await failed;
      expect(performance.now() - t0).toBeLessThan(1000);
      await passive.close();
    });
  });

  it("a refused connection fails the pair; the agent fails after end-of-candidates", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ ...client });
      await a.gather();
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      a.setRemoteCredentials({ ufrag: "peer", pwd: "0123456789012345678901" });
      a.addRemoteCandidate(`candidate:1 1 tcp 2105524479 127.0.0.1 ${port} typ host tcptype passive`);
      a.addRemoteCandidate(null);
      await expect(a.connect()).rejects.toMatchObject({ code: "ERR_STATE" });
      expect(a.state).toBe("failed");
      await a.close();
    });
  });

  it("the listener closes connections that send no authenticated check, and bounds pending ones", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({
        ...server,
        role: "controlled",
        tcp: { passive: true, authTimeoutMs: 150, maxPendingConnections: 2 },
      });
      await a.gather();
      const port = listenerPort(a);
      const dial = () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
          s.on("error", () => {});
        });
      const closed = (s: net.Socket) => new Promise<void>((resolve) => s.once("close", () => resolve()));
      // 1. A check with the wrong password: closed at once.
      const wrong = await dial();
      const wrongClosed = closed(wrong);
      const bad = buildCheck({
        username: `${a.localCredentials.ufrag}:peer`,
        priority: 1,
        controlling: true,
        tieBreaker: 1n,
        useCandidate: false,
        key: StunKey.shortTerm("not-the-password-of-the-agent"),
      });
      wrong.write(encodeFrame(bad.bytes));
      await wrongClosed;
      // 2. A lying length (65535 announced, 3 bytes sent) and a silent one: closed after the deadline.
      const liar = await dial();
      liar.write(new Uint8Array([0xff, 0xff, 1, 2, 3]));
      const silent = await dial();
      // 3. A third pending connection is refused at once (bound of 2).
      const third = await dial();
      await closed(third);
      const t0 = performance.now();
      await Promise.all([closed(liar), closed(silent)]);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(a.state).toBe("new");
      // The listener still serves a real peer afterwards.
      const b = new IceAgent({ ...client, role: "controlling" });
      await b.gather();
      signal(a, b);
      await Promise.all([a.connect(), b.connect()]);
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("close releases listener and connections in every state (gathering, checking, connected)", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ ...server });
      const gathering = a.gather();
      await a.close();
      await gathering;
      const { passive, active } = await tcpPair("controlling");
      const connecting = [passive.connect(), active.connect()];
      await waitForState(active, "checking");
      await Promise.all([passive.close(), active.close()]);
      await Promise.allSettled(connecting);
      const pair = await tcpPair("controlled");
      await Promise.all([pair.passive.connect(), pair.active.connect()]);
      await until(() => pair.passive.getStats().pairs.length > 0);
      await Promise.all([pair.passive.close(), pair.active.close(), pair.passive.close()]);
    });
  });

  it("closed TCP agents are garbage-collected", async () => {
    const refs = await (async () => {
      const { passive, active } = await tcpPair("controlling");
      await Promise.all([passive.connect(), active.connect()]);
      await Promise.all([passive.close(), active.close()]);
      return [new WeakRef(passive), new WeakRef(active)];
    })();
    for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) await forceGc();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
  });
});
