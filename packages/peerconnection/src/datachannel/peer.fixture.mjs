// A scripted purertc peer for the data-channel interop tests (Chromium, pion,
// the lossy proxy): one PeerConnection signalled by JSON lines on stdin and
// stdout, as `purertc pc` is (offer/answer lines, candidate events), which
// also takes commands and reports what its channels do. Imports the built
// packages; runs inside the test's network namespace when there is one.
//
//   node peer.fixture.mjs --offer|--answer [--echo] [--create label,…] [--key-update-after N] [--trace-sctp]
//                         [--hold-data N,M]
//   stdin:  {"type":"offer"|"answer","sdp":…} · {"event":"candidate",…}
//           {"cmd":"create","label":…,"init":{…}} · {"cmd":"send","label":…,"text"|"bytes"|"empty":…}
//           {"cmd":"bulk","label":…,"total":n,"size":n} · {"cmd":"close","label":…} · {"cmd":"closePc"}
//           {"cmd":"sctp"} (reports pc.sctp.maxMessageSize, and {interleaving, retransmissions} of the association,
//           read from its internals) · {"cmd":"echo","on":bool} (turns --echo on or off)
//           {"cmd":"race","labels":[…],"count":n,"size":n} (queues count messages of size bytes on each channel
//           in turns; when the first channel's queue is empty, reports {first, sent: {label: bytes handed to SCTP}})
//   stdout: offer/answer, candidate, connectionstatechange, transport ({tlsVersion, tlsGroup} once
//           connected), datachannel, open, message ({label,type,size,text?,sha256?}), closing, close,
//           bulk-half and bulk-done (half and all of an expected total; `all`: bytes received per label), race, error ({message, name?}: a command threw)
// With --echo every message received is sent back on its channel, same type; --key-update-after N
// sets dtlsKeyUpdateAfterRecords (DTLS 1.3 KeyUpdate after N records of an epoch); --trace-sctp prints
// the chunks of the first 16 SCTP packets each way ({"event":"sctp-packet","dir":"in"|"out","chunks":[…]},
// DATA / I-DATA as "DATA:<ppid>:<stream>"), a test oracle read from the association's internals;
// --hold-data N,M drops every packet of ours that carries the first TSN of our N-th DATA / I-DATA
// packet (its retransmissions too: a loss that outlasts fast retransmission) until M more DATA
// packets have gone out, or 20 s at most, then prints {"event":"held","tsn","dropped","ms"} when it lets
// one with it through (a hold counted in packets, so a slow, loaded machine sees the same one).
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { PeerConnection } from "@purertc/peerconnection";
import { SctpAssociation } from "@purertc/sctp";

const offer = process.argv.includes("--offer");
let echo = process.argv.includes("--echo");
const out = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);
const keyUpdateAt = process.argv.indexOf("--key-update-after");
const pc = new PeerConnection({
  interfaces: "loopback",
  ...(keyUpdateAt > 0 ? { dtlsKeyUpdateAfterRecords: Number(process.argv[keyUpdateAt + 1]) } : {}),
});
if (process.argv.includes("--trace-sctp")) traceSctp(16);
const holdAt = process.argv.indexOf("--hold-data");
if (holdAt > 0) holdData(...process.argv[holdAt + 1].split(",").map(Number));
const channels = new Map();
const received = new Map(); // label -> { bytes, messages, lastSeq, inOrder }

pc.addEventListener("icecandidate", (e) =>
  out({
    event: "candidate",
    candidate: e.candidate?.candidate ?? "",
    sdpMid: e.candidate?.sdpMid ?? "0",
    sdpMLineIndex: e.candidate?.sdpMLineIndex ?? 0,
  }),
);
pc.addEventListener("connectionstatechange", async () => {
  out({ event: "connectionstatechange", state: pc.connectionState });
  if (pc.connectionState !== "connected") return;
  for (const s of (await pc.getStats()).values())
    if (s.type === "transport") out({ event: "transport", tlsVersion: s.tlsVersion, tlsGroup: s.tlsGroup });
});
pc.addEventListener("datachannel", (e) => {
  const c = e.channel;
  out({
    event: "datachannel",
    label: c.label,
    id: c.id,
    ordered: c.ordered,
    maxRetransmits: c.maxRetransmits,
    maxPacketLifeTime: c.maxPacketLifeTime,
    protocol: c.protocol,
    negotiated: c.negotiated,
    priority: c.priority,
    readyState: c.readyState,
  });
  watch(c);
});

