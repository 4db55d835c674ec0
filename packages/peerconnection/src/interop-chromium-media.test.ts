import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { forwardCandidates, inPage, pageOffer } from "@purertc/interop/chromium-page";
import { ffmpegAvailable, ffprobe, makeTestH264, makeTestVp8 } from "@purertc/interop/ffmpeg";
import { CLI, type JsonChild, type JsonEvent, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: these tests never skip silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);
const HERE = fileURLToPath(new URL(".", import.meta.url));
const haveFfmpeg = ffmpegAvailable();

type Pc = { pc: RTCPeerConnection };

const FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

/** getUserMedia needs a secure context: a page on http://localhost served by Playwright's router. */
async function securePage(page: Page): Promise<void> {
  await page.route("http://localhost/", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>purertc</title>" }),
  );
  await page.goto("http://localhost/");
}

/** In the page: an offer (after gathering) with recvonly video, or the fake camera and microphone. */
function chromiumOffer(page: Page, mode: "recvonly" | "camera"): Promise<string> {
  return pageOffer(page, {
    setup:
      mode === "recvonly"
        ? `pc.addTransceiver("video", { direction: "recvonly" });`
        : `const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
           for (const track of stream.getTracks()) pc.addTrack(track, stream);`,
  });
}

/** Chromium's inbound-rtp video report. */
function inboundVideo(page: Page): Promise<Record<string, unknown> | undefined> {
  return page.evaluate(async () => {
    const stats = await (globalThis as unknown as Pc).pc.getStats();
    let found: Record<string, unknown> | undefined;
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === "inbound-rtp" && s.kind === "video") found = { ...s };
    });
    if (found?.codecId)
      found.mimeType = (stats.get(String(found.codecId)) as Record<string, unknown>).mimeType;
    // Chromium's view of our sender reports (RFC 3550 §6.4.1): its remote-outbound-rtp.
    stats.forEach((s: Record<string, unknown>) => {
      if (found && s.type === "remote-outbound-rtp" && s.kind === "video") found.remoteOutbound = { ...s };
    });
    return found;
  });
}

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "purertc-media-"));
  if (!haveFfmpeg) return;
  // INTEROP.md's recipes: 640x360 test pattern, 30 fps, 4 s, a key frame every 30 frames.
  const video = { size: "640x360", rate: 30, frames: 120, gop: 30 };
  makeTestH264(join(dir, "in.h264"), video);
  makeTestVp8(join(dir, "in.ivf"), video);
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!netns.available || !chromium || !haveFfmpeg)("media with headless Chromium", () => {
  for (const [file, mime] of [
    ["in.h264", "video/H264"],
    ["in.ivf", "video/VP8"],
  ] as const) {
    it(`Chromium decodes the ${mime} frames purertc sends, and its PLI reaches purertc`, {
      timeout: 90_000,
    }, async () => {
      await using ns = await createLoopbackNetns({ prefix: "pcmed" });
      await using browser = await launchChromium({ netns: ns.name, loopback: true });
      // Starting past the first key frame: Chromium cannot decode and asks for one (PLI).
      const flags = [
        CLI,
        "pc",
        "--answer",
        "--loopback",
        "--json",
        "--send-video",
        join(dir, file),
        "--skip-frames",
        "5",
      ];
      const child = watchJsonChild(ns.spawn(process.execPath, flags, { cwd: ROOT }));
      let stop: (() => Promise<void>) | undefined;
      try {
        const page = browser.page;
        const offer = await chromiumOffer(page, "recvonly");
        child.send({ type: "offer", sdp: offer });
        const answer = await child.next((e) => e.event === "answer", 20_000);
        await page.evaluate(async (sdp) => {
          await (globalThis as unknown as Pc).pc.setRemoteDescription({ type: "answer", sdp });
        }, String(answer.sdp));
        stop = forwardCandidates(child, page);
        // Polled here: waitForFunction takes an async predicate's promise as truthy.
        const deadline = performance.now() + 40_000;
        let inbound = await inboundVideo(page);
        while (Number(inbound?.framesDecoded ?? 0) < 60 && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          inbound = await inboundVideo(page);
        }
        if (!inbound) throw new Error("Chromium reports no inbound video");
        console.log(
          `Chromium inbound ${mime}: ${JSON.stringify({ framesDecoded: inbound.framesDecoded, frameWidth: inbound.frameWidth, frameHeight: inbound.frameHeight, pliCount: inbound.pliCount, nackCount: inbound.nackCount, packetsLost: inbound.packetsLost, mimeType: inbound.mimeType })}`,
        );
        expect(Number(inbound.framesDecoded)).toBeGreaterThanOrEqual(60);
        expect(inbound.mimeType).toBe(mime);
        expect(inbound.frameWidth).toBe(640);
        expect(inbound.frameHeight).toBe(360);
        expect(Number(inbound.pliCount)).toBeGreaterThan(0);
        const request = await child.next((e) => e.event === "keyframerequest", 5000);
        expect(request.kind).toBe("pli");
        // Our SRs reached Chromium and parsed: its remote-outbound-rtp counts what we said we sent.
        const sr = (await inboundVideo(page))?.remoteOutbound as Record<string, unknown> | undefined;
        expect(Number(sr?.packetsSent)).toBeGreaterThan(0);
        expect(Number(sr?.reportsSent)).toBeGreaterThan(0);
      } finally {
        await stop?.();
        child.end();
        await child.exit(10_000).catch(() => child.stop());
      }
    });
  }

  it("purertc offers (VP8 both ways, Opus from Chromium), Chromium answers with its fake devices", {
    timeout: 90_000,
  }, async () => {
    await using ns = await createLoopbackNetns({ prefix: "pcoff" });
    await using browser = await launchChromium({ netns: ns.name, loopback: true, extraArgs: FAKE_MEDIA });
    const out = join(dir, "rx-offer");
    mkdirSync(out);
    const flags = [
      CLI,
      "pc",
      "--offer",
      "--loopback",
      "--json",
      "--send-video",
      join(dir, "in.ivf"),
      "--receive",
      out,
    ];
    const child = watchJsonChild(ns.spawn(process.execPath, flags, { cwd: ROOT }));
    let stop: (() => Promise<void>) | undefined;
    try {
      const page = browser.page;
      await securePage(page);
      const offer = await child.next((e) => e.event === "offer", 20_000);
      // The camera and microphone on the offered transceivers, sent back.
      const answer = await inPage<string>(
        page,
        `const pc = new RTCPeerConnection();
         globalThis.pc = pc;
         await pc.setRemoteDescription({ type: "offer", sdp: arg });
         const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
         for (const t of pc.getTransceivers()) {
           const track = stream.getTracks().find((x) => x.kind === t.receiver.track.kind);
           if (!track) continue;
           await t.sender.replaceTrack(track);
           t.sender.setStreams(stream);
           t.direction = "sendrecv";
         }
         await pc.setLocalDescription(await pc.createAnswer());
         await gathered(pc);
         return pc.localDescription.sdp;`,
        String(offer.sdp),
      );
      child.send({ type: "answer", sdp: answer });
      stop = forwardCandidates(child, page);
      const deadline = performance.now() + 40_000;
      let inbound = await inboundVideo(page);
      while (Number(inbound?.framesDecoded ?? 0) < 30 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        inbound = await inboundVideo(page);
      }
      const enough = (kind: string, n: number) => (e: JsonEvent) =>
        e.event === "frames" && e.direction === "received" && e.kind === kind && Number(e.frames) >= n;
      await child.next(enough("video", 30), 20_000);
      await child.next(enough("audio", 50), 10_000);
      console.log(
        `purertc offered: Chromium decoded ${String(inbound?.framesDecoded)} ${String(inbound?.mimeType)} ${String(inbound?.frameWidth)}x${String(inbound?.frameHeight)}`,
      );
      expect(Number(inbound?.framesDecoded)).toBeGreaterThanOrEqual(30);
      expect(inbound?.mimeType).toBe("video/VP8");
    } finally {
      await stop?.();
      child.end();
      await child.exit(10_000).catch(() => child.stop());
    }
    const files = readdirSync(out).sort();
    expect(files).toEqual(["audio-1.ogg", "video-0.ivf"]);
    expect(ffprobe(join(out, "video-0.ivf"))).toMatchObject({ codec: "vp8", width: 640, height: 480 });
    expect(ffprobe(join(out, "audio-1.ogg")).codec).toBe("opus");
  });

  it("through a proxy dropping 5 % both ways, Chromium's NACKs are answered and its decoding goes on", {
    timeout: 90_000,
  }, async () => {
    await using ns = await createLoopbackNetns({ prefix: "pcnak" });
    await using browser = await launchChromium({ netns: ns.name, loopback: true });
    const flags = [CLI, "pc", "--answer", "--loopback", "--json", "--send-video", join(dir, "in.h264")];
    const child = watchJsonChild(ns.spawn(process.execPath, flags, { cwd: ROOT }));
    let proxy: JsonChild | undefined;
    try {
      const page = browser.page;
      // No candidates either way but the proxy's: every packet takes the lossy path.
      const strip = (sdp: string) => sdp.replace(/^a=candidate:.*\r?\n/gm, "");
      const offer = await chromiumOffer(page, "recvonly");
      child.send({ type: "offer", sdp: strip(offer) });
      const answer = await child.next((e) => e.event === "answer", 20_000);
      await page.evaluate(
        async (sdp) => {
          await (globalThis as unknown as Pc).pc.setRemoteDescription({ type: "answer", sdp });
        },
        strip(String(answer.sdp)),
      );
      const ours = await child.next(
        (e) =>
          e.event === "candidate" &&
          / 127\.0\.0\.1 \d+ typ host/.test(String(e.candidate)) &&
          / udp /i.test(String(e.candidate)),
        10_000,
      );
      const target = / 127\.0\.0\.1 (\d+) typ host/.exec(String(ours.candidate))![1]!;
      proxy = watchJsonChild(
        ns.spawn(process.execPath, [join(HERE, "lossy-proxy.fixture.mjs"), target, "0.05"], { cwd: ROOT }),
      );
      const listening = await proxy.next((e) => e.event === "proxy", 10_000);
      const mid = /a=mid:(\S+)/.exec(String(answer.sdp))![1]!;
      await page.evaluate(
        async (c) => {
          const pc = (globalThis as unknown as Pc).pc;
          await pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.mid });
          await pc.addIceCandidate(null);
        },
        { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${String(listening.port)} typ host`, mid },
      );
      const deadline = performance.now() + 60_000;
      let inbound = await inboundVideo(page);
      while (
        (Number(inbound?.framesDecoded ?? 0) < 90 || Number(inbound?.nackCount ?? 0) === 0) &&
        performance.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 200));
        inbound = await inboundVideo(page);
      }
      if (!inbound) throw new Error("Chromium reports no inbound video");
      proxy.end();
      const counters = await proxy.next((e) => e.event === "proxy-stats", 5000);
      console.log(
        `through 5 % loss: Chromium ${JSON.stringify({ framesDecoded: inbound.framesDecoded, nackCount: inbound.nackCount, packetsLost: inbound.packetsLost, packetsReceived: inbound.packetsReceived, framesDropped: inbound.framesDropped, pliCount: inbound.pliCount })}; proxy ${JSON.stringify(counters)}`,
      );
      expect(Number(counters.dropped)).toBeGreaterThan(0);
      expect(Number(inbound.nackCount)).toBeGreaterThan(0);
      expect(Number(inbound.framesDecoded)).toBeGreaterThanOrEqual(90);
    } finally {
      child.end();
      await child.exit(10_000).catch(() => child.stop());
      await proxy?.stop();
    }
  });

  for (const codec of ["vp8", "h264"] as const) {
    it(`purertc writes Chromium's fake camera (${codec}) and microphone (Opus) to files ffprobe reads`, {
      timeout: 90_000,
    }, async () => {
      await using ns = await createLoopbackNetns({ prefix: "pcrec" });
      await using browser = await launchChromium({ netns: ns.name, loopback: true, extraArgs: FAKE_MEDIA });
      const out = join(dir, `rx-${codec}`);
      mkdirSync(out);
      const flags = [CLI, "pc", "--answer", "--loopback", "--json", "--receive", out, "--video-codec", codec];
      const child = watchJsonChild(ns.spawn(process.execPath, flags, { cwd: ROOT }));
      let stop: (() => Promise<void>) | undefined;
      try {
        const page = browser.page;
        await securePage(page);
        const offer = await chromiumOffer(page, "camera");
        child.send({ type: "offer", sdp: offer });
        const answer = await child.next((e) => e.event === "answer", 20_000);
        await page.evaluate(async (sdp) => {
          await (globalThis as unknown as Pc).pc.setRemoteDescription({ type: "answer", sdp });
        }, String(answer.sdp));
        stop = forwardCandidates(child, page);
        const enough = (kind: string, n: number) => (e: JsonEvent) =>
          e.event === "frames" && e.direction === "received" && e.kind === kind && Number(e.frames) >= n;
        await child.next(enough("video", 60), 40_000);
        await child.next(enough("audio", 100), 10_000);
      } finally {
        await stop?.();
        child.end();
        await child.exit(10_000).catch(() => child.stop());
      }
      const last = (kind: string) =>
        [...child.events]
          .reverse()
          .find((e) => e.event === "frames" && e.direction === "received" && e.kind === kind)!;
      const files = readdirSync(out).sort();
      expect(files).toEqual([`audio-0.ogg`, `video-1.${codec === "vp8" ? "ivf" : "h264"}`]);
      const video = ffprobe(join(out, files[1]!));
      const audio = ffprobe(join(out, files[0]!));
      console.log(
        `received ${codec}: video ${JSON.stringify(video)} (${String(last("video").frames)} frames written), audio ${JSON.stringify(audio)} (${String(last("audio").frames)})`,
      );
      expect(video.codec).toBe(codec);
      expect(video.width).toBe(640);
      expect(video.height).toBe(480);
      expect(video.frames).toBe(Number(last("video").frames));
      expect(audio.codec).toBe("opus");
      expect(audio.frames).toBe(Number(last("audio").frames));
    });
  }
});
