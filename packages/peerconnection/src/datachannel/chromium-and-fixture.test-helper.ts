import { fileURLToPath } from "node:url";
import { type ChromiumHandle, launchChromium } from "@purertc/interop/chromium";
import { forwardCandidates, inPage } from "@purertc/interop/chromium-page";
import { type JsonChild, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns } from "@purertc/interop/netns";

const fixture = fileURLToPath(new URL("./peer.fixture.mjs", import.meta.url));

/** Headless Chromium and a purertc peer (peer.fixture.mjs) in one loopback namespace of their own. */
export interface ChromiumAndFixture extends AsyncDisposable {
  readonly page: ChromiumHandle["page"];
  readonly child: JsonChild;
}

/**
 * Makes the namespace, launches Chromium in it (with `chromiumArgs`) and
 * spawns the fixture (with `fixtureArgs`) there; disposing stops them in
 * reverse order, also when a step of the making failed.
 */
export async function chromiumAndFixture(
  prefix: string,
  fixtureArgs: string[],
  chromiumArgs: string[] = [],
): Promise<ChromiumAndFixture> {
  const ns = await createLoopbackNetns({ prefix });
  let browser: ChromiumHandle | undefined;
  try {
    browser = await launchChromium({ netns: ns.name, loopback: true, extraArgs: chromiumArgs });
    const child = watchJsonChild(
      ns.spawn(process.execPath, [fixture, ...fixtureArgs], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }),
    );
    const started = browser;
    return {
      page: started.page,
      child,
      async [Symbol.asyncDispose]() {
        try {
          await child.stop();
        } finally {
          try {
            await started[Symbol.asyncDispose]();
          } finally {
            await ns[Symbol.asyncDispose]();
          }
        }
      },
    };
  } catch (error) {
    try {
      await browser?.[Symbol.asyncDispose]();
    } finally {
      await ns[Symbol.asyncDispose]();
    }
    throw error;
  }
}

/**
 * Offer and answer between the page's `pc` (already made, with a channel when
 * Chromium offers) and the fixture, then candidates both ways; resolves with
 * the function that stops forwarding them.
 */
export async function exchangeDescriptions(
  page: ChromiumHandle["page"],
  child: JsonChild,
  purertcOffers: boolean,
  beforeChromiumOffers = "",
): Promise<() => Promise<void>> {
  if (purertcOffers) {
    const offer = await child.next((e) => e.event === "offer");
    const answer = await inPage<string>(
      page,
      `await pc.setRemoteDescription({ type: "offer", sdp: arg });
       await pc.setLocalDescription(await pc.createAnswer());
       await gathered(pc);
       return pc.localDescription.sdp;`,
      String(offer.sdp),
    );
    const stop = forwardCandidates(child, page);
    child.send({ type: "answer", sdp: answer });
    return stop;
  }
  const offer = await inPage<string>(
    page,
    `${beforeChromiumOffers}
     await pc.setLocalDescription(await pc.createOffer());
     await gathered(pc);
     return pc.localDescription.sdp;`,
  );
  child.send({ type: "offer", sdp: offer });
  const answer = await child.next((e) => e.event === "answer");
  await inPage(page, `await pc.setRemoteDescription({ type: "answer", sdp: arg });`, String(answer.sdp));
  return forwardCandidates(child, page);
}