function watch(c) {
  channels.set(c.label, c);
  const stats = { bytes: 0, messages: 0, lastSeq: -1, inOrder: true };
  received.set(c.label, stats);
  c.addEventListener("open", () => out({ event: "open", label: c.label, id: c.id }));
  c.addEventListener("closing", () => out({ event: "closing", label: c.label }));
  c.addEventListener("close", () => {
    out({ event: "close", label: c.label, id: c.id });
    if (channels.get(c.label) === c) channels.delete(c.label);
  });
  c.addEventListener("error", (e) =>
    out({ event: "error", label: c.label, detail: e.error.errorDetail, message: e.error.message }),
  );
  c.addEventListener("message", (e) => {
    const data = e.data;
    const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    stats.bytes += bytes.length;
    stats.messages++;
    // Sequence-numbered bulk (first 4 bytes, big-endian) is checked for order here, not printed.
    if (typeof data !== "string" && c.label.startsWith("bulk")) {
      if (bytes.length >= 4) {
        const seq = bytes.readUInt32BE(0);
        if (seq <= stats.lastSeq) stats.inOrder = false;
        stats.lastSeq = seq;
      }
      const expected = c.expect ?? Number.POSITIVE_INFINITY;
      if (stats.bytes >= expected / 2 && stats.bytes - bytes.length < expected / 2)
        out({ event: "bulk-half", label: c.label, all: bytesPerLabel() });
      if (stats.bytes >= expected)
        out({ event: "bulk-done", label: c.label, ...stats, all: bytesPerLabel() });
      return;
    }
    const event = {
      event: "message",
      label: c.label,
      type: typeof data === "string" ? "string" : "binary",
      size: bytes.length,
    };
    if (typeof data === "string" && data.length <= 200) event.text = data;
    if (bytes.length > 200) event.sha256 = createHash("sha256").update(bytes).digest("hex");
    out(event);
    if (echo && c.readyState === "open") c.send(data);
  });
}

async function onLine(line) {
  if ((line.type === "offer" || line.type === "answer") && typeof line.sdp === "string") {
    await pc.setRemoteDescription({ type: line.type, sdp: line.sdp });
    if (line.type === "offer") {
      await pc.setLocalDescription(await pc.createAnswer());
      out({ event: "answer", type: "answer", sdp: pc.localDescription.sdp });
    }
  } else if (line.event === "candidate") {
    await pc.addIceCandidate({
      candidate: line.candidate ?? "",
      sdpMid: line.sdpMid ?? null,
      sdpMLineIndex: line.sdpMLineIndex ?? null,
    });
  } else if (line.cmd === "create") {
    const c = pc.createDataChannel(line.label, line.init ?? {});
    if (line.expect) c.expect = line.expect;
    watch(c);
    out({ event: "created", label: c.label, id: c.id });
  } else if (line.cmd === "expect") {
    const c = channels.get(line.label);
    if (c) c.expect = line.total;
  } else if (line.cmd === "send") {
    const c = channels.get(line.label);
    if (line.text !== undefined) c.send(line.text);
    else if (line.empty === "string") c.send("");
    else if (line.empty === "binary") c.send(new ArrayBuffer(0));
    else c.send(pattern(line.bytes));
    out({
      event: "sent",
      label: line.label,
      sha256: line.bytes ? createHash("sha256").update(pattern(line.bytes)).digest("hex") : undefined,
    });
  } else if (line.cmd === "bulk") {
    bulk(channels.get(line.label), line.total, line.size);
  } else if (line.cmd === "race") {
    race(
      line.labels.map((label) => channels.get(label)),
      line.count,
      line.size,
    );
  } else if (line.cmd === "close") {
    channels.get(line.label)?.close();
  } else if (line.cmd === "sctp") {
    // Test oracle only: whether I-DATA (RFC 8260) was negotiated, and how many chunks went again.
    const association = pc.sctp?.association;
    out({
      event: "sctp",
      maxMessageSize: pc.sctp?.maxMessageSize ?? null,
      interleaving: association?.tcb?.interleaving ?? null,
      retransmissions: association?.getStats().retransmissions ?? null,
    });
  } else if (line.cmd === "echo") {
    echo = line.on === true;
    out({ event: "echo", on: echo });
  } else if (line.cmd === "closePc") {
    await pc.close();
    out({ event: "pc-closed" });
  }
}

