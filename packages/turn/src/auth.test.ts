import { describe, expect, it } from "vitest";
import { securityFeatures } from "./auth.js";
import { TurnError } from "./errors.js";
import { parseHostPort } from "./server-address.js";

describe("securityFeatures (RFC 8489 §9.2 nonce cookie)", () => {
  it("reads the 24 bits after the cookie; bit 0 is the least significant (erratum 6268)", () => {
    expect(securityFeatures("obMatJos2AAABrest")).toBe(1);
    expect(securityFeatures("obMatJos2AAAD")).toBe(3);
    expect(securityFeatures("obMatJos2////")).toBe(0xffffff);
    expect(securityFeatures("plain-nonce")).toBeUndefined();
    expect(securityFeatures("obMatJos2AA")).toBeUndefined();
    expect(securityFeatures("obMatJos2AA!A")).toBeUndefined();
  });
});

describe("parseHostPort", () => {
  it("takes host:port, [v6]:port, bare hosts and turn: URIs", () => {
    const udp = "udp";
    expect(parseHostPort("127.0.0.1:3479")).toEqual({ host: "127.0.0.1", port: 3479, transport: udp });
    expect(parseHostPort("[::1]:5000")).toEqual({ host: "::1", port: 5000, transport: udp });
    expect(parseHostPort("::1")).toEqual({ host: "::1", port: 3478, transport: udp });
    expect(parseHostPort("turn.example.org")).toEqual({
      host: "turn.example.org",
      port: 3478,
      transport: udp,
    });
    expect(parseHostPort("turn:127.0.0.1:3480?transport=udp")).toEqual({
      host: "127.0.0.1",
      port: 3480,
      transport: udp,
    });
    expect(parseHostPort("turn:[::1]")).toEqual({ host: "::1", port: 3478, transport: udp });
    expect(parseHostPort("turn:10.0.0.1?transport=TCP").transport).toBe("tcp");
    expect(parseHostPort("turns:10.0.0.1")).toEqual({ host: "10.0.0.1", port: 5349, transport: "tls" });
    expect(parseHostPort("turns:10.0.0.1:443?transport=tcp")).toEqual({
      host: "10.0.0.1",
      port: 443,
      transport: "tls",
    });
  });

  it("refuses other transports (and turns: over UDP) and bad ports with ERR_INVALID_ARGUMENT", () => {
    for (const bad of [
      "turn:h:1?transport=sctp",
      "turns:h:5349?transport=udp",
      "h:0",
      "h:70000",
      "h:12x",
      ":5",
      "[::1]:",
    ]) {
      let error: unknown;
      try {
        parseHostPort(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(TurnError);
      expect((error as TurnError).code).toBe("ERR_INVALID_ARGUMENT");
    }
  });
});
