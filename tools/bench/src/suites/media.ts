import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { SrtpContext } from "@purertc/srtp";
import { RtpHeader, SrtpSession } from "werift";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";
import { type Impl, type Op, PAYLOAD, type Profile, SSRC } from "../media/srtp-worker.js";

/**
 * Media: SRTP protect and unprotect of 1,200-byte RTP packets (12-byte header, 1,188-byte payload: a
 * full-MTU video packet), AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM, ours (@purertc/srtp SrtpContext)
 * beside werift 0.25.2's SrtpSession (the rtp package bundled in werift) in the same run.
 *
 * Each implementation runs in a process of its own (../media/srtp-worker.ts) and they take turns in 16
 * short rounds, so that all see the same machine load while none pays for another's garbage; each figure is
 * the MEDIAN of its rounds (with this machine's load, best-of rounds rewarded whoever hit a quiet moment:
 * werift's best protect round once beat the bare node:crypto calls it is made of). Figures are packets per second PER CORE: operations divided by the worker's CPU time
 * (`process.cpuUsage`), not wall time, because this machine's two cores are shared with other sessions and
 * wall time would measure their load. Before measuring, this process checks that each side unprotects
 * what the other protected, for both profiles.
 *
 * Reference column: only the node:crypto calls of one packet done the per-packet way (a new cipher object
 * per packet, as werift does), with nothing else: the floor of that design.
 */

const PROFILES: (Profile & { label: string })[] = [
  { name: "SRTP_AES128_CM_HMAC_SHA1_80", werift: 1, label: "AES-CM-HMAC-SHA1-80", key: 16, salt: 14 },
  { name: "SRTP_AEAD_AES_128_GCM", werift: 7, label: "AEAD-AES-128-GCM", key: 16, salt: 12 },
];
const REFERENCE: Record<string, string> = {
  SRTP_AES128_CM_HMAC_SHA1_80: "bare createCipheriv(ctr)+createHmac per packet",
  SRTP_AEAD_AES_128_GCM: "bare createCipheriv(gcm) per packet",
};

function crossCheck(profile: Profile, masterKey: Buffer, masterSalt: Buffer): void {
  const werift = () =>
    new SrtpSession({
      profile: profile.werift,
      keys: {
        localMasterKey: masterKey,
        localMasterSalt: masterSalt,
        remoteMasterKey: masterKey,
        remoteMasterSalt: masterSalt,
      },
    });
  const ours = () => new SrtpContext({ profile: profile.name, masterKey, masterSalt });
  const payload = randomBytes(PAYLOAD);
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: 7,
    timestamp: 1,
    ssrc: SSRC,
    marker: false,
  });
  const rtp = Buffer.concat([header.serialize(header.serializeSize), payload]);
  if (Buffer.compare(werift().decrypt(Buffer.from(ours().protectRtp(rtp))), rtp) !== 0) {
    throw new Error(`${profile.name}: werift does not read our SRTP`);
  }
  if (Buffer.compare(Buffer.from(ours().unprotectRtp(werift().encrypt(payload, header))), rtp) !== 0) {
    throw new Error(`${profile.name}: we do not read werift's SRTP`);
  }
}

function ask(child: ChildProcess, message: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`media worker exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (m: { rate: number }) => {
      child.off("exit", onExit);
      resolve(m.rate);
    });
    child.send(message);
  });
}

export const suite: BenchSuite = {
  name: "media",
  async run({ quick }) {
    // Many short rounds: the load of other sessions on this machine comes and goes within seconds.
    const ms = quick ? 100 : 150;
    const rounds = quick ? 4 : 16;
    const workerPath = fileURLToPath(new URL("../media/srtp-worker.js", import.meta.url));
    const impls: Impl[] = ["ours", "werift", "bare"];
    const workers = new Map(
      impls.map((impl) => [
        impl,
        fork(workerPath, [impl], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
      ]),
    );
    const rows: BenchRow[] = [];
    try {
      for (const profile of PROFILES) {
        const masterKey = randomBytes(profile.key);
        const masterSalt = randomBytes(profile.salt);
        crossCheck(profile, masterKey, masterSalt);
        const rates = new Map<string, number[]>();
        for (let r = 0; r < rounds; r++) {
          for (const op of ["protect", "unprotect"] as Op[]) {
            for (const impl of impls) {
              if (impl === "bare" && op === "unprotect") continue; // the same calls either way
              const rate = await ask(workers.get(impl)!, {
                profile,
                key: masterKey.toString("hex"),
                salt: masterSalt.toString("hex"),
                op,
                ms,
              });
              rates.set(`${impl}/${op}`, [...(rates.get(`${impl}/${op}`) ?? []), rate]);
            }
          }
        }
        const median = (key: string) => percentiles(rates.get(key)!).median;
        for (const op of ["protect", "unprotect"] as Op[]) {
          rows.push({
            metric: `SRTP ${op} ${profile.label}, 1200-byte RTP`,
            unit: "pkt/s/core",
            ours: median(`ours/${op}`),
            werift: median(`werift/${op}`),
            reference: { name: REFERENCE[profile.name]!, value: median("bare/protect") },
            higherIsBetter: true,
          });
        }
      }
    } finally {
      for (const w of workers.values()) {
        if (w.connected) w.send({ done: true });
      }
      await Promise.all(
        [...workers.values()].map((w) =>
          w.exitCode === null ? new Promise((r) => w.once("exit", r)) : undefined,
        ),
      );
    }

    // The sender's per-keyframe cost (H.264 packetize + SRTP protect of a 100 KB keyframe) is a row of the
    // `rtp` suite, beside the packetizer it is built on.

    return rows;
  },
};
