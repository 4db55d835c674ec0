import { decodeMessage, StunClass, StunKey, StunMessageBuilder, StunMethod } from "@purertc/stun";
import { classes, methods, parseMessage, Message as WeriftMessage } from "werift";
import { type BenchRow, type BenchSuite, opsPerSecond } from "../harness.js";

/**
 * STUN codec throughput on an ICE connectivity check: a Binding request with
 * USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY and FINGERPRINT.
 *
 * - encode: build the message with a fresh transaction id and both MACs;
 * - decode: parse, check MESSAGE-INTEGRITY against the short-term key and
 *   FINGERPRINT, and read USERNAME and PRIORITY.
 *
 * Ours beside werift's `Message`/`parseMessage` (its ICE stun module) doing
 * the same work in the same run, alternating in rounds (best round each). Before measuring, each side decodes and
 * validates the other's bytes, so both produce and check the same thing.
 */

const USERNAME = "remoteUfrag:localUfrag";
const PASSWORD = "0123456789abcdefghijklmn";
const PRIORITY = 0x6e7f1eff;
const TIE_BREAKER = 0x1234567890abcdefn;

export const suite: BenchSuite = {
  name: "stun",
  async run({ quick }) {
    const ms = quick ? 200 : 400;
    const key = StunKey.shortTerm(PASSWORD);
    const weriftKey = Buffer.from(PASSWORD, "utf8");

    const oursEncode = () =>
      new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
        .username(USERNAME)
        .priority(PRIORITY)
        .iceControlling(TIE_BREAKER)
        .encode({ integrity: key, fingerprint: true });
    const weriftEncode = () =>
      new WeriftMessage(methods.BINDING, classes.REQUEST)
        .setAttribute("USERNAME", USERNAME)
        .setAttribute("PRIORITY", PRIORITY)
        .setAttribute("ICE-CONTROLLING", TIE_BREAKER)
        .addMessageIntegrity(weriftKey)
        .addFingerprint().bytes;

    const oursBytes = oursEncode();
    const weriftBytes = weriftEncode();
    const oursDecode = (bytes: Uint8Array) => {
      const m = decodeMessage(bytes);
      if (!m.checkIntegrity(key) || !m.checkFingerprint()) throw new Error("purertc: validation failed");
      return m.username!.length + m.priority!;
    };
    const weriftDecode = (bytes: Buffer) => {
      // With a key, werift requires and checks MESSAGE-INTEGRITY; it always checks FINGERPRINT.
      const m = parseMessage(bytes, weriftKey);
      if (!m) throw new Error("werift: validation failed");
      return (m.getAttributeValue("USERNAME") as string).length + (m.getAttributeValue("PRIORITY") as number);
    };
    // Cross-check: same work on both sides.
    oursDecode(weriftBytes);
    weriftDecode(Buffer.from(oursBytes));
    if (oursBytes.length !== weriftBytes.length) throw new Error("the two encodings differ in size");

    let sink = 0;
    // Ours and werift's alternate in short rounds and each keeps its best
    // round: on a shared machine, load that comes and goes then hits both
    // sides alike instead of skewing the ratio.
    const rounds = quick ? 2 : 6;
    const interleaved = (a: () => void, b: () => void): [number, number] => {
      let bestA = 0;
      let bestB = 0;
      for (let r = 0; r < rounds; r++) {
        bestA = Math.max(bestA, opsPerSecond(a, ms));
        bestB = Math.max(bestB, opsPerSecond(b, ms));
      }
      return [bestA, bestB];
    };
    const [oursEnc, weriftEnc] = interleaved(
      () => {
        sink += oursEncode().length;
      },
      () => {
        sink += weriftEncode().length;
      },
    );
    const [oursDec, weriftDec] = interleaved(
      () => {
        sink += oursDecode(oursBytes);
      },
      () => {
        sink += weriftDecode(weriftBytes);
      },
    );
    const rows: BenchRow[] = [
      {
        metric: "STUN encode (ICE check, MI + FP)",
        unit: "msg/s",
        ours: oursEnc,
        werift: weriftEnc,
        higherIsBetter: true,
      },
      {
        metric: "STUN decode + validate MI + FP (ICE check)",
        unit: "msg/s",
        ours: oursDec,
        werift: weriftDec,
        higherIsBetter: true,
      },
    ];
    if (sink === 0) throw new Error("unreachable: keeps the work from being optimised away");
    return rows;
  },
};
