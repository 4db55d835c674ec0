/**
 * The player page served at `/`: plain HTML and JS, no build step. It plays
 * the endpoint's stream with the browser's own RTCPeerConnection over WHEP
 * (recvonly video and audio transceivers, candidates in the offer; the
 * camera's G.711 audio plays once the viewer unmutes), and DELETEs
 * its session when the tab goes away. `?whep=URL` points it at an endpoint
 * on another origin (CORS).
 */
export const PLAYER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>purertc rtsp-to-whep</title>
<style>
  body { margin: 0; background: #111; color: #ddd; font: 14px system-ui, sans-serif; }
  video { display: block; width: 100vw; max-height: 90vh; background: #000; }
  #status { padding: 8px 12px; }
</style>
</head>
<body>
<video id="video" autoplay muted playsinline controls></video>
<div id="status">connecting…</div>
<script>
"use strict";
const status = document.getElementById("status");
const video = document.getElementById("video");
const endpoint = new URLSearchParams(location.search).get("whep") || new URL("whep", location.href).href;
let sessionUrl = null;

function say(text) {
  status.textContent = text;
}

async function play() {
  const pc = new RTCPeerConnection();
  window.pc = pc;
  pc.addTransceiver("video", { direction: "recvonly" });
  // The camera's audio, when it sends G.711 (autoplay needs the video muted: the controls unmute it).
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  pc.onconnectionstatechange = () => say("connection: " + pc.connectionState);
  await pc.setLocalDescription(await pc.createOffer());
  // The endpoint gets every candidate in the offer: wait (bounded) for gathering.
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    };
    pc.onicegatheringstatechange = check;
    check();
  });
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/sdp" },
    body: pc.localDescription.sdp,
  });
  const body = await response.text();
  if (response.status !== 201) {
    say("endpoint answered " + response.status + ": " + body.trim());
    window.whepResult = { status: response.status, body };
    pc.close();
    return;
  }
  sessionUrl = new URL(response.headers.get("Location"), endpoint).href;
  window.whepResult = { status: response.status, location: sessionUrl };
  await pc.setRemoteDescription({ type: "answer", sdp: body });
}

addEventListener("pagehide", () => {
  if (sessionUrl) fetch(sessionUrl, { method: "DELETE", keepalive: true });
});

play().catch((error) => {
  say("error: " + error.message);
  window.whepResult = { error: String(error) };
});
</script>
</body>
</html>
`;
