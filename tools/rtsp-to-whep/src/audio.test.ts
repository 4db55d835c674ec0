import { describe, expect, it } from "vitest";
import { cameraAudio } from "./audio.js";
import { parseDescription } from "./sdp.js";

const describeSdp = (...media: string[]) =>
  parseDescription(
    ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=cam", "t=0 0", "a=control:*", ...media].join("\r\n"),
    "rtsp://127.0.0.1/cam/",
  );
const VIDEO = "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0";

describe("cameraAudio: what the proxy does with the camera's audio", () => {
  it("passes G.711 through: PCMA by rtpmap, PCMU by its static payload type alone", () => {
    const pcma = cameraAudio(
      describeSdp(VIDEO, "m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:stream=1"),
    );
    expect(pcma).toMatchObject({ codec: "PCMA", ignored: undefined });
    expect(pcma.track?.index).toBe(1);
    expect(cameraAudio(describeSdp(VIDEO, "m=audio 0 RTP/AVP 0\r\na=control:stream=1"))).toMatchObject({
      codec: "PCMU",
    });
  });

  it("ignores AAC (MPEG4-GENERIC, MP4A-LATM) and other audio, saying why; picks a G.711 track beside an AAC one", () => {
    const aac = cameraAudio(
      describeSdp(VIDEO, "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/16000/1\r\na=control:stream=1"),
    );
    expect(aac.codec).toBeUndefined();
    expect(aac.track).toBeUndefined();
    expect(aac.ignored).toMatch(/^MPEG4-GENERIC\/16000: AAC, which browsers do not decode over WebRTC/);
    expect(
      cameraAudio(describeSdp(VIDEO, "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/44100")).ignored,
    ).toMatch(/AAC/);
    expect(
      cameraAudio(describeSdp(VIDEO, "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 G726-32/8000")).ignored,
    ).toMatch(/^G726-32\/8000: not G\.711/);
    // PCMA at another rate is not G.711 as RFC 3551 defines it.
    expect(
      cameraAudio(describeSdp(VIDEO, "m=audio 0 RTP/AVP 98\r\na=rtpmap:98 PCMA/16000")).codec,
    ).toBeUndefined();
    const both = cameraAudio(
      describeSdp(VIDEO, "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/16000", "m=audio 0 RTP/AVP 8"),
    );
    expect(both).toMatchObject({ codec: "PCMA", ignored: undefined });
    expect(both.track?.index).toBe(2);
  });

  it("no audio: nothing passed, nothing to say", () => {
    expect(cameraAudio(describeSdp(VIDEO))).toEqual({
      track: undefined,
      codec: undefined,
      ignored: undefined,
    });
    expect(cameraAudio(undefined)).toEqual({ track: undefined, codec: undefined, ignored: undefined });
  });
});
