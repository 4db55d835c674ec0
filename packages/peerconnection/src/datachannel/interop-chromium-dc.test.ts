import { chromiumAvailable } from "@purertc/interop/chromium";
import { inPage, pageUntil } from "@purertc/interop/chromium-page";
import type { JsonChild } from "@purertc/interop/json-child";
import { netnsAvailable } from "@purertc/interop/netns";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { chromiumAndFixture, exchangeDescriptions } from "./chromium-and-fixture.test-helper.js";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();

/**
 * In the page: one RTCPeerConnection (globalThis.pc), every channel by label
 * (globalThis.dcs, its own and the ones purertc opens), and what each received
 * (globalThis.got).
 */
const PAGE_SETUP = `(() => {
  const pc = new RTCPeerConnection();
  globalThis.pc = pc;
  globalThis.dcs = {};
  globalThis.got = {};
  globalThis.closedAt = {};
  globalThis.track = (c) => {
    c.binaryType = "arraybuffer";
    globalThis.dcs[c.label] = c;
    globalThis.got[c.label] = [];
    c.addEventListener("message", (e) => globalThis.got[c.label].push(e.data));
    c.addEventListener("close", () => { globalThis.closedAt[c.label] = performance.now(); });
    return c;
  };
  globalThis.opened = (c) => c.readyState === "open" ? Promise.resolve() : new Promise((r) => c.addEventListener("open", r, { once: true }));
  pc.ondatachannel = (e) => globalThis.track(e.channel);
})()`;

async function connect(page: Page, child: JsonChild, purertcOffers: boolean): Promise<() => Promise<void>> {
  await page.evaluate(PAGE_SETUP);
  // Chromium's first channel puts the data section in its offer.
  if (!purertcOffers) await inPage(page, `track(pc.createDataChannel("from-chromium"));`);
  return exchangeDescriptions(page, child, purertcOffers);
}

