import { describe, expect, it } from "vitest";
import { RTCPeerConnection as WeriftPeerConnection } from "werift";
import { waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import { nextEvent, nextMessage, until } from "./channel.test-helper.js";
import type { DataChannel } from "./data-channel.js";

/** werift 0.25.2 on 127.0.0.1 only: no public STUN server, only loopback pairs (TOOLCHAIN.md). */
function weriftPeer(): WeriftPeerConnection {
  return new WeriftPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceFilterCandidatePair: (pair) =>
      pair.remoteCandidate.host === "127.0.0.1" && pair.protocol.localCandidate?.host === "127.0.0.1",
  });
}

function keepOnLoopback(pc: WeriftPeerConnection): void {
  const ts = (pc as unknown as { iceTransports: { connection: { stunServer: unknown } }[] }).iceTransports;
  for (const t of ts) t.connection.stunServer = undefined;
}

type WeriftChannel = ReturnType<WeriftPeerConnection["createDataChannel"]>;

function weriftOpen(c: WeriftChannel): Promise<void> {
  if (c.readyState === "open") return Promise.resolve();
  return new Promise((resolve) => c.stateChanged.subscribe((s) => s === "open" && resolve()));
}

function weriftNext(c: WeriftChannel): Promise<string | Buffer> {
  return new Promise((resolve) => {
    const { unSubscribe } = c.onMessage.subscribe((m) => {
      unSubscribe();
      resolve(m);
    });
  });
}

interface Pair {
  ours: PeerConnection;
  theirs: WeriftPeerConnection;
  first: WeriftChannel;
  /** werift's first channel as purertc's datachannel event gives it. */
  fromWerift: Promise<DataChannel>;
}

async function pair(weriftOffers: boolean): Promise<Pair> {
  const ours = new PeerConnection({ interfaces: "loopback" });
  // Listened for before connecting: werift's channel may open as soon as SCTP is up.
  const fromWerift = nextEvent<Event & { channel: DataChannel }>(ours, "datachannel", 20_000).then(
    (e) => e.channel,
  );
  const theirs = weriftPeer();
  ours.addEventListener("icecandidate", (e) => {
    if (e.candidate?.candidate) void theirs.addIceCandidate(e.candidate as never).catch(() => {});
  });
  theirs.onicecandidate = (e) => {
    if (e.candidate?.candidate?.includes(" 127.0.0.1 "))
      void ours.addIceCandidate(e.candidate).catch(() => {});
  };
  // werift needs a channel (or a transceiver) to put a data section in its offer.
  const first = theirs.createDataChannel("from-werift");
  if (weriftOffers) {
    const offer = await theirs.createOffer();
    keepOnLoopback(theirs);
    await theirs.setLocalDescription(offer);
    await ours.setRemoteDescription(theirs.localDescription! as never);
    await ours.setLocalDescription(await ours.createAnswer());
    await theirs.setRemoteDescription(ours.localDescription! as never);
  } else {
    await ours.setLocalDescription(await ours.createOffer());
    await theirs.setRemoteDescription(ours.localDescription! as never);
    const answer = await theirs.createAnswer();
    keepOnLoopback(theirs);
    await theirs.setLocalDescription(answer);
    await ours.setRemoteDescription(theirs.localDescription! as never);
  }
  await waitForState(ours, "connected", 15_000);
  return { ours, theirs, first, fromWerift };
}

describe("werift 0.25.2 ↔ purertc data channels (in process)", () => {
  for (const weriftOffers of [true, false]) {
    it(`${weriftOffers ? "werift" : "purertc"} offers: open, echo, DCEP reliability and protocol both ways, close from both sides`, {
      timeout: 40_000,
    }, async () => {
      const { ours, theirs, first, fromWerift } = await pair(weriftOffers);
      try {
        // werift's channel arrives at purertc; an echo from purertc comes back.
        const theirsRemote = await fromWerift;
        expect(theirsRemote.label).toBe("from-werift");
        theirsRemote.onmessage = (e) => theirsRemote.send(e.data as string);
        await weriftOpen(first);
        const echo = weriftNext(first);
        first.send("ping from werift");
        expect(String(await echo)).toBe("ping from werift");

        // purertc's channel arrives at werift; werift echoes.
        const weriftIncoming = new Promise<WeriftChannel>((resolve) =>
          theirs.onDataChannel.subscribe(resolve),
        );
        const mine = ours.createDataChannel("from-purertc");
        const got = await weriftIncoming;
        got.onMessage.subscribe((m) => got.send(m));
        await until(() => mine.readyState === "open", "open");
        const back = nextMessage(mine);
        mine.send(Uint8Array.of(1, 2, 3));
        expect(new Uint8Array((await back) as ArrayBuffer)).toEqual(Uint8Array.of(1, 2, 3));
        // werift speaks DTLS 1.2 (AES-GCM, 37 bytes a record): our packets are 1163 bytes, and a
        // message of many of them goes through werift and back intact.
        expect(ours.sctp?.maxPacketSize).toBe(1163);
        const big = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff);
        const bigBack = nextMessage(mine);
        mine.send(big);
        expect(new Uint8Array((await bigBack) as ArrayBuffer)).toEqual(big);

        // DCEP's channel type, reliability parameter and protocol (RFC 8832 §5.1) as werift reads and writes them.
        const timedAtWerift = new Promise<WeriftChannel>((resolve) => {
          const { unSubscribe } = theirs.onDataChannel.subscribe((c) => {
            unSubscribe();
            resolve(c);
          });
        });
        const timed = ours.createDataChannel("timed", {
          ordered: false,
          maxPacketLifeTime: 150,
          protocol: "t",
        });
        expect(await timedAtWerift).toMatchObject({
          label: "timed",
          ordered: false,
          maxPacketLifeTime: 150,
          maxRetransmits: null,
          protocol: "t",
          id: timed.id,
        });
        // Ordered here: werift 0.25.2 writes an unordered partially reliable channel as ordered (its channel type
        // 1 or 2 overwrites the 0x80 bit, transport/sctp.js), so only its ordered ones say what it means.
        const rexmitAtOurs = nextEvent<Event & { channel: DataChannel }>(ours, "datachannel");
        const rexmit = theirs.createDataChannel("rexmit", {
          ordered: true,
          maxRetransmits: 2,
          protocol: "r",
        });
        expect((await rexmitAtOurs).channel).toMatchObject({
          label: "rexmit",
          ordered: true,
          maxRetransmits: 2,
          maxPacketLifeTime: null,
          protocol: "r",
          id: rexmit.id,
        });

        // Closed by purertc: werift sees it; closed by werift: purertc sees it.
        mine.close();
        await until(
          () => got.readyState === "closed" && mine.readyState === "closed",
          "werift sees our close",
          3000,
        );
        first.close();
        await until(() => theirsRemote.readyState === "closed", "purertc sees werift's close", 3000);
      } finally {
        await ours.close();
        await theirs.close();
      }
    });
  }
});
