import { requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { startCli } from "@purertc/interop/json-child";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { type CandidateErrorEvent, IceAgent, parseCandidate, serializeCandidate } from "../index.js";
import { nextDatagram, signal, text, untext } from "../test/pair.test-helper.js";

const peer = requireCoturn(); // throws under CI=true when coturn is missing

describe.skipIf(!peer.available)(`server-reflexive gathering against coturn ${peer.reason}`, () => {
  it("gathers a srflx candidate from coturn's XOR-MAPPED-ADDRESS, with its base as raddr/rport", {
    timeout: 90_000,
  }, async () => {
    await using coturn = await startCoturn({ mode: "stun" });
    await withLeakCheck(async () => {
      const agent = new IceAgent({
        loopback: "only",
        ipv6: false,
        stunServers: [coturn.address],
        // On loopback the mapped address equals the base: keep it (RFC 8445 §5.1.3 would drop it).
        keepRedundantCandidates: true,
      });
      const errors: CandidateErrorEvent[] = [];
      agent.on("candidateerror", (e) => errors.push(e));
      await agent.gather();
      const host = agent.localCandidates.find((c) => c.type === "host")!;
      const srflx = agent.localCandidates.find((c) => c.type === "srflx");
      expect(errors).toEqual([]);
      expect(srflx).toMatchObject({
        address: "127.0.0.1",
        port: host.port,
        relatedAddress: host.address,
        relatedPort: host.port,
        component: 1,
      });
      expect(srflx!.priority).toBeLessThan(host.priority);
      expect(srflx!.foundation).not.toBe(host.foundation);
      expect(parseCandidate(serializeCandidate(srflx!))).toEqual(srflx);
      expect(serializeCandidate(srflx!)).toMatch(/ typ srflx raddr 127\.0\.0\.1 rport \d+$/);
      await agent.close();
    });
  });

  it("drops the redundant srflx by default and still connects two agents that used coturn", {
    timeout: 90_000,
  }, async () => {
    await using coturn = await startCoturn({ mode: "stun" });
    await withLeakCheck(async () => {
      const a = new IceAgent({
        role: "controlling",
        loopback: "only",
        ipv6: false,
        stunServers: [coturn.address],
      });
      const b = new IceAgent({
        role: "controlled",
        loopback: "only",
        ipv6: false,
        stunServers: [`stun:${coturn.address}`],
      });
      const errors: CandidateErrorEvent[] = [];
      a.on("candidateerror", (e) => errors.push(e));
      await Promise.all([a.gather(), b.gather()]);
      expect(errors).toEqual([]); // coturn answered; the srflx equal to its base was dropped
      expect(a.localCandidates.map((c) => c.type)).toEqual(["host"]);
      signal(a, b);
      await Promise.all([a.connect(), b.connect()]);
      const got = nextDatagram(b);
      a.send(text("via host"));
      expect(untext(await got)).toBe("via host");
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("reports a STUN server that does not answer as candidateerror 701 and completes gathering", {
    timeout: 90_000,
  }, async () => {
    await withLeakCheck(async () => {
      const agent = new IceAgent({
        loopback: "only",
        ipv6: false,
        stunServers: ["127.0.0.1:9"], // discard port: nobody answers
        serverRetransmit: { rto: 20, maxRto: 40, attempts: 2 },
      });
      const errors: CandidateErrorEvent[] = [];
      agent.on("candidateerror", (e) => errors.push(e));
      await agent.gather();
      expect(agent.gatheringState).toBe("complete");
      expect(errors).toMatchObject([{ url: "stun:127.0.0.1:9", errorCode: 701 }]);
      await agent.close();
    });
  });

  it("purertc ice --stun gets coturn's answer while gathering (no 701 candidate error) before its local line", {
    timeout: 90_000,
  }, async () => {
    await using coturn = await startCoturn({ mode: "stun" });
    const cli = startCli(["ice", "--controlling", "--loopback", "--stun", coturn.address, "--json"]);
    try {
      const local = await cli.waitFor("local");
      expect((local.candidates as string[]).length).toBeGreaterThanOrEqual(1);
      expect(cli.stderr()).not.toContain("701");
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });
});
