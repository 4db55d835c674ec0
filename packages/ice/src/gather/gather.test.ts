import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { hostAddresses, localPreference } from "./host.js";
import { parseStunServer } from "./srflx.js";

describe("host addresses", () => {
  it("leaves loopback out by default, adds it with loopback: true, uses nothing else with 'only'", () => {
    const all = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
    const loopbacks = all.filter((i) => i.internal).map((i) => i.address);
    const external = all
      .filter((i) => !i.internal && !/^fe[89ab]/i.test(i.address) && !i.address.startsWith("169.254."))
      .map((i) => i.address);
    expect(hostAddresses().sort()).toEqual([...new Set(external)].sort());
    expect(hostAddresses({ loopback: "only" }).sort()).toEqual([...new Set(loopbacks)].sort());
    expect(hostAddresses({ loopback: true }).sort()).toEqual(
      [...new Set([...external, ...loopbacks])].sort(),
    );
    expect(hostAddresses({ loopback: "only", ipv6: false })).toEqual(
      loopbacks.filter((a) => !a.includes(":")),
    );
    // Non-loopback IPv6 first, then IPv4, then loopback.
    const ordered = hostAddresses({ loopback: true });
    expect(ordered.slice(-loopbacks.length).sort()).toEqual([...loopbacks].sort());
  });

  it("takes explicit addresses (IPs only, family filters apply, no duplicates)", () => {
    expect(hostAddresses({ addresses: ["127.0.0.1", "::1", "127.0.0.1", "not-an-ip"] })).toEqual([
      "127.0.0.1",
      "::1",
    ]);
    expect(hostAddresses({ addresses: ["127.0.0.1", "::1"], ipv4: false })).toEqual(["::1"]);
  });

  it("gives distinct, decreasing local preferences", () => {
    const prefs = [0, 1, 2, 3].map(localPreference);
    expect(prefs[0]).toBe(65535);
    expect(new Set(prefs).size).toBe(4);
    expect([...prefs].sort((a, b) => b - a)).toEqual(prefs);
    expect(localPreference(10_000)).toBe(0);
  });
});

describe("STUN server addresses", () => {
  it("reads host:port, stun: URLs, [v6]:port and a bare host (port 3478)", () => {
    expect(parseStunServer("127.0.0.1:3479")).toEqual({ host: "127.0.0.1", port: 3479 });
    expect(parseStunServer("stun:stun.example.org:19302")).toEqual({ host: "stun.example.org", port: 19302 });
    expect(parseStunServer("[::1]:5000")).toEqual({ host: "::1", port: 5000 });
    expect(parseStunServer("stun:[::1]")).toEqual({ host: "::1", port: 3478 });
    expect(parseStunServer("example.org")).toEqual({ host: "example.org", port: 3478 });
  });
});
