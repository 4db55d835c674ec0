import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FanOut } from "./fanout.js";
import type { AccessUnit } from "./h264-source.js";

const unit = (n: number, keyframe: boolean): AccessUnit => ({
  data: new Uint8Array(100),
  timestamp: n * 3000,
  keyframe,
});
/** n access units with a key frame every `gop`, numbered from `from`. */
const stream = (from: number, n: number, gop: number) =>
  Array.from({ length: n }, (_, i) => unit(from + i, (from + i) % gop === 0));
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("FanOut", () => {
  it("a late viewer starts on the cached GOP; one joining before any key frame waits for one", async () => {
    const fan = new FanOut();
    const early: number[] = [];
    fan.addViewer((u) => void early.push(u.timestamp / 3000));
    for (const u of stream(1, 13, 10)) fan.push(u); // 1..13, key frame at 10
    const late: number[] = [];
    fan.addViewer((u) => void late.push(u.timestamp / 3000));
    fan.push(unit(14, false));
    await turn();
    expect(early).toEqual([10, 11, 12, 13, 14]);
    expect(late).toEqual([10, 11, 12, 13, 14]);
    expect(fan.cachedUnits).toBe(5);
    fan.reset();
    const afterReset: number[] = [];
    fan.addViewer((u) => void afterReset.push(u.timestamp / 3000));
    fan.push(unit(15, false));
    fan.push(unit(20, true));
    await turn();
    expect(afterReset).toEqual([20]);
    fan.close();
    expect(fan.viewerCount).toBe(0);
  });

  it("a late viewer's sink sees its backlog: the cached GOP counts down to 0, live units come with 0", async () => {
    const fan = new FanOut();
    for (const u of stream(0, 5, 10)) fan.push(u); // key frame at 0, GOP of 5
    const seen: Array<[number, number]> = [];
    fan.addViewer((u, queued) => void seen.push([u.timestamp / 3000, queued]));
    await turn();
    fan.push(unit(5, false));
    await turn();
    expect(seen).toEqual([
      [0, 4],
      [1, 3],
      [2, 2],
      [3, 1],
      [4, 0],
      [5, 0],
    ]);
    fan.close();
  });

  it("a late viewer catching up on a full cached GOP does not overflow on the live units that arrive meanwhile", async () => {
    const fan = new FanOut({ maxQueue: 10 });
    for (const u of stream(0, 10, 10)) fan.push(u); // a GOP as long as the queue
    const got: number[] = [];
    // A sink that takes two turns a unit, as a paced one may: five live units arrive while the GOP drains,
    // more than the queue's room beside the GOP (the backlog has room of its own).
    const viewer = fan.addViewer(async (u) => {
      got.push(u.timestamp / 3000);
      await turn();
      await turn();
    });
    for (const u of stream(10, 5, 100)) {
      fan.push(u);
      await turn();
    }
    for (let i = 0; i < 100 && viewer.stats.delivered < 15; i++) await turn();
    expect(got).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(viewer.stats).toMatchObject({ dropped: 0, overflows: 0, delivered: 15 });
    fan.close();
  });

  it("a slow viewer overflows alone: it skips to the next key frame, counted; the fast one gets everything", async () => {
    const fan = new FanOut({ maxQueue: 5 });
    const fast: number[] = [];
    fan.addViewer((u) => void fast.push(u.timestamp / 3000));
    let release: () => void = () => {};
    const slow: number[] = [];
    const slowViewer = fan.addViewer(async (u) => {
      slow.push(u.timestamp / 3000);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    // Key frames at 0 and 10; a turn between units, as a camera's 33 ms would give.
    for (const u of stream(0, 20, 10)) {
      fan.push(u);
      await turn();
    }
    expect(fast).toHaveLength(20);
    // The slow sink holds unit 0; 1..5 queue up, 6 overflows (6..9 dropped: waiting for a key frame);
    // 10..14 queue up, 15 overflows again (15..19 dropped).
    expect(slow).toEqual([0]);
    expect(slowViewer.stats).toMatchObject({ overflows: 2, dropped: 19, delivered: 0 });
    expect(slowViewer.queued).toBe(0);
    release();
    await turn();
    fan.push(unit(20, true));
    await turn();
    expect(slow).toEqual([0, 20]);
    release();
    await turn();
    expect(slowViewer.stats).toMatchObject({ overflows: 2, dropped: 19, delivered: 2 });
    expect(fast).toHaveLength(21);
    slowViewer.close();
    release();
    fan.close();
  });

  it("a throwing sink is counted and the viewer goes on", async () => {
    const fan = new FanOut();
    const viewer = fan.addViewer((u) => {
      if (u.timestamp === 3000) throw new Error("boom");
    });
    for (const u of stream(0, 3, 10)) fan.push(u);
    await turn();
    expect(viewer.stats).toEqual({ delivered: 3, dropped: 0, overflows: 0, sinkErrors: 1 });
    fan.close();
  });

  it("property: every viewer's stream starts on a key frame, resumes only on key frames, and accounts for every unit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }),
        fc.array(fc.record({ join: fc.nat(200), slowEvery: fc.integer({ min: 0, max: 5 }) }), {
          maxLength: 5,
        }),
        fc.integer({ min: 1, max: 20 }),
        async (keys, viewers, maxQueue) => {
          const fan = new FanOut({ maxQueue });
          const units = keys.map((k, i) => unit(i, k));
          const seen = viewers.map(() => [] as AccessUnit[]);
          const made: Array<{ offered: number; v: ReturnType<FanOut["addViewer"]> }> = [];
          for (const [i, u] of units.entries()) {
            for (const [j, spec] of viewers.entries()) {
              if (spec.join !== i) continue;
              let n = 0;
              const v = fan.addViewer(async (got) => {
                seen[j]!.push(got);
                if (spec.slowEvery > 0 && ++n % spec.slowEvery === 0) await turn();
              });
              // The replayed GOP, then every unit from this one on.
              made.push({ offered: fan.cachedUnits + units.length - i, v });
            }
            fan.push(u);
          }
          for (let i = 0; i < 300 && made.some(({ v }) => v.queued > 0); i++) await turn();
          await turn();
          for (const got of seen) {
            if (got.length > 0) expect(got[0]!.keyframe).toBe(true);
            for (let i = 1; i < got.length; i++) {
              const step = got[i]!.timestamp - got[i - 1]!.timestamp;
              expect(step).toBeGreaterThan(0);
              if (step !== 3000) expect(got[i]!.keyframe).toBe(true);
            }
          }
          for (const { offered, v } of made) {
            expect(v.queued).toBe(0);
            expect(v.stats.delivered + v.stats.dropped).toBe(offered);
          }
          fan.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
