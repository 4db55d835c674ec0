import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { inPage, pageUntil } from "@purertc/interop/chromium-page";
import { ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, type Netns, netnsAvailable } from "@purertc/interop/netns";
import { requirePeer } from "@purertc/interop/peers";
import { describe, expect, it } from "vitest";
import { exchangeDescriptions } from "./datachannel/chromium-and-fixture.test-helper.js";

// Under CI=true these throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
const tshark = requirePeer("/usr/bin/tshark", "tshark");
const fixture = fileURLToPath(new URL("./datachannel/peer.fixture.mjs", import.meta.url));

/** purertc sends a KeyUpdate (asking Chromium to update too) after this many records per epoch. */
const KEY_UPDATE_AFTER = 40;
/** Messages Chromium sends and purertc echoes: enough records for several updates each way. */
const MESSAGES = 400;

const PAGE_SETUP = `(() => {
  const pc = new RTCPeerConnection();
  globalThis.pc = pc;
  globalThis.got = [];
  globalThis.track = (c) => {
    globalThis.dc = c;
    c.addEventListener("message", (e) => globalThis.got.push(e.data));
    return c;
  };
  pc.ondatachannel = (e) => globalThis.track(e.channel);
})()`;

/** tshark on the namespace's lo, all UDP, into `file`; resolves once it captures. */
async function startCapture(ns: Netns, file: string) {
  const child = ns.spawn("/usr/bin/tshark", ["-i", "lo", "-f", "udp", "-w", file, "-l"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  for (let i = 0; i < 100 && !err.includes("Capturing on"); i++) {
    if (child.exitCode !== null) throw new Error(`tshark exited: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // "Capturing on" comes a little before packets are: ICE's first checks may be missed, records are not.
  await new Promise((r) => setTimeout(r, 500));
  return async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  };
}

/**
 * The two low epoch bits of every DTLS 1.3 ciphertext record that starts a
 * datagram, by UDP source port (read raw: this tshark does not dissect
 * unified headers). RFC 9147 §4: first byte 001CSLEE.
 */
function epochBitsBySource(file: string): Map<string, Set<number>> {
  const out = execFileSync(
    "/usr/bin/tshark",
    [
      "-r",
      file,
      "--disable-protocol",
      "dtls",
      "--disable-protocol",
      "stun",
      "-T",
      "fields",
      "-e",
      "udp.srcport",
      "-e",
      "data.data",
    ],
    { encoding: "utf8" },
  );
  const bySource = new Map<string, Set<number>>();
  for (const line of out.trim().split("\n")) {
    const [port, hex] = line.split("\t");
    if (!port || !hex) continue;
    const first = Number.parseInt(hex.slice(0, 2), 16);
    if ((first & 0xe0) !== 0x20) continue;
    const bits = bySource.get(port) ?? new Set<number>();
    bySource.set(port, bits);
    bits.add(first & 3);
  }
  return bySource;
}

async function scenario(purertcOffers: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "purertc-keyupdate-"));
  const file = join(dir, "ku.pcap");
  try {
    await using ns = await createLoopbackNetns({ prefix: purertcOffers ? "kupo" : "kuco" });
    const stopCapture = await startCapture(ns, file);
    let captured = false;
    try {
      await using browser = await launchChromium({ netns: ns.name, loopback: true });
      const page = browser.page;
      const args = [
        fixture,
        ...(purertcOffers ? ["--offer", "--create", "ku"] : ["--answer"]),
        "--echo",
        "--key-update-after",
        String(KEY_UPDATE_AFTER),
      ];
      const child = watchJsonChild(
        ns.spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }),
      );
      let stop: (() => Promise<void>) | undefined;
      try {
        await page.evaluate(PAGE_SETUP);
        stop = await exchangeDescriptions(page, child, purertcOffers, 'track(pc.createDataChannel("ku"));');
        const transport = await child.next((e) => e.event === "transport", 30_000);
        expect(transport).toMatchObject({ tlsVersion: "FEFC", tlsGroup: "X25519MLKEM768" });
        await pageUntil(page, "globalThis.dc?.readyState === 'open'", 10_000);
        // Sent one by one, each after the previous echo: records flow both ways all along.
        const ok = await inPage<boolean>(
          page,
          `for (let i = 0; i < arg; i++) {
             const n = got.length;
             dc.send("m" + i);
             const t0 = performance.now();
             while (got.length === n && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 1));
             if (got[i] !== "m" + i) return false;
           }
           return true;`,
          MESSAGES,
        );
        expect(ok).toBe(true);
        // Chromium still reports DTLS 1.3 and a connected transport after the updates.
        const stats = await inPage<Record<string, unknown>>(
          page,
          `const s = await pc.getStats(); let t = {}; s.forEach((r) => { if (r.type === "transport") t = r; }); return { tlsVersion: t.tlsVersion, dtlsState: t.dtlsState };`,
        );
        expect(stats).toEqual({ tlsVersion: "FEFC", dtlsState: "connected" });
      } finally {
        await stop?.();
        child.end();
        await child.stop();
      }
      await stopCapture();
      captured = true;
      // Both sides moved past epoch 3 (bits 3) to 4 and 5 (bits 0 and 1): purertc's write epoch
      // advances only once Chromium acknowledged its KeyUpdate, and Chromium's once it answered the
      // update_requested with a KeyUpdate of its own.
      const bySource = epochBitsBySource(file);
      expect(bySource.size).toBe(2);
      for (const bits of bySource.values()) for (const b of [0, 1, 2, 3]) expect(bits).toContain(b);
    } finally {
      if (!captured) await stopCapture();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!netns.available || !chromium || !tshark.available)(
  "headless Chromium ↔ purertc: DTLS 1.3 KeyUpdate both ways (purertc updates every 40 records)",
  () => {
    it("Chromium offers (purertc is the DTLS client)", { timeout: 120_000 }, () => scenario(false));
    it("purertc offers (purertc is the DTLS server)", { timeout: 120_000 }, () => scenario(true));
  },
);
