import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "./errors.js";
import {
  connectionStateOf,
  iceConnectionStateOf,
  nextSignalingState,
  type SdpType,
  type SignalingState,
} from "./states.js";

describe("connectionState (webrtc-pc §4.3.3)", () => {
  it.each([
    [["new"], ["new"], false, "new"],
    [[], [], false, "new"],
    [["checking"], ["new"], false, "connecting"],
    [["connected"], ["new"], false, "connecting"],
    [["connected"], ["connecting"], false, "connecting"],
    [["connected"], ["connected"], false, "connected"],
    [["completed"], ["connected"], false, "connected"],
    [["disconnected"], ["connected"], false, "disconnected"],
    [["failed"], ["connected"], false, "failed"],
    [["connected"], ["failed"], false, "failed"],
    [["disconnected"], ["failed"], false, "failed"],
    [["closed"], ["closed"], false, "new"],
    [["connected"], ["connected"], true, "closed"],
  ] as const)("ice %j + dtls %j (closed %s) → %s", (ice, dtls, closed, expected) => {
    expect(connectionStateOf(ice, dtls, closed)).toBe(expected);
  });
});

describe("iceConnectionState", () => {
  it.each([
    [["new"], "new"],
    [["checking"], "checking"],
    [["new", "connected"], "checking"],
    [["connected"], "connected"],
    [["connected", "completed"], "connected"],
    [["completed"], "completed"],
    [["completed", "closed"], "completed"],
    [["disconnected"], "disconnected"],
    [["failed", "disconnected"], "failed"],
  ] as const)("%j → %s", (ice, expected) => {
    expect(iceConnectionStateOf(ice)).toBe(expected);
  });
  it("is closed once the connection is", () => {
    expect(iceConnectionStateOf(["connected"], true)).toBe("closed");
  });
});

describe("signalingState", () => {
  const run = (steps: [side: "local" | "remote", type: SdpType][]): SignalingState =>
    steps.reduce<SignalingState>((s, [side, type]) => nextSignalingState(s, side, type), "stable");

  it("offer/answer from either side returns to stable", () => {
    expect(run([["local", "offer"]])).toBe("have-local-offer");
    expect(
      run([
        ["local", "offer"],
        ["remote", "answer"],
      ]),
    ).toBe("stable");
    expect(
      run([
        ["remote", "offer"],
        ["local", "answer"],
      ]),
    ).toBe("stable");
    expect(
      run([
        ["local", "offer"],
        ["remote", "pranswer"],
      ]),
    ).toBe("have-remote-pranswer");
    expect(
      run([
        ["local", "offer"],
        ["remote", "pranswer"],
        ["remote", "answer"],
      ]),
    ).toBe("stable");
    expect(
      run([
        ["remote", "offer"],
        ["local", "pranswer"],
        ["local", "answer"],
      ]),
    ).toBe("stable");
    expect(
      run([
        ["local", "offer"],
        ["local", "offer"],
      ]),
    ).toBe("have-local-offer");
  });

  it("rolls back a pending offer", () => {
    expect(
      run([
        ["local", "offer"],
        ["local", "rollback"],
      ]),
    ).toBe("stable");
    expect(
      run([
        ["remote", "offer"],
        ["remote", "rollback"],
      ]),
    ).toBe("stable");
  });

  it.each([
    ["stable", "local", "rollback"],
    ["stable", "remote", "rollback"],
    ["stable", "local", "answer"],
    ["stable", "remote", "answer"],
    ["stable", "remote", "pranswer"],
    ["have-local-offer", "remote", "rollback"],
    ["have-local-offer", "local", "answer"],
    ["have-remote-offer", "local", "rollback"],
    ["have-remote-offer", "local", "offer"],
    ["have-local-pranswer", "local", "rollback"],
    ["have-remote-pranswer", "remote", "rollback"],
    ["closed", "local", "offer"],
    ["closed", "remote", "offer"],
  ] as const)("in %s a %s %s is InvalidStateError", (state, side, type) => {
    let error: unknown;
    try {
      nextSignalingState(state, side, type);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PeerConnectionError);
    expect((error as PeerConnectionError).code).toBe("ERR_INVALID_STATE");
  });
});
