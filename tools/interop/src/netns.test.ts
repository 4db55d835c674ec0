import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createLoopbackNetns, createVethPair, IP_PATH, netnsAvailable } from "./netns.js";

const { available, reason } = netnsAvailable();
const listed = () => spawnSync(IP_PATH, ["netns", "list"], { encoding: "utf8" }).stdout;

describe.skipIf(!available)(`network namespaces${available ? "" : ` (${reason})`}`, () => {
  it("a loopback namespace has lo up with a multicast route, and is gone after close", async () => {
    const ns = await createLoopbackNetns({ prefix: "nstest" });
    try {
      expect(ns.name).toMatch(new RegExp(`^nstest-${process.pid}-\\d+$`));
      expect(listed()).toContain(ns.name);
      expect(ns.run("ip", ["link", "show", "lo"])).toMatch(/MULTICAST.*UP/);
      expect(ns.run("ip", ["route", "show", "table", "main"])).toContain("224.0.0.0/4 dev lo");
      // Nothing but lo inside.
      expect(ns.run("ip", ["-o", "link"]).trim().split("\n")).toHaveLength(1);
    } finally {
      await ns.close();
      await ns.close();
    }
    expect(listed()).not.toContain(ns.name);
  });

  it("a veth pair joins two namespaces with 198.18.0.1/.2 and default routes; UDP crosses it", async () => {
    await using lan = await createVethPair({ prefix: "nstest", ipv6: true });
    expect(lan.a.run("ip", ["-o", "addr", "show", "lan0"])).toContain("198.18.0.1/24");
    expect(lan.b.run("ip", ["-o", "addr", "show", "lan0"])).toContain("fd00:198:18::2/64");
    expect(lan.a.run("ip", ["route"])).toContain("default via 198.18.0.2");
    // A datagram from b reaches a listener in a (real UDP across the link).
    const listener = lan.a.spawn(process.execPath, [
      "-e",
      `const s=require("dgram").createSocket("udp4");s.on("message",(m)=>{console.log(String(m));s.close()});
       s.bind(40000,"198.18.0.1",()=>console.log("bound"));`,
    ]);
    const out: string[] = [];
    listener.stdout?.setEncoding("utf8").on("data", (d: string) => out.push(d));
    try {
      for (let i = 0; i < 200 && !out.join("").includes("bound"); i++)
        await new Promise((r) => setTimeout(r, 10));
      lan.b.run(process.execPath, [
        "-e",
        `const s=require("dgram").createSocket("udp4");s.send("over-veth",40000,"198.18.0.1",()=>s.close());`,
      ]);
      const code = await new Promise((r) => listener.once("exit", r));
      expect(code).toBe(0);
      expect(out.join("")).toContain("over-veth");
    } finally {
      if (listener.exitCode === null && listener.pid) process.kill(listener.pid, "SIGKILL");
    }
    await lan.close();
    expect(listed()).not.toContain(lan.a.name);
    expect(listed()).not.toContain(lan.b.name);
  });
});
