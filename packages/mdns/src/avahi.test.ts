import { existsSync } from "node:fs";
import { avahiAvailable, startAvahi } from "@purertc/interop/avahi";
import { CLI, watchJsonChild as watch } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";
import { generateMdnsName } from "./index.js";
import { defaultMulticastInterface } from "./socket-options.js";

// avahi, a second and independent mDNS implementation, in a namespace with
// only `lo` (multicast on, 224.0.0.0/4 via lo): the setting in which our
// packets used to leave from 0.0.0.0, which avahi drops.
const netns = netnsAvailable();
const avahi = netns.available ? avahiAvailable() : netns;
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);

describe("defaultMulticastInterface", () => {
  const lo = {
    address: "127.0.0.1",
    netmask: "255.0.0.0",
    family: "IPv4",
    mac: "",
    internal: true,
    cidr: null,
  };
  const eth = { ...lo, address: "198.18.0.1", netmask: "255.255.255.0", internal: false };
  it("names the loopback address when it is the only IPv4 address, else leaves the kernel's choice", () => {
    expect(defaultMulticastInterface(4, { lo: [lo] as never })).toBe("127.0.0.1");
    expect(defaultMulticastInterface(4, { lo: [lo], eth0: [eth] } as never)).toBeUndefined();
    expect(defaultMulticastInterface(4, {})).toBeUndefined();
    expect(defaultMulticastInterface(6, { lo: [lo] as never })).toBeUndefined();
  });
});

describe.skipIf(!avahi.available)(
  `avahi in a loopback-only namespace${avahi.available ? "" : ` (${avahi.reason})`}`,
  () => {
    it("avahi-resolve resolves a name `purertc mdns-publish` publishes", async () => {
      await using ns = await createLoopbackNetns({ prefix: "avahi" });
      await using daemon = await startAvahi(ns);
      const name = generateMdnsName();
      const publisher = watch(
        ns.spawn(process.execPath, [CLI, "mdns-publish", name, "198.18.0.7", "--json"]),
      );
      try {
        await publisher.next((e) => e.event === "published");
        const { address, output } = await daemon.resolve(name);
        expect(address, `${output}\n${daemon.log()}`).toBe("198.18.0.7");
      } finally {
        expect(await publisher.stop()).toBe(0);
      }
    });

    it("`purertc mdns-resolve` resolves a name avahi publishes", async () => {
      await using ns = await createLoopbackNetns({ prefix: "avahi" });
      await using daemon = await startAvahi(ns);
      const name = generateMdnsName();
      const unpublish = await daemon.publish(name, "198.18.0.9");
      try {
        const resolver = watch(
          ns.spawn(process.execPath, [CLI, "mdns-resolve", name, "--timeout", "5000", "--json"]),
        );
        expect(await resolver.exit()).toBe(0);
        expect(resolver.events).toEqual([
          { event: "resolved", name, addresses: ["198.18.0.9"], ms: expect.any(Number) },
        ]);
      } finally {
        await unpublish();
      }
    });
  },
);
