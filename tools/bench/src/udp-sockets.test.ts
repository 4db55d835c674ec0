import { createSocket } from "node:dgram";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { dropsSince, ELSEWHERE, formatOwnerDrops, parseProcNetUdp, udpSockets } from "./udp-sockets.js";

// Lines as Linux 6.1 prints them (this machine's /proc/net/udp and a made-up udp6 row of the same layout).
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
 2434: 0100007F:809D 00000000:0000 07 00000000:00015F00 00:00000000 00000000     0        0 4295778 2 00000000f626d7af 117     
 5386: 0100007F:8C25 00000000:0000 07 00000900:00004100 00:00000000 00000000     0        0 4295090 2 000000005a2a8233 0       
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000000000000000000001000000:1389 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 77 2 0000000000000000 5
  101: truncated line
`;

describe("/proc/net/udp parsing", () => {
  it("reads inode, local port, receive queue and drops; skips short lines", () => {
    expect(parseProcNetUdp(UDP)).toEqual([
      { inode: 4295778, localPort: 0x809d, rxQueue: 0x15f00, drops: 117 },
      { inode: 4295090, localPort: 0x8c25, rxQueue: 0x4100, drops: 0 },
    ]);
    expect(parseProcNetUdp(UDP6)).toEqual([{ inode: 77, localPort: 5001, rxQueue: 0, drops: 5 }]);
    expect(parseProcNetUdp("")).toEqual([]);
  });
});

describe.skipIf(!existsSync("/proc/net/udp"))("drops attributed to a socket (real kernel, loopback)", () => {
  it("a socket whose receive buffer overflows is named, with its drops; another socket of ours is not", async () => {
    const receiver = createSocket({ type: "udp4", recvBufferSize: 4096 });
    const quiet = createSocket("udp4");
    const sender = createSocket("udp4");
    try {
      receiver.bind(0, "127.0.0.1");
      quiet.bind(0, "127.0.0.1");
      await Promise.all([once(receiver, "listening"), once(quiet, "listening")]);
      const before = udpSockets();
      const port = receiver.address().port;
      let received = 0;
      receiver.on("message", () => received++);
      // One event-loop turn of sends: the receiver cannot read until it ends, so its small buffer overflows.
      const payload = new Uint8Array(1000);
      for (let i = 0; i < 400; i++) sender.send(payload, port, "127.0.0.1");
      await sleep(50);
      const owners = [
        { name: "receiver", pid: process.pid, ports: [port] },
        { name: "quiet", pid: process.pid, ports: [quiet.address().port] },
        { name: "the rest of ours", pid: process.pid },
      ];
      const drops = dropsSince(before, owners)!;
      const [r, q] = drops;
      expect(r).toMatchObject({ name: "receiver", sockets: 1, socketsDropping: 1 });
      expect(r!.drops).toBeGreaterThan(0);
      expect(r!.drops + received).toBeLessThanOrEqual(400);
      expect(q).toMatchObject({ sockets: 1, drops: 0, socketsDropping: 0 });
      // Every other socket of the namespace (other processes') comes last, apart from ours.
      expect(drops.map((d) => d.name)).toEqual(["receiver", "quiet", "the rest of ours", ELSEWHERE]);
      expect(formatOwnerDrops(drops)).toMatch(/^receiver \d+ on 1 of 1 socket; quiet 0 on 0 of 1 socket; /);
      expect(formatOwnerDrops(undefined)).toContain("no /proc/net/udp");
    } finally {
      for (const s of [receiver, quiet, sender]) s.close();
    }
  });
});
