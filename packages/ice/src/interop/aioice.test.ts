import { requireAioice, startAioice } from "@purertc/interop/aioice";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent, serializeCandidate } from "../index.js";
import { text, untext } from "../test/pair.test-helper.js";

const peer = requireAioice(); // throws under CI=true when aioice is missing

describe.skipIf(!peer.available)(`aioice 0.8 (Debian) as the remote agent ${peer.reason}`, () => {
  for (const ourRole of ["controlled", "controlling"] as const) {
    it(`connects with us ${ourRole} and echoes a datagram each way`, { timeout: 90_000 }, async () => {
      await withLeakCheck(
        async () => {
          const aioice = startAioice({
            role: ourRole === "controlled" ? "controlling" : "controlled",
            send: "from aioice",
            count: 2,
          });
          const agent = new IceAgent({ role: ourRole, loopback: "only", ipv6: false });
          try {
            const received: string[] = [];
            const echo = (data: Uint8Array) => {
              received.push(untext(data));
              if (untext(data) !== "from purertc") agent.send(data); // echo the peer's own text
            };
            // An aggressive controlling peer may send before our own check has
            // succeeded (no consent to answer yet): keep it until we are connected.
            const early: Uint8Array[] = [];
            agent.onDatagram = (data) => early.push(data);
            const [local] = await Promise.all([aioice.waitFor("local"), agent.gather()]);
            agent.setRemoteCredentials({ ufrag: local.ufrag as string, pwd: local.pwd as string });
            for (const c of local.candidates as string[]) agent.addRemoteCandidate(c);
            agent.addRemoteCandidate(null);
            aioice.send({
              event: "local",
              ...agent.localCredentials,
              candidates: agent.localCandidates.map(serializeCandidate),
            });
            const pair = await agent.connect();
            agent.onDatagram = echo;
            for (const data of early.splice(0)) echo(data);
            expect(pair.remote.address).toBe("127.0.0.1");
            await aioice.waitFor("connected");
            agent.send(text("from purertc"));
            // aioice got its own text back (our echo) and ours (which it echoed).
            for (let i = 0; i < 500 && aioice.events.filter((e) => e.event === "data").length < 2; i++) {
              await new Promise((r) => setTimeout(r, 10));
            }
            const theirs = aioice.events.filter((e) => e.event === "data").map((e) => e.text);
            expect(theirs.sort()).toEqual(["from aioice", "from purertc"]);
            for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
            expect(received.sort()).toEqual(["from aioice", "from purertc"]);
            expect(agent.role).toBe(ourRole);
            await aioice.waitFor("closed");
          } finally {
            await agent.close();
            await aioice.close();
          }
        },
        { timeoutMs: 5000 },
      );
    });
  }
});
