import { describe, expect, it } from "vitest";
import { ChannelTable, peerKey } from "./channels.js";
import { PermissionTable } from "./permissions.js";

describe("PermissionTable", () => {
  it("creates pending permissions due now, installs them, schedules refreshes 4 min apart", () => {
    const table = new PermissionTable();
    const { permission, created } = table.ensure("127.0.0.1");
    expect(created).toBe(true);
    expect(table.ensure("127.0.0.1").created).toBe(false);
    permission.queue.push({ data: new Uint8Array([1]), port: 9 });
    expect(table.due(0)).toEqual([permission]);
    table.inFlight([permission]);
    expect(table.due(1e12)).toEqual([]);
    const flushed = table.installed(permission, 1000);
    expect(flushed).toHaveLength(1);
    expect(permission.state).toBe("installed");
    expect(table.nextDue()).toBe(1000 + 240_000);
    expect(table.due(1000 + 239_999)).toEqual([]);
    expect(table.due(1000 + 240_000)).toEqual([permission]);
    expect(table.installedIps()).toEqual(["127.0.0.1"]);
  });

  it("a failure rejects waiters and forgets the permission so a later send retries", async () => {
    const table = new PermissionTable();
    const { permission } = table.ensure("::1");
    const waited = new Promise<void>((resolve, reject) => permission.waiters.push({ resolve, reject }));
    table.failed(permission, new Error("403"));
    await expect(waited).rejects.toThrow("403");
    expect(table.get("::1")).toBeUndefined();
    expect(table.ensure("::1").created).toBe(true);
  });
});

describe("ChannelTable", () => {
  it("reserves distinct numbers from 0x4000, finds by number and by peer", () => {
    const table = new ChannelTable();
    const a = table.reserve("127.0.0.1", 1000)!;
    const b = table.reserve("::1", 1000)!;
    expect(a.number).toBe(0x4000);
    expect(b.number).toBe(0x4001);
    expect(table.forPeer("::1", 1000)).toBe(b);
    expect(table.byChannel(0x4000)).toBe(a);
    expect(b.key).toBe(peerKey("::1", 1000));
    expect(b.key).toBe("[::1]:1000");
    table.bound(a, 10);
    expect(table.nextDue()).toBe(0); // b is still due
    table.bound(b, 20);
    expect(table.nextDue()).toBe(10 + 540_000);
  });

  it("retires the number of a failed binding and runs out after 4096", () => {
    const table = new ChannelTable();
    const a = table.reserve("127.0.0.1", 1)!;
    table.failed(a);
    expect(table.forPeer("127.0.0.1", 1)).toBeUndefined();
    const numbers = new Set<number>();
    for (let i = 0; i < 4095; i++) numbers.add(table.reserve("127.0.0.1", 2 + i)!.number);
    expect(numbers.size).toBe(4095);
    expect(numbers.has(a.number)).toBe(false);
    expect(table.reserve("127.0.0.1", 99_999)).toBeUndefined();
    table.clear();
    expect(table.size).toBe(0);
  });
});
