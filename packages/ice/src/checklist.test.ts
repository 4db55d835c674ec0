import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candidate,
  type CandidateBase,
  Checklist,
  candidateFoundation,
  candidatePriority,
  generateCredentials,
  IceError,
  type LocalCandidate,
  pairPriority,
  randomIceString,
  validateCredentials,
} from "./index.js";

function base(address: string, port: number): CandidateBase {
  return {
    kind: "socket",
    address,
    port,
    family: address.includes(":") ? 6 : 4,
    send() {},
    onPacket: undefined,
    closed: false,
    close: async () => {},
  };
}

function local(
  address: string,
  port: number,
  pref = 65535,
  type: Candidate["type"] = "host",
): LocalCandidate {
  return {
    base: base(address, port),
    candidate: {
      foundation: candidateFoundation(type, address),
      component: 1,
      transport: "udp",
      priority: candidatePriority(type, pref),
      address,
      port,
      type,
      extensions: [],
    },
  };
}

function remote(address: string, port: number, pref = 65535, type: Candidate["type"] = "host"): Candidate {
  return {
    foundation: candidateFoundation(type, address),
    component: 1,
    transport: "udp",
    priority: candidatePriority(type, pref),
    address,
    port,
    type,
    extensions: [],
  };
}

describe("pair priority (RFC 8445 §6.1.2.3)", () => {
  it("follows 2^32·min + 2·max + (G > D)", () => {
    expect(pairPriority(2130706431, 1694498815)).toBe((1694498815n << 32n) + 2n * 2130706431n + 1n);
    expect(pairPriority(1694498815, 2130706431)).toBe((1694498815n << 32n) + 2n * 2130706431n);
    expect(pairPriority(5, 5)).toBe((5n << 32n) + 10n);
  });

  it("is symmetric up to the tie bit and monotonic in the minimum (property)", () => {
    const prio = fc.integer({ min: 0, max: 0xffff_ffff });
    fc.assert(
      fc.property(prio, prio, (g, d) => {
        const a = pairPriority(g, d);
        const b = pairPriority(d, g);
        expect(a - b).toBe(g > d ? 1n : g < d ? -1n : 0n);
        expect(a < 1n << 64n).toBe(true);
      }),
    );
  });
});

describe("Checklist", () => {
  it("pairs same-family UDP candidates only, sorted by priority, without duplicates", () => {
    const list = new Checklist(true);
    const l4 = local("10.0.0.1", 1000);
    const l6 = local("fd00::1", 1001, 65000);
    expect(list.add(l4, remote("10.0.0.2", 2000, 60000))).toBeDefined();
    expect(list.add(l4, remote("10.0.0.3", 2001, 65535))).toBeDefined();
    expect(list.add(l6, remote("10.0.0.2", 2000))).toBeUndefined(); // family differs
    expect(list.add(l4, { ...remote("10.0.0.4", 9), transport: "tcp" })).toBeUndefined();
    expect(list.add(l4, remote("fe80::1", 9))).toBeUndefined();
    expect(list.add(l4, remote("10.0.0.5", 0))).toBeUndefined();
    expect(list.add(l4, remote("0.0.0.0", 9))).toBeUndefined();
    expect(list.add(l4, remote("10.0.0.2", 2000))).toBeUndefined(); // duplicate
    expect(list.add(local("10.0.0.1", 1000, 65535, "srflx"), remote("10.0.0.9", 1))).toBeUndefined(); // srflx → base
    expect(list.all.map((p) => p.remote.port)).toEqual([2001, 2000]);
    expect(list.all[0]!.priority > list.all[1]!.priority).toBe(true);
  });

  it("unfreezes one pair per foundation, then by foundation after a success; triggered checks first", () => {
    const list = new Checklist(true);
    const l = local("10.0.0.1", 1000);
    const a = list.add(l, remote("10.0.0.2", 1))!;
    const b = list.add(l, remote("10.0.0.2", 2, 60000))!; // same foundation as a
    const c = list.add(l, remote("10.0.0.3", 3, 50000))!; // another foundation
    expect([a.state, b.state, c.state]).toEqual(["waiting", "frozen", "waiting"]);
    expect(list.next()).toBe(a);
    a.state = "in-progress";
    expect(list.next()).toBe(c);
    c.state = "in-progress";
    expect(list.next()).toBe(b); // frozen ones come last
    list.trigger(b);
    list.trigger(b);
    expect(b.state).toBe("waiting");
    expect(list.next()).toBe(b);
    a.state = "succeeded";
    b.state = "frozen";
    list.unfreeze(a.foundation);
    expect(b.state).toBe("waiting");
    expect(list.pending).toBe(true);
    for (const p of list.all) p.state = "failed";
    expect(list.pending).toBe(false);
  });

  it("recomputes priorities on a role change and keeps at most maxPairs", () => {
    const list = new Checklist(true, 3);
    const l = local("10.0.0.1", 1000, 100);
    for (let i = 0; i < 5; i++) list.add(l, remote("10.0.0.2", 10 + i, 1000 * i));
    expect(list.size).toBe(3);
    const before = list.all.map((p) => p.priority);
    list.setControlling(false);
    expect(list.all.map((p) => p.priority)).not.toEqual(before);
    list.clear();
    expect(list.size).toBe(0);
    expect(list.next()).toBeUndefined();
  });

  it("does not evict a pair that lost consent (the peer's check would re-create it unmarked), up to twice maxPairs", () => {
    const list = new Checklist(true, 3);
    const l = local("10.0.0.1", 1000, 100);
    const lost = list.add(l, remote("10.0.0.2", 9, 1))!;
    lost.state = "failed";
    lost.consentLost = true;
    for (let i = 0; i < 5; i++) list.add(l, remote("10.0.0.2", 10 + i, 1000 * (i + 1)));
    // The lowest-priority pair, failed, is kept; others went in its place.
    expect(list.size).toBe(3);
    expect(list.all.at(-1)).toBe(lost);
    for (const p of list.all) {
      p.state = "failed";
      p.consentLost = true;
    }
    for (let i = 0; i < 10; i++) list.add(l, remote("10.0.0.3", 10 + i, 1000 * (i + 1)));
    expect(list.size).toBeLessThanOrEqual(6);
  });
});

describe("credentials (RFC 8445 §5.3)", () => {
  it("generates random ice-char ufrag (≥4) and pwd (≥22)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = generateCredentials();
      expect(c.ufrag).toMatch(/^[A-Za-z0-9+/]{8}$/);
      expect(c.pwd).toMatch(/^[A-Za-z0-9+/]{24}$/);
      expect(validateCredentials(c)).toEqual(c);
      seen.add(c.pwd);
    }
    expect(seen.size).toBe(200);
    expect(randomIceString(300)).toHaveLength(300);
  });

  it("rejects short or non-ice-char credentials", () => {
    for (const bad of [
      { ufrag: "abc", pwd: "a".repeat(22) },
      { ufrag: "abcd", pwd: "a".repeat(21) },
      { ufrag: "ab:d", pwd: "a".repeat(22) },
      { ufrag: "abcd", pwd: `${"a".repeat(21)} ` },
      { ufrag: "a".repeat(257), pwd: "a".repeat(22) },
    ]) {
      expect(() => validateCredentials(bad)).toThrow(IceError);
    }
  });
});
