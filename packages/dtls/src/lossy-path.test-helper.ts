import { startLossyProxy } from "@purertc/interop/lossy-proxy";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { expect } from "vitest";
import {
  type ConnectDtlsOptions,
  connectDtls,
  type DtlsConnection,
  DtlsServer,
  type DtlsServerOptions,
} from "./index.js";

/** What {@link handshakesThroughLoss} runs. */
export interface LossyHandshakes {
  /** The echoing server's options (retransmits from 50 ms are added). */
  server: DtlsServerOptions;
  /** Each client's (aimed at the proxy; retransmits from 50 ms up to 400 ms, 20 s in all, are added). */
  client: Omit<ConnectDtlsOptions, "address" | "port">;
  /** The proxy's seed: the same losses every run. */
  seed: number;
  /** Checks each connected client before it closes. */
  check(client: DtlsConnection): void;
}

/**
 * Inside the leak check: three handshakes, one after another, through a
 * lossy proxy (30% loss, 10% duplicates, 10% reordering) in front of a
 * DtlsServer that echoes what it gets; the proxy must have dropped some.
 */
export async function handshakesThroughLoss(o: LossyHandshakes): Promise<void> {
  await withLeakCheck(async () => {
    await using server = await DtlsServer.listen({ ...o.server, retransmitInitialMs: 50 });
    server.on("connection", (c) => c.on("message", (d) => c.send(d)));
    await using proxy = await startLossyProxy({
      registry: SocketRegistry.default,
      target: server.address(),
      loss: 0.3,
      duplicate: 0.1,
      reorder: 0.1,
      seed: o.seed,
    });
    for (let i = 0; i < 3; i++) {
      const client = await connectDtls({
        ...o.client,
        address: "127.0.0.1",
        port: proxy.address.port,
        retransmitInitialMs: 50,
        retransmitMaxMs: 400,
        handshakeTimeoutMs: 20_000,
      });
      try {
        o.check(client);
      } finally {
        await client.close();
      }
    }
    expect(proxy.stats.dropped).toBeGreaterThan(0);
  });
}
