import { describe, expect, it } from "vitest";
import { isSameH264Codec, parseH264ProfileLevelId, RtpError } from "../index.js";

describe("H.264 profile-level-id (RFC 6184 §8.1)", () => {
  it("reads the profiles Chromium offers", () => {
    expect(parseH264ProfileLevelId("42001f")).toEqual({ profile: "baseline", level: 31 });
    expect(parseH264ProfileLevelId("42e01f")).toEqual({ profile: "constrained-baseline", level: 31 });
    expect(parseH264ProfileLevelId("4d001f")).toEqual({ profile: "main", level: 31 });
    expect(parseH264ProfileLevelId("640c1f")).toEqual({ profile: "constrained-high", level: 31 });
    expect(parseH264ProfileLevelId("64001f")).toEqual({ profile: "high", level: 31 });
    expect(parseH264ProfileLevelId("f4001f")).toEqual({ profile: "high-444-predictive", level: 31 });
    expect(parseH264ProfileLevelId("4d8028")).toEqual({ profile: "constrained-baseline", level: 40 });
    expect(parseH264ProfileLevelId("42f00b")).toEqual({ profile: "constrained-baseline", level: 0 }); // level 1b
    expect(parseH264ProfileLevelId("42c00d")).toEqual({ profile: "constrained-baseline", level: 13 }); // x264's
    expect(parseH264ProfileLevelId("58000b")).toEqual({ profile: "extended", level: 11 });
    expect(parseH264ProfileLevelId("640009")).toEqual({ profile: "high", level: 0 }); // level 1b in High
    expect(parseH264ProfileLevelId("42e0ff")).toBeUndefined(); // no such level
    expect(parseH264ProfileLevelId("580000")).toBeUndefined();
    expect(parseH264ProfileLevelId("ff0000")).toBeUndefined();
    expect(() => parseH264ProfileLevelId("42e01")).toThrow(RtpError);
  });

  it("matches codecs by profile and packetization mode, not by string", () => {
    expect(
      isSameH264Codec(
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        "packetization-mode=1;profile-level-id=42C00D",
      ),
    ).toBe(true);
    expect(
      isSameH264Codec(
        "packetization-mode=1;profile-level-id=42e01f",
        "packetization-mode=0;profile-level-id=42e01f",
      ),
    ).toBe(false);
    expect(
      isSameH264Codec(
        "packetization-mode=1;profile-level-id=42001f",
        "packetization-mode=1;profile-level-id=42e01f",
      ),
    ).toBe(false);
    expect(isSameH264Codec("packetization-mode=1", "packetization-mode=1;profile-level-id=42000a")).toBe(
      true,
    ); // default 42000a (Baseline, level 1)
    expect(isSameH264Codec("packetization-mode=1;profile-level-id=zz", "packetization-mode=1")).toBe(false);
  });
});
