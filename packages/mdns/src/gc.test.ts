import { SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { generateMdnsName, MdnsResolver, MdnsResponder } from "./index.js";
import { loopback } from "./loopback.test-helper.js";

describe("garbage collection", () => {
  it("closed responders and resolvers are collected", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const refs = await (async () => {
          const responder = await MdnsResponder.open(loopback(registry));
          const resolver = await MdnsResolver.open(loopback(registry));
          const name = generateMdnsName();
          const pending = resolver.resolve(name);
          await responder.publish(name, "198.18.4.1");
          await pending;
          await responder.close();
          await resolver.close();
          return [new WeakRef(responder), new WeakRef(resolver)];
        })();
        for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) await forceGc();
        expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
      },
      { registry },
    );
  });

  it("a responder forgotten without close is collected, and the registry closes and reports its socket", async () => {
    const registry = new SocketRegistry();
    const leaks: string[] = [];
    registry.on("leak", (report) => leaks.push(report.label));
    const onWarning = () => {};
    process.on("warning", onWarning); // the registry's leak warning is expected here
    try {
      const ref = await (async () => {
        const responder = await MdnsResponder.open(loopback(registry));
        await responder.publish(generateMdnsName(), "198.18.4.2");
        return new WeakRef(responder);
      })();
      // The second announcement (a timer) holds it for a second; then nothing may.
      await new Promise((r) => setTimeout(r, 1200));
      for (let i = 0; i < 40 && registry.size > 0; i++) await forceGc();
      expect(ref.deref()).toBeUndefined();
      expect(registry.size).toBe(0);
      expect(leaks).toEqual([expect.stringMatching(/^mdns 127\.0\.0\.1:/)]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
