import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";
import { connectedPair, nextDatagram, signal, text, untext, waitForState } from "./test/pair.test-helper.js";

describe("two agents on loopback", () => {
  it("connect, exchange datagrams both ways, close to baseline", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      expect(a.selectedPair?.local.port).toBe(b.selectedPair?.remote.port);
      expect(b.selectedPair?.local.port).toBe(a.selectedPair?.remote.port);
      const gotB = nextDatagram(b);
      a.send(text("ping"));
      expect(untext(await gotB)).toBe("ping");
      const gotA = nextDatagram(a);
      b.send(text("pong"));
      expect(untext(await gotA)).toBe("pong");
      await a.close();
      await b.close();
      expect(a.state).toBe("closed");
    });
  });
});
