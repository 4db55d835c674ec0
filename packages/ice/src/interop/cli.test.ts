import { existsSync } from "node:fs";
import { CLI, startCli } from "@purertc/interop/json-child";
import { describe, expect, it } from "vitest";
import { IceAgent, serializeCandidate } from "../index.js";

describe("purertc ice (two processes)", () => {
  it("the CLI is built", () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
  });

  it("two CLI agents in two processes connect and echo a datagram; both exit 0 on SIGTERM", {
    timeout: 90_000,
  }, async () => {
    const a = startCli(["ice", "--controlling", "--loopback", "--send", "hello from a", "--json"]);
    const b = startCli(["ice", "--controlled", "--loopback", "--json"]);
    try {
      const [la, lb] = await Promise.all([a.waitFor("local"), b.waitFor("local")]);
      expect(la.ufrag).toMatch(/^[A-Za-z0-9+/]{4,}$/);
      expect((la.candidates as string[])[0]).toMatch(/^candidate:\d+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host$/);
      a.send(lb);
      b.send(la);
      const [ca, cb] = await Promise.all([a.waitFor("connected"), b.waitFor("connected")]);
      expect(ca.local).toBe(cb.remote);
      expect(ca.remote).toBe(cb.local);
      expect(typeof ca.ms).toBe("number");
      expect((await b.waitFor("data")).text).toBe("hello from a");
      expect((await a.waitFor("data")).text).toBe("hello from a"); // b's echo
    } finally {
      const codes = await Promise.all([a.stop(), b.stop()]);
      expect(codes).toEqual([0, 0]);
    }
  });

  it("takes trickled candidates and end-of-candidates after the local line", {
    timeout: 90_000,
  }, async () => {
    const cli = startCli(["ice", "--controlled", "--loopback", "--json"]);
    const agent = new IceAgent({ role: "controlling", loopback: "only", ipv6: false });
    try {
      const local = await cli.waitFor("local");
      await agent.gather();
      cli.send({ event: "local", ...agent.localCredentials, candidates: [] });
      for (const c of agent.localCandidates)
        cli.send({ event: "candidate", candidate: serializeCandidate(c) });
      cli.send({ event: "end-of-candidates" });
      agent.setRemoteCredentials({ ufrag: local.ufrag as string, pwd: local.pwd as string });
      for (const c of local.candidates as string[]) agent.addRemoteCandidate(c);
      await agent.connect();
      await cli.waitFor("connected");
      const echoed = new Promise<string>((resolve) => {
        agent.onDatagram = (d) => resolve(new TextDecoder().decode(d));
      });
      agent.send(new TextEncoder().encode("echo me"));
      expect(await echoed).toBe("echo me");
      expect((await cli.waitFor("data")).text).toBe("echo me");
    } finally {
      await agent.close();
      expect(await cli.stop()).toBe(0);
    }
  });

  it("rejects a wrong command line with a usage error (exit 1)", { timeout: 90_000 }, async () => {
    const cli = startCli(["ice", "--json"]);
    expect(await cli.exited).toBe(1);
    expect(cli.events[0]).toMatchObject({ event: "error" });
    expect(cli.stderr()).toContain("usage: purertc ice");
  });

  it("exits 0 on SIGTERM while waiting for the peer", { timeout: 90_000 }, async () => {
    const cli = startCli(["ice", "--controlling", "--loopback", "--json"]);
    await cli.waitFor("local");
    expect(await cli.stop()).toBe(0);
  });
});
