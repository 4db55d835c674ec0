import { H264Payloader, RtpSendStream, type RtpSendStreamOptions } from "./index.js";

/** A synthetic access unit: an IDR or non-IDR slice of `size` bytes (first_mb_in_slice 0). */
export function accessUnit(i: number, size = 3000): Uint8Array[] {
  const slice = new Uint8Array(size).fill(i & 0xff);
  slice[0] = i % 30 === 0 ? 0x65 : 0x41;
  slice[1] = 0x88;
  return i % 30 === 0
    ? [new Uint8Array([0x67, 0x42, 0xc0, 0x1e, 0xd9]), new Uint8Array([0x68, 0xce, 0x3c, 0x80]), slice]
    : [slice];
}

/** An H.264 send stream (payload type 102, 90 kHz) with `options` on top: its SSRC and where packets go, at least. */
export function h264Sender(
  options: Partial<RtpSendStreamOptions> & Pick<RtpSendStreamOptions, "ssrc" | "sendRtp">,
): RtpSendStream {
  return new RtpSendStream({
    payloadType: 102,
    clockRate: 90000,
    payloader: new H264Payloader(),
    ...options,
  });
}
