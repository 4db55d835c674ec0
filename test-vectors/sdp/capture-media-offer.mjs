// Captures Chromium's media offers for test-vectors/sdp (run as root from the repo root after a build):
//   node test-vectors/sdp/capture-media-offer.mjs
// Headless Debian Chromium in a loopback-only network namespace, fake camera and microphone
// (--use-fake-device-for-media-stream --use-fake-ui-for-media-stream), getUserMedia audio+video,
// addTrack both, a data channel, createOffer, setLocalDescription, wait for gathering to complete
// (chromium-156-offer-media.sdp); then a second connection with recvonly audio and video transceivers,
// offer taken before gathering (chromium-156-offer-recvonly.sdp).
import { writeFileSync } from "node:fs";
import { launchChromium } from "@purertc/interop/chromium";
import { createLoopbackNetns } from "@purertc/interop/netns";

const ns = await createLoopbackNetns();
const browser = await launchChromium({
  netns: ns.name,
  loopback: true,
  extraArgs: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
});
// getUserMedia needs a secure context: a page on http://localhost served by Playwright's router.
await browser.page.route("http://localhost/", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>media</title>" }));
await browser.page.goto("http://localhost/");
const result = await browser.page.evaluate(async () => {
  const pc = new RTCPeerConnection();
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.createDataChannel("data");
  const done = new Promise((resolve) => {
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
  });
  await pc.setLocalDescription(await pc.createOffer());
  await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
  const offer = pc.localDescription.sdp;
  pc.close();
  stream.getTracks().forEach((t) => t.stop());
  // A receive-only offer: what a page that only watches sends.
  const rx = new RTCPeerConnection();
  rx.addTransceiver("audio", { direction: "recvonly" });
  rx.addTransceiver("video", { direction: "recvonly" });
  await rx.setLocalDescription(await rx.createOffer());
  const recvonly = rx.localDescription.sdp;
  rx.close();
  return { offer, recvonly, ua: navigator.userAgent };
});
await browser.close();
await ns.close();
writeFileSync("test-vectors/sdp/chromium-156-offer-media.sdp", result.offer.replace(/\r\n/g, "\n"));
writeFileSync("test-vectors/sdp/chromium-156-offer-recvonly.sdp", result.recvonly.replace(/\r\n/g, "\n"));
console.log(result.ua);
