import { readFileSync } from "node:fs";
import { ROOT } from "@purertc/interop/json-child";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { type MdnsError, MdnsResolver, MdnsResponder } from "./index.js";
import { answersFor, loopback, observe } from "./loopback.test-helper.js";

/** Datagrams captured from Chromium 156 (see test-vectors/mdns/README.md). */
const vector = (file: string) =>
  Buffer.from(readFileSync(`${ROOT}test-vectors/mdns/${file}`, "utf8").trim(), "hex");

describe("Chromium 156 datagrams on the socket path", () => {
  it("its answer (A + NSEC, cache-flush, TTL 120) resolves its name", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const wire = await observe(registry);
        await using resolver = await MdnsResolver.open(loopback(registry));
        const pending = resolver.resolve("10AF620B-0221-41eb-92c8-3076169b1bb1.local", { family: 4 });
        wire.socket.sendRaw(vector("chromium-156-response-a.hex"));
        expect(await pending).toEqual(["198.18.0.1"]);
        expect(resolver.stats.socket.malformed).toBe(0);
        await resolver.close();
        await wire.close();
      },
      { registry },
    );
  });

  it("its query for a remote name is answered by the responder that owns the name", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const wire = await observe(registry);
        await using responder = await MdnsResponder.open(loopback(registry));
        const name = "0d5a5b5e-2f4e-4a55-9c1e-123456789abc.local";
        await responder.publish(name, "198.18.0.2");
        await wire.until((s) => answersFor(s, name).length >= 2); // both announcements
        const before = answersFor(wire.seen, name).length;
        wire.socket.sendRaw(vector("chromium-156-query-a.hex"));
        await wire.until((s) => answersFor(s, name).length > before);
        expect(answersFor(wire.seen, name).at(-1)).toEqual({ type: "A", ttl: 120, data: "198.18.0.2" });
        await responder.close();
        await wire.close();
      },
      { registry },
    );
  });

  it("an unsolicited announcement is not cached (only asked-for names are)", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const wire = await observe(registry);
        await using resolver = await MdnsResolver.open(loopback(registry));
        wire.socket.sendRaw(vector("chromium-156-announcement-a-0.0.0.0.hex"));
        await wire.until((s) => s.some((e) => e.kind === "response"));
        const error = await resolver
          .resolve("7ff80d45-87b4-4632-8d66-ebb3a4cc67b9.local", { timeout: 50 })
          .catch((e: unknown) => e);
        expect((error as MdnsError).code).toBe("ERR_TIMEOUT");
        await resolver.close();
        await wire.close();
      },
      { registry },
    );
  });
});
