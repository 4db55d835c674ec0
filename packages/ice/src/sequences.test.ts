import { withLeakCheck } from "@purertc/socket/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IceAgent, IceError } from "./index.js";

type Op = "gather" | "credentials" | "candidate" | "end" | "start" | "restart" | "send" | "close" | "wait";
const ops: Op[] = ["gather", "credentials", "candidate", "end", "start", "restart", "send", "close", "wait"];

/** Runs one operation on one of the agents; returns a promise for the async ones (not awaited by design). */
function apply(op: Op, self: IceAgent, peer: IceAgent): Promise<unknown> | undefined {
  switch (op) {
    case "gather":
      return self.gather();
    case "credentials":
      self.setRemoteCredentials(peer.localCredentials);
      return;
    case "candidate":
      for (const c of peer.localCandidates) self.addRemoteCandidate(c);
      return;
    case "end":
      self.addRemoteCandidate(null);
      return;
    case "start":
      self.start();
      return;
    case "restart":
      self.restart();
      return;
    case "send":
      self.send(new Uint8Array([0x80, 1, 2, 3]));
      return;
    case "close":
      return self.close();
    case "wait":
      return new Promise((r) => setTimeout(r, 15));
  }
}

describe("any sequence of operations", () => {
  it("never throws anything but IceError, never hangs, and always ends back to baseline (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...ops)), { minLength: 1, maxLength: 14 }),
        async (steps) => {
          await withLeakCheck(async () => {
            const a = new IceAgent({
              role: "controlling",
              loopback: "only",
              ipv6: false,
              nominationTimeoutMs: 50,
            });
            const b = new IceAgent({ role: "controlled", loopback: "only", ipv6: false });
            const pending: Promise<unknown>[] = [];
            for (const [first, op] of steps) {
              const [self, peer] = first ? [a, b] : [b, a];
              try {
                const p = apply(op, self, peer);
                if (p) pending.push(p.catch((e: unknown) => expect(e).toBeInstanceOf(IceError)));
              } catch (error) {
                expect(error).toBeInstanceOf(IceError);
              }
              if (op === "wait") await pending.at(-1);
            }
            await Promise.all([a.close(), b.close()]);
            await Promise.all(pending);
            expect(a.state).toBe("closed");
          });
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
