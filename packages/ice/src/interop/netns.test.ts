import { startCli } from "@purertc/interop/json-child";
import { createLoopbackNetns, createVethPair, IP_PATH, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";

const ns = netnsAvailable(); // throws under CI=true when namespaces cannot be made

async function pairUp(a: ReturnType<typeof startCli>, b: ReturnType<typeof startCli>) {
  const [la, lb] = await Promise.all([a.waitFor("local"), b.waitFor("local")]);
  a.send(lb);
  b.send(la);
  const [ca, cb] = await Promise.all([a.waitFor("connected"), b.waitFor("connected")]);
  return { la, lb, ca, cb };
}

describe.skipIf(!ns.available)(`purertc ice in network namespaces ${ns.reason}`, () => {
  it("--mdns: two processes publish <uuid>.local host candidates over real multicast, resolve each other and connect", {
    timeout: 90_000,
  }, async () => {
    await using netns = await createLoopbackNetns({ prefix: "ice-mdns" });
    const prefix = [IP_PATH, ...netns.execPrefix];
    const a = startCli(
      ["ice", "--controlling", "--loopback", "--mdns", "--send", "hi over mdns", "--json"],
      process.env,
      prefix,
    );
    const b = startCli(["ice", "--controlled", "--loopback", "--mdns", "--json"], process.env, prefix);
    try {
      const { la, lb, ca } = await pairUp(a, b);
      for (const c of [...(la.candidates as string[]), ...(lb.candidates as string[])]) {
        expect(c).toMatch(/^candidate:\d+ 1 udp \d+ [0-9a-f-]{36}\.local \d+ typ host$/);
      }
      expect(String(ca.remote)).toMatch(/^(127\.0\.0\.1:\d+|\[::1\]:\d+)$/);
      expect((await b.waitFor("data")).text).toBe("hi over mdns");
      expect((await a.waitFor("data")).text).toBe("hi over mdns");
    } finally {
      expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    }
  });

  it("default gathering uses the real interface (no loopback) across a veth pair", {
    timeout: 90_000,
  }, async () => {
    await using veth = await createVethPair({ prefix: "ice-veth" });
    const a = startCli(["ice", "--controlling", "--send", "over veth", "--json"], process.env, [
      IP_PATH,
      ...veth.a.execPrefix,
    ]);
    const b = startCli(["ice", "--controlled", "--json"], process.env, [IP_PATH, ...veth.b.execPrefix]);
    try {
      const { la, lb, ca, cb } = await pairUp(a, b);
      expect(la.candidates).toEqual([expect.stringMatching(/ 198\.18\.0\.1 \d+ typ host$/)]);
      expect(lb.candidates).toEqual([expect.stringMatching(/ 198\.18\.0\.2 \d+ typ host$/)]);
      expect(String(ca.local)).toMatch(/^198\.18\.0\.1:/);
      expect(String(cb.local)).toMatch(/^198\.18\.0\.2:/);
      expect((await b.waitFor("data")).text).toBe("over veth");
    } finally {
      expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    }
  });
});
