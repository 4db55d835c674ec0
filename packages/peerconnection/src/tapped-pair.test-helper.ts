import { negotiate } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { WireTap } from "./wire-tap.test-helper.js";

/** What sits between the two peers of {@link pairBehind}: it listens at `address` and forwards to its target. */
export interface Middlebox {
  readonly address: { address: string; port: number };
  close(): Promise<void>;
}

/**
 * a (offerer: ICE controlling) ↔ box ↔ b (answerer: ICE controlled). `start`
 * puts a box in front of b's IPv4 loopback candidate (it is given that
 * candidate and b's ICE ufrag, to know a's checks); a knows b only by the
 * box's address, b is told nothing of a and learns the box's upstream socket
 * from a's checks (peer-reflexive), so every datagram both ways crosses the
 * box. `ready` settles with the box once a has its candidate; `close()` closes
 * both peers, then the box.
 */
export function pairBehind<B extends Middlebox>(
  start: (target: { address: string; port: number }, targetUfrag: string | undefined) => Promise<B>,
) {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  let box: B | undefined;
  let starting = false;
  const ready = new Promise<B>((resolve) => {
    b.addEventListener("icecandidate", (e) => {
      const c = e.candidate?.candidate;
      // One box, in front of b's IPv4 loopback candidate; b's others stay unknown to a.
      if (!c || starting || !/ udp \d+ 127\.0\.0\.1 /i.test(c)) return;
      starting = true;
      const fields = c.split(" ");
      const ufrag = /a=ice-ufrag:(\S+)/.exec(b.localDescription?.sdp ?? "")?.[1];
      void start({ address: fields[4]!, port: Number(fields[5]) }, ufrag).then((started) => {
        box = started;
        fields[4] = started.address.address;
        fields[5] = String(started.address.port);
        void a.addIceCandidate({ ...e.candidate, candidate: fields.join(" ") }).catch(() => {});
        resolve(started);
      });
    });
  });
  const close = async () => {
    await a.close();
    await b.close();
    await box?.close();
  };
  return { a, b, ready, close };
}

/**
 * {@link pairBehind} a {@link WireTap} (a is the DTLS server, b the client). With
 * `holdNomination` the tap holds a's nominating checks until released, so b
 * carries DTLS and data on a valid pair that is not nominated (RFC 8445 §12.1).
 */
export async function tappedPair(holdNomination: boolean) {
  const { a, b, ready, close } = pairBehind((target, ufrag) => WireTap.start(target, holdNomination, ufrag));
  return { a, b, tapReady: ready, close };
}

/**
 * {@link tappedPair} with the nomination held, a data channel "early" made by a and the
 * descriptions exchanged: the tap is in place; `opened` settles when the channel opens.
 */
export async function negotiatedTappedPair() {
  const pair = await tappedPair(true);
  try {
    const channel = pair.a.createDataChannel("early");
    const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
    await negotiate(pair.a, pair.b);
    const tap = await pair.tapReady;
    return { a: pair.a, b: pair.b, tap, opened, close: pair.close };
  } catch (error) {
    await pair.close();
    throw error;
  }
}
