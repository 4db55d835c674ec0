import { describe, expect, it } from "vitest";
import { Closer } from "./closer.js";
import { randomBytesPooled } from "./random.js";
import { withLeakCheck } from "./testing/index.js";

const gc = (globalThis as { gc?: () => void }).gc;

describe("Closer", () => {
  it("closes its children once, in the order added, and is idempotent", () => {
    const root = new Closer();
    const order: string[] = [];
    root.add(() => order.push("a"));
    root.add({ close: () => order.push("b") });
    const child = new Closer(root);
    child.add(() => order.push("child"));
    expect(root.closed).toBe(false);
    root.close();
    root.close();
    child.close();
    expect(order).toEqual(["a", "b", "child"]);
    expect(root.closed && child.closed).toBe(true);
  });

  it("a child added to a closed Closer is closed at once; a child of a closed parent is born closed", () => {
    const root = new Closer();
    root.close();
    let closed = 0;
    root.add(() => closed++);
    expect(closed).toBe(1);
    expect(new Closer(root).closed).toBe(true);
  });

  it("a child closed first leaves its parent; delete() removes a function", () => {
    const root = new Closer();
    let ran = 0;
    const fn = () => ran++;
    root.add(fn);
    expect(root.delete(fn)).toBe(true);
    expect(root.delete(fn)).toBe(false);
    // Many short-lived children of one long-lived root leave nothing behind.
    for (let i = 0; i < 1000; i++) new Closer(root).close();
    expect((root as unknown as { children: Set<unknown> }).children.size).toBe(0);
    root.close();
    expect(ran).toBe(0);
  });

  it("a throwing child does not stop the others; the first error is rethrown", () => {
    const root = new Closer();
    const seen: number[] = [];
    root.add(() => {
      throw new Error("one");
    });
    root.add(() => seen.push(2));
    root.add(() => {
      throw new Error("three");
    });
    expect(() => root.close()).toThrow("one");
    expect(seen).toEqual([2]);
    expect(root.closed).toBe(true);
  });

  it("the signal is made on first use and aborts on close, with the reason given", () => {
    const reason = new Error("closed");
    const root = new Closer(undefined, () => reason);
    const signal = root.signal;
    expect(root.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    root.close();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    const late = new Closer();
    late.close();
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBeInstanceOf(DOMException);
  });

  it("timers fire once, leave the Closer when they fire or are cancelled, and stop on close", async () => {
    await withLeakCheck(async () => {
      const root = new Closer();
      let fired = 0;
      root.timer(() => fired++, 5);
      const cancel = root.timer(() => fired++, 5);
      cancel();
      cancel();
      await new Promise((r) => setTimeout(r, 30));
      expect(fired).toBe(1);
      expect((root as unknown as { children: Set<unknown> }).children.size).toBe(0);
      root.timer(() => fired++, 10_000);
      root.close();
      expect(fired).toBe(1);
      expect(root.timer(() => fired++, 1)).toBeTypeOf("function");
      await new Promise((r) => setTimeout(r, 10));
      expect(fired).toBe(1);
    });
  });

  it("a closed child is collectable: the parent keeps nothing of it", async () => {
    const root = new Closer();
    // Made in a function of its own, so no local of this test keeps it.
    const closedChild = () => {
      const child = new Closer(root);
      child.add(() => {});
      child.close();
      return new WeakRef(child);
    };
    const ref = closedChild();
    // deref() keeps the target to the end of the job: collect in a later one.
    let alive = true;
    for (let i = 0; i < 5 && alive; i++) {
      await new Promise((r) => setImmediate(r));
      gc?.();
      alive = ref.deref() !== undefined;
    }
    expect(alive).toBe(false);
    root.close();
  });
});

describe("randomBytesPooled", () => {
  it("hands out fresh bytes of the length asked, across pool refills and above the pooled size", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const b = randomBytesPooled(16);
      expect(b.length).toBe(16);
      seen.add(b.toString("hex"));
    }
    // 600 draws of 128 bits: any repeat would mean bytes handed out twice.
    expect(seen.size).toBe(600);
    expect(randomBytesPooled(0).length).toBe(0);
    const big = randomBytesPooled(5000);
    expect(big.length).toBe(5000);
    expect(big.some((x) => x !== 0)).toBe(true);
    expect(() => randomBytesPooled(-1)).toThrow(RangeError);
    expect(() => randomBytesPooled(1.5)).toThrow(RangeError);
  });

  it("a returned buffer is a copy: changing it does not change later draws", () => {
    const a = randomBytesPooled(32);
    a.fill(0);
    const b = randomBytesPooled(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
  });
});
