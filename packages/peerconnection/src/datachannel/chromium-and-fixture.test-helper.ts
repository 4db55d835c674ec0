import { fileURLToPath } from "node:url";
import { type ChromiumHandle, launchChromium } from "@purertc/interop/chromium";
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