/** Prints the chunk types of the first `limit` SCTP packets each way (test oracle: wraps internals). */
function traceSctp(limit) {
  const names = {
    1: "INIT",
    2: "INIT-ACK",
    3: "SACK",
    10: "COOKIE-ECHO",
    11: "COOKIE-ACK",
    130: "RE-CONFIG",
  };
  const chunks = (p) => {
    const out = [];
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    for (let at = 12; at + 4 <= p.length; ) {
      const type = p[at];
      const length = view.getUint16(at + 2);
      if (length < 4) break;
      // DATA: PPID at +12, I-DATA: at +16 (RFC 9260 §3.3.1, RFC 8260 §2.1); stream at +8 in both.
      if ((type === 0 || type === 64) && at + 20 <= p.length)
        out.push(`DATA:${view.getUint32(at + (type === 0 ? 12 : 16))}:${view.getUint16(at + 8)}`);
      else out.push(names[type] ?? String(type));
      at += (length + 3) & ~3;
    }
    return out;
  };
  const count = { in: 0, out: 0 };
  const wrap = (name, dir) => {
    const original = SctpAssociation.prototype[name];
    SctpAssociation.prototype[name] = function (p) {
      if (count[dir]++ < limit) out({ event: "sctp-packet", dir, chunks: chunks(p) });
      return original.call(this, p);
    };
  };
  wrap("handlePacket", "in");
  wrap("emit", "out");
}

/** --hold-data: drops the packets of ours carrying one TSN while `more` others go out (test oracle: wraps internals). */
function holdData(nth, more) {
  const tsns = (p) => {
    const list = [];
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    for (let at = 12; at + 8 <= p.length; ) {
      const length = view.getUint16(at + 2);
      if (length < 4) break;
      // DATA and I-DATA carry their TSN at +4 (RFC 9260 §3.3.1, RFC 8260 §2.1).
      if (p[at] === 0 || p[at] === 64) list.push(view.getUint32(at + 4));
      at += (length + 3) & ~3;
    }
    return list;
  };
  let seen = 0;
  let tsn;
  let from = 0;
  let dropped = 0;
  const original = SctpAssociation.prototype.emit;
  SctpAssociation.prototype.emit = function (p) {
    const list = tsns(p);
    if (list.length === 0) return original.call(this, p);
    // Counted are the DATA packets let through.
    if (tsn === undefined && seen + 1 === nth) {
      tsn = list[0];
      from = performance.now();
    }
    if (tsn !== undefined && list.includes(tsn)) {
      if (seen < nth + more && performance.now() - from < 20_000) {
        dropped++;
        return;
      }
      if (dropped > 0) out({ event: "held", tsn, dropped, ms: Math.round(performance.now() - from) });
      dropped = 0;
    }
    seen++;
    return original.call(this, p);
  };
}

/** Bytes received so far on each channel, by label. */
function bytesPerLabel() {
  return Object.fromEntries([...received].map(([label, s]) => [label, s.bytes]));
}

/**
 * Queues `count` messages of `size` bytes on each channel in turns (so a
 * scheduler without priorities would give each the same share); when the
 * first channel's queue is empty, reports what each had handed to SCTP.
 */
function race(cs, count, size) {
  const total = count * size;
  let reported = false;
  for (const c of cs) {
    c.bufferedAmountLowThreshold = 0;
    c.addEventListener("bufferedamountlow", () => {
      if (reported) return;
      reported = true;
      out({
        event: "race",
        first: c.label,
        sent: Object.fromEntries(cs.map((x) => [x.label, total - x.bufferedAmount])),
      });
    });
  }
  for (let i = 0; i < count; i++) for (const c of cs) c.send(Buffer.alloc(size, i & 0xff));
}

/** Bytes 0,1,2,…,255,0,… (the same pattern the other side checks). */
function pattern(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

/** Sends `total` bytes in `size`-byte messages (sequence number first) with bufferedAmountLowThreshold backpressure. */
function bulk(c, total, size) {
  let seq = 0;
  let sent = 0;
  const high = 1024 * 1024;
  const pump = () => {
    while (sent < total && c.readyState === "open" && c.bufferedAmount < high) {
      const b = Buffer.alloc(Math.min(size, total - sent), seq & 0xff);
      b.writeUInt32BE(seq++, 0);
      c.send(b);
      sent += b.length;
    }
    if (sent >= total) out({ event: "bulk-sent", label: c.label, bytes: sent, messages: seq });
  };
  c.bufferedAmountLowThreshold = high / 2;
  c.onbufferedamountlow = pump;
  pump();
}

const input = createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
input.on("line", (raw) => {
  let line;
  try {
    line = JSON.parse(raw);
  } catch {
    return;
  }
  queue = queue
    .then(() => onLine(line))
    .catch((error) => out({ event: "error", message: error.message, name: error.name }));
});
input.on("close", async () => {
  await queue;
  await pc.close();
  out({ event: "closed" });
  process.exit(0);
});
process.on("SIGTERM", async () => {
  await pc.close();
  process.exit(0);
});

if (offer) {
  // Channels to create before the offer come as --create label[,label…] (none by default).
  const at = process.argv.indexOf("--create");
  if (at > 0) for (const label of process.argv[at + 1].split(",")) watch(pc.createDataChannel(label));
  await pc.setLocalDescription(await pc.createOffer());
  out({ event: "offer", type: "offer", sdp: pc.localDescription.sdp });
}
