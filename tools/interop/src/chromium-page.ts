/**
 * The in-page side of the Chromium interop tests: one `RTCPeerConnection` per
 * page (`globalThis.pc`), offers and answers made after gathering, candidates
 * added, states and stats read back.
 *
 * The page code is JavaScript text evaluated in the browser, so this module
 * type-checks without DOM types (Node's and the DOM's `crypto` clash); the
 * Node-side wrappers are typed. Every wait in the page is bounded.
 */
import type { Page } from "playwright-core";
import type { JsonChild, JsonEvent } from "./json-child.js";

/** Installed once per page by {@link installPageHelpers}. */
const PAGE_HELPERS = `(() => {
  globalThis.gathered = (pc, ms = 10000) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const check = () => { if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); } };
    pc.addEventListener("icegatheringstatechange", check);
    check();
  });
  globalThis.transportOf = async (pc) => {
    const stats = await pc.getStats();
    let transport = {};
    stats.forEach((s) => { if (s.type === "transport") transport = { ...s }; });
    const pair = stats.get(String(transport.selectedCandidatePairId));
    const local = pair && stats.get(String(pair.localCandidateId));
    const remote = pair && stats.get(String(pair.remoteCandidateId));
    const cert = transport.remoteCertificateId && stats.get(String(transport.remoteCertificateId));
    return {
      ...transport,
      localPort: local?.port, localProtocol: local?.protocol, localType: local?.candidateType,
      localTcpType: local?.tcpType,
      remotePort: remote?.port, remoteProtocol: remote?.protocol, remoteType: remote?.candidateType,
      remoteTcpType: remote?.tcpType,
      remoteFingerprint: cert ? cert.fingerprintAlgorithm + " " + cert.fingerprint : undefined,
    };
  };
  return true;
})()`;

/** Defines the page's helpers (`gathered(pc)`, `transportOf(pc)`); idempotent. */
export async function installPageHelpers(page: Page): Promise<void> {
  await page.evaluate(PAGE_HELPERS);
}

/**
 * Evaluates `body`, the body of an async function of one argument `arg`
 * (JSON-serialisable), in the page, with the helpers installed.
 */
export async function inPage<T>(page: Page, body: string, arg: unknown = null): Promise<T> {
  await installPageHelpers(page);
  return (await page.evaluate(`(async (arg) => { ${body} })(${JSON.stringify(arg)})`)) as T;
}

/** What the page's new `globalThis.pc` offers. */
export interface PageOfferOptions {
  /** JavaScript run with `pc` in scope before the offer; default: one data channel "purertc". */
  setup?: string;
  /** The RTCConfiguration as JSON. */
  configuration?: Record<string, unknown>;
}

/** In the page: a new `globalThis.pc` and its offer, once gathering completes (bounded). */
export function pageOffer(page: Page, options: PageOfferOptions = {}): Promise<string> {
  const setup = options.setup ?? `pc.createDataChannel("purertc");`;
  return inPage<string>(
    page,
    `const pc = new RTCPeerConnection(arg);
     globalThis.pc = pc;
     ${setup}
     await pc.setLocalDescription(await pc.createOffer());
     await gathered(pc);
     return pc.localDescription.sdp;`,
    options.configuration ?? {},
  );
}

/** In the page: a new `globalThis.pc` that answers `offer`, once gathering completes (bounded). */
export function pageAnswer(page: Page, offer: string, setup = ""): Promise<string> {
  return inPage<string>(
    page,
    `const pc = new RTCPeerConnection();
     globalThis.pc = pc;
     ${setup}
     await pc.setRemoteDescription({ type: "offer", sdp: arg });
     await pc.setLocalDescription(await pc.createAnswer());
     await gathered(pc);
     return pc.localDescription.sdp;`,
    offer,
  );
}

/** In the page: `globalThis.pc` takes `sdp` as its remote answer. */
export async function pageSetAnswer(page: Page, sdp: string): Promise<void> {
  await inPage(page, `await globalThis.pc.setRemoteDescription({ type: "answer", sdp: arg });`, sdp);
}

/** In the page: adds the candidate of a CLI `candidate` event (an empty one ends the remote candidates). */
export async function pageAddCandidate(page: Page, e: JsonEvent): Promise<void> {
  await inPage(page, `await globalThis.pc.addIceCandidate(arg.candidate ? arg : null);`, {
    candidate: String(e.candidate ?? ""),
    sdpMid: String(e.sdpMid ?? "0"),
    sdpMLineIndex: Number(e.sdpMLineIndex ?? 0),
  });
}

/** Waits in the page until `predicate` (a JavaScript expression) holds, polling every 20 ms. */
export async function pageUntil(page: Page, predicate: string, ms = 10_000): Promise<void> {
  await page.waitForFunction(predicate, undefined, { timeout: ms, polling: 20 });
}

/** `globalThis.pc.connectionState`. */
export function pageConnectionState(page: Page): Promise<string> {
  return inPage<string>(page, "return globalThis.pc.connectionState;");
}

/**
 * Chromium's transport report for `globalThis.pc`, with the selected pair's
 * candidates (`localPort`, `remotePort`, `…Protocol`, `…Type`,
 * `…TcpType`) and the peer certificate's `remoteFingerprint`.
 */
export function pageTransport(page: Page): Promise<Record<string, unknown>> {
  return inPage<Record<string, unknown>>(page, "return transportOf(globalThis.pc);");
}

/**
 * Forwards the child's trickled `candidate` events to the page as they come;
 * the returned function stops the pump and waits for it.
 */
export function forwardCandidates(child: JsonChild, page: Page): () => Promise<void> {
  let stopped = false;
  let seen = 0;
  const pump = (async () => {
    while (!stopped) {
      const candidates = child.events.filter((e) => e.event === "candidate");
      // A page closed under the pump ends it; the test reports its own failure.
      for (; seen < candidates.length; seen++)
        await pageAddCandidate(page, candidates[seen]!).catch(() => {});
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return async () => {
    stopped = true;
    await pump;
  };
}