async function scenario(purertcOffers: boolean): Promise<void> {
  const args = [purertcOffers ? "--offer" : "--answer", "--echo"];
  if (purertcOffers) args.push("--create", "from-purertc-0");
  await using peers = await chromiumAndFixture(purertcOffers ? "dcpo" : "dcco", args);
  const { page, child } = peers;
  let stop: (() => Promise<void>) | undefined;
  try {
    stop = await connect(page, child, purertcOffers);
    await pageUntil(page, "globalThis.pc.connectionState === 'connected'", 30_000);
    await child.next((e) => e.event === "connectionstatechange" && e.state === "connected", 10_000);

    // A channel from Chromium: purertc sees it (datachannel) and echoes.
    if (purertcOffers) await inPage(page, `track(pc.createDataChannel("from-chromium"));`);
    const dc = await child.next((e) => e.event === "datachannel" && e.label === "from-chromium");
    // Chromium's OPEN carries priority 256 (it ignores RTCDataChannelInit.priority): "low" here.
    expect(dc.priority).toBe("low");
    // purertc is the DTLS client when Chromium offers (even ids), the server when it offers (odd).
    expect(Number(dc.id) % 2).toBe(purertcOffers ? 0 : 1);
    await inPage(page, `await opened(dcs["from-chromium"]); dcs["from-chromium"].send("hello");`);
    await pageUntil(page, `got["from-chromium"].length === 1`);
    expect(await inPage(page, `return got["from-chromium"][0];`)).toBe("hello");

    // A channel from purertc: Chromium gets the datachannel event and the echo comes back.
    // Our OPEN carries priority 1024 ("high", RFC 8832 §5.1): Chromium takes it and the channel works.
    child.send({ cmd: "create", label: "from-purertc", init: { protocol: "proto", priority: "high" } });
    await pageUntil(page, `dcs["from-purertc"]?.readyState === "open"`);
    expect(await inPage(page, `return [dcs["from-purertc"].protocol, dcs["from-purertc"].id % 2];`)).toEqual([
      "proto",
      purertcOffers ? 1 : 0,
    ]);
    await inPage(page, `dcs["from-purertc"].send("to purertc");`);
    await child.next((e) => e.event === "message" && e.label === "from-purertc" && e.text === "to purertc");
    await pageUntil(page, `got["from-purertc"].length === 1`);

    // A negotiated pair: no DCEP, same id on both sides.
    child.send({ cmd: "create", label: "neg", init: { negotiated: true, id: 100 } });
    await child.next((e) => e.event === "open" && e.label === "neg");
    await inPage(
      page,
      `const c = track(pc.createDataChannel("neg", { negotiated: true, id: 100 })); await opened(c); c.send("n");`,
    );
    await pageUntil(page, `got["neg"].length === 1`);

    // 1,000 ordered messages arrive in order (at purertc, and back at Chromium).
    await inPage(
      page,
      `got["from-chromium"] = []; for (let i = 0; i < 1000; i++) dcs["from-chromium"].send(String(i));`,
    );
    await pageUntil(page, `got["from-chromium"].length === 1000`, 20_000);
    expect(await inPage(page, `return got["from-chromium"].every((m, i) => m === String(i));`)).toBe(true);
    const texts = child.events
      .filter((e) => e.event === "message" && e.label === "from-chromium")
      .slice(1)
      .map((e) => e.text);
    expect(texts).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));

    // Unordered, maxRetransmits 0.
    await inPage(
      page,
      `const c = track(pc.createDataChannel("lossy", { ordered: false, maxRetransmits: 0 })); await opened(c); for (let i = 0; i < 100; i++) c.send("u" + i);`,
    );
    const lossy = await child.next((e) => e.event === "datachannel" && e.label === "lossy");
    expect(lossy).toMatchObject({ ordered: false, maxRetransmits: 0 });
    await pageUntil(page, `got["lossy"].length >= 90`); // loopback: all of them in practice

    // maxPacketLifeTime both ways (DCEP's timed channel types, RFC 8832 §5.1).
    await inPage(
      page,
      `const c = track(pc.createDataChannel("timed", { ordered: false, maxPacketLifeTime: 300 })); await opened(c);`,
    );
    expect(await child.next((e) => e.event === "datachannel" && e.label === "timed")).toMatchObject({
      ordered: false,
      maxPacketLifeTime: 300,
      maxRetransmits: null,
    });
    child.send({ cmd: "create", label: "timed-purertc", init: { ordered: false, maxPacketLifeTime: 250 } });
    await pageUntil(page, `dcs["timed-purertc"]?.readyState === "open"`);
    expect(
      await inPage(
        page,
        `const c = dcs["timed-purertc"]; return [c.ordered, c.maxPacketLifeTime, c.maxRetransmits];`,
      ),
    ).toEqual([false, 250, null]);

    // 256 KiB each way: Chromium → purertc, echoed back purertc → Chromium, bytes compared in the page.
    await inPage(
      page,
      `got["from-chromium"] = []; const b = new Uint8Array(262144); for (let i = 0; i < b.length; i++) b[i] = i * 7; dcs["from-chromium"].send(b);`,
    );
    const big = await child.next(
      (e) => e.event === "message" && e.label === "from-chromium" && e.size === 262144,
      10_000,
    );
    expect(big.type).toBe("binary");
    await pageUntil(page, `got["from-chromium"].length === 1`, 10_000);
    expect(
      await inPage(
        page,
        `const r = new Uint8Array(got["from-chromium"][0]); return r.length === 262144 && r.every((v, i) => v === ((i * 7) & 255));`,
      ),
    ).toBe(true);

    // Empty string and empty binary, both ways.
    await inPage(
      page,
      `got["from-chromium"] = []; dcs["from-chromium"].send(""); dcs["from-chromium"].send(new ArrayBuffer(0));`,
    );
    await child.next(
      (e) => e.event === "message" && e.label === "from-chromium" && e.type === "string" && e.size === 0,
    );
    await child.next(
      (e) => e.event === "message" && e.label === "from-chromium" && e.type === "binary" && e.size === 0,
    );
    await pageUntil(page, `got["from-chromium"].length === 2`);
    expect(
      await inPage(
        page,
        `const [s, b] = got["from-chromium"]; return [s, b instanceof ArrayBuffer, b.byteLength];`,
      ),
    ).toEqual(["", true, 0]);

    // 64 channels at once.
    await inPage(
      page,
      `const cs = []; for (let i = 0; i < 64; i++) cs.push(track(pc.createDataChannel("m" + i))); await Promise.all(cs.map(opened)); for (const c of cs) c.send(c.label);`,
    );
    await pageUntil(
      page,
      `Array.from({ length: 64 }, (_, i) => got["m" + i]?.length === 1).every(Boolean)`,
      20_000,
    );
    expect(
      child.events.filter((e) => e.event === "datachannel" && /^m\d+$/.test(String(e.label))).length,
    ).toBe(64);

    // Closed from Chromium: purertc sees close within 1 s; closed from purertc: Chromium sees it within 1 s.
    const t0 = Date.now();
    await inPage(page, `dcs["m0"].close();`);
    await child.next((e) => e.event === "close" && e.label === "m0", 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    const t1 = await inPage<number>(page, `return performance.now();`);
    child.send({ cmd: "close", label: "m1" });
    await pageUntil(page, `dcs["m1"].readyState === "closed"`, 1000);
    expect((await inPage<number>(page, `return closedAt["m1"];`)) - t1).toBeLessThan(1000);

    // Our pc.close(): Chromium's channels all close.
    child.send({ cmd: "closePc" });
    await child.next((e) => e.event === "pc-closed");
    await pageUntil(page, `Object.values(dcs).every((c) => c.readyState === "closed")`, 5000);
    console.log(
      `Chromium data channels (${purertcOffers ? "purertc offers" : "Chromium offers"}): ${child.events.filter((e) => e.event === "message").length} messages at purertc, all checks passed`,
    );
  } finally {
    await stop?.();
    child.end();
  }
}

describe.skipIf(!netns.available || !chromium)("headless Chromium ↔ purertc data channels", () => {
  it("Chromium offers, purertc answers", { timeout: 120_000 }, () => scenario(false));
  it("purertc offers, Chromium answers", { timeout: 120_000 }, () => scenario(true));
});
