import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { SrtpContext, type SrtpProfileName } from "@purertc/srtp";
import { RtpHeader, SrtpSession } from "werift";

/**
 * SRTP protect/unprotect of one implementation in a process of its own (forked by the media suite with an
 * IPC channel), so that no implementation pays for another's garbage or JIT state. Each
 * `{ profile, op, ms }` message runs that operation for about `ms` of wall time and is answered with
 * `{ rate }`: operations per CPU-second of this process (`process.cpuUsage`, user + system, GC threads
 * included), i.e. packets per second per core.
 *
 * - ours: @purertc/srtp SrtpContext; werift: werift 0.25.2's SrtpSession (it takes a parsed RtpHeader and
 *   the payload);
 * - bare: only the node:crypto calls of one packet the per-packet way (createCipheriv(ctr) + createHmac, or
 *   createCipheriv(gcm) + AAD + final + tag), nothing else: the floor of that design.
 *
 * Protect runs consecutive sequence numbers on one long-lived context; unprotect runs a stream of 4,096
 * packets protected beforehand, in order, through a fresh receiving context per pass (both
 * implementations pay that creation every 4,096 packets).
 *
 * Usage: fork(srtp-worker.js, [<ours|werift|bare>])
 */

export type Impl = "ours" | "werift" | "bare";
export type Op = "protect" | "unprotect";
export interface Profile {
  name: SrtpProfileName;
  werift: 1 | 7;
  key: number;
  salt: number;
}

export const PAYLOAD = 1188;
export const SSRC = 0x1234abcd;
const STREAM = 4096;

/** The work of one implementation on one profile: `protect` and `unprotect` closures. */
export function workload(impl: Impl, profile: Profile, masterKey: Uint8Array, masterSalt: Uint8Array) {
  let sink = 0;
  const payload = Buffer.alloc(PAYLOAD, 0xa5);
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: 0,
    timestamp: 90000,
    ssrc: SSRC,
    marker: false,
  });
  const rtpOf = (seq: number) => {
    header.sequenceNumber = seq & 0xffff;
    return Buffer.concat([header.serialize(header.serializeSize), payload]);
  };
  const werift = () =>
    new SrtpSession({
      profile: profile.werift,
      keys: {
        localMasterKey: Buffer.from(masterKey),
        localMasterSalt: Buffer.from(masterSalt),
        remoteMasterKey: Buffer.from(masterKey),
        remoteMasterSalt: Buffer.from(masterSalt),
      },
    });
  const ours = () => new SrtpContext({ profile: profile.name, masterKey, masterSalt });

  if (impl === "bare") {
    const gcm = profile.name === "SRTP_AEAD_AES_128_GCM";
    const sessionKey = randomBytes(profile.key);
    const authKey = randomBytes(20);
    const iv = Buffer.alloc(gcm ? 12 : 16);
    const rtp = rtpOf(0);
    const rtpHeader = rtp.subarray(0, 12);
    const body = rtp.subarray(12);
    const roc = Buffer.alloc(4);
    const bare = gcm
      ? () => {
          iv[11] = (iv[11]! + 1) & 0xff;
          const c = createCipheriv("aes-128-gcm", sessionKey, iv, { authTagLength: 16 });
          c.setAAD(rtpHeader);
          sink += c.update(body).length;
          c.final();
          sink += c.getAuthTag().length;
        }
      : () => {
          iv[13] = (iv[13]! + 1) & 0xff;
          const enc = createCipheriv("aes-128-ctr", sessionKey, iv).update(body);
          sink += createHmac("sha1", authKey).update(rtpHeader).update(enc).update(roc).digest().length;
        };
    return { protect: bare, unprotect: bare, sink: () => sink };
  }

  let seq = 0;
  let protect: () => void;
  let stream: Uint8Array[];
  let unprotectOne: (packet: Uint8Array) => number;
  let fresh: () => void;
  if (impl === "ours") {
    const rtp = rtpOf(0);
    const tx = ours();
    protect = () => {
      seq = (seq + 1) & 0xffff;
      rtp[2] = seq >>> 8;
      rtp[3] = seq & 0xff;
      sink += tx.protectRtp(rtp).length;
    };
    const sender = ours();
    stream = Array.from({ length: STREAM }, (_, i) => sender.protectRtp(rtpOf(i)));
    let rx = ours();
    fresh = () => {
      rx.close();
      rx = ours();
    };
    unprotectOne = (p) => rx.unprotectRtp(p).length;
  } else {
    const tx = werift();
    protect = () => {
      header.sequenceNumber = seq = (seq + 1) & 0xffff;
      sink += tx.encrypt(payload, header).length;
    };
    const sender = werift();
    stream = Array.from({ length: STREAM }, (_, i) => {
      header.sequenceNumber = i;
      return sender.encrypt(payload, header);
    });
    let rx = werift();
    fresh = () => {
      rx = werift();
    };
    unprotectOne = (p) => rx.decrypt(p as Buffer).length;
  }
  let at = 0;
  const unprotect = () => {
    if (at === STREAM) {
      fresh();
      at = 0;
    }
    sink += unprotectOne(stream[at++]!);
  };
  fresh();
  return { protect, unprotect, sink: () => sink };
}

/** Operations per CPU-second of this process, running `fn` for about `ms` of wall time. */
export function perCoreOpsPerSecond(fn: () => void, ms: number, batch = 200): number {
  for (let i = 0; i < batch * 5; i++) fn(); // re-warm: this process sat idle while the others ran
  let count = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    count += batch;
  }
  const used = process.cpuUsage(cpu);
  return (count * 1e6) / (used.user + used.system);
}

// Runs as a worker only when it is the forked entry point (the suite also imports its constants).
if (process.send !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const impl = process.argv[2] as Impl;
  const loads = new Map<string, ReturnType<typeof workload>>();
  process.on(
    "message",
    (m: { profile?: Profile; key?: string; salt?: string; op?: Op; ms?: number; done?: boolean }) => {
      if (m.done || !m.profile || !m.op || !m.key || !m.salt) {
        process.disconnect();
        return;
      }
      let w = loads.get(m.profile.name);
      if (w === undefined) {
        w = workload(impl, m.profile, Buffer.from(m.key, "hex"), Buffer.from(m.salt, "hex"));
        loads.set(m.profile.name, w);
      }
      const rate = perCoreOpsPerSecond(w[m.op], m.ms ?? 300);
      if (w.sink() === 0) throw new Error("unreachable: keeps the work from being optimised away");
      process.send!({ rate });
    },
  );
}
