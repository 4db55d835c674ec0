import { negotiate } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { WireTap } from "./wire-tap.test-helper.js";

/**
 * a (offerer: ICE controlling, DTLS server) ↔ tap ↔ b (answerer: ICE
 * controlled, DTLS client). a knows b only by the tap's address; b is told
 * nothing of a and learns the tap's upstream socket from a's checks
 * (peer-reflexive), so every datagram both ways crosses the tap. With
 * `holdNomination` the tap holds a's nominating checks until released, so b
 * carries DTLS and data on a valid pair that is not nominated (RFC 8445 §12.1).
 */
export async function tappedPair(holdNomination: boolean) {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  let tap: WireTap | undefined;
  let starting = false;
  const tapReady = new Promise<WireTap>((resolve) => {
    b.addEventListener("icecandidate", (e) => {
      const c = e.candidate?.candidate;
      if (!c || starting || !/ udp \d+ 127\.0\.0\.1 /i.test(c)) return;
      starting = true;
      const fields = c.split(" ");
      void WireTap.start({ address: fields[4]!, port: Number(fields[5]) }, holdNomination).then((t) => {
        tap = t;
        fields[4] = t.address.address;
        fields[5] = String(t.address.port);
        void a.addIceCandidate({ ...e.candidate, candidate: fields.join(" ") }).catch(() => {});
        resolve(t);
      });
    });
  });
  const close = async () => {
    await a.close();
    await b.close();
    await tap?.close();
  };
  return { a, b, tapReady, close };
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
