import { describe, expect, it } from "vitest";
import { whenAborted } from "./signals.js";
import { withLeakCheck } from "./testing/index.js";
import { childController, setRepeatingTimer, setTimer, sleep } from "./timers.js";

describe("signal-bound timers", () => {
  it("setTimer fires once; abort before firing clears it", async () => {
    await withLeakCheck(async () => {
      const root = new AbortController();
      let fired = 0;
      setTimer(() => fired++, 5, root.signal);
      await sleep(30, root.signal);
      expect(fired).toBe(1);
      setTimer(() => fired++, 10_000, root.signal);
      root.abort();
      expect(fired).toBe(1);
    });
  });

  it("cancel clears a timer and its abort listener; a repeating timer stops on abort", async () => {
    await withLeakCheck(async () => {
      const root = new AbortController();
      const cancel = setTimer(() => {}, 10_000, root.signal);
      cancel();
      cancel();
      let ticks = 0;
      setRepeatingTimer(() => ticks++, 2, root.signal);
      await new Promise((r) => setTimeout(r, 30));
      root.abort();
      const seen = ticks;
      await new Promise((r) => setTimeout(r, 20));
      expect(seen).toBeGreaterThan(0);
      expect(ticks).toBe(seen);
    });
  });

  it("sleep rejects with the abort reason and leaves no timer", async () => {
    await withLeakCheck(async () => {
      const root = new AbortController();
      const pending = sleep(10_000, root.signal);
      root.abort(new Error("closed"));
      await expect(pending).rejects.toThrow("closed");
      await expect(sleep(1, root.signal)).rejects.toThrow("closed");
    });
  });

  it("childController follows its parent and unlinks itself when aborted first", () => {
    const parent = new AbortController();
    const a = childController(parent.signal);
    const b = childController(parent.signal);
    b.abort();
    parent.abort(new Error("parent closed"));
    expect(a.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).message).toBe("parent closed");
    expect(childController(parent.signal).signal.aborted).toBe(true);
  });

  it("the leak check reports a forgotten timer with the stack that made it", async () => {
    let handle: NodeJS.Timeout | undefined;
    const error = await withLeakCheck(
      async () => {
        handle = setTimeout(() => {}, 60_000);
      },
      { timeoutMs: 50 },
    ).catch((e: unknown) => e as Error);
    clearTimeout(handle);
    expect((error as Error).message).toMatch(/Timeout still pending, created at[\s\S]*timers\.test\.ts/);
  });
});

describe("whenAborted", () => {
  it("calls back once on abort, at once if already aborted, never after unlink", () => {
    const calls: string[] = [];
    const a = new AbortController();
    whenAborted(a.signal, () => calls.push("a"));
    a.abort();
    a.abort();
    whenAborted(a.signal, () => calls.push("already"));
    const b = new AbortController();
    const unlink = whenAborted(b.signal, () => calls.push("b"));
    unlink();
    b.abort();
    whenAborted(undefined, () => calls.push("none"))();
    expect(calls).toEqual(["a", "already"]);
  });
});
