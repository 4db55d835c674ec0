import { SocketRegistry, UdpTransport } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { expect } from "vitest";
import { DtlsConnection, type DtlsConnectionOptions, DtlsError } from "./index.js";

/** A UDP socket that never answers, and a client transport aimed at it. */
export async function silentPeer() {
  const owner = {};
  const sink = await SocketRegistry.default.open(owner, { label: "silent-peer", address: "127.0.0.1" });
  const sock = await SocketRegistry.default.open(owner, { label: "test-client", address: "127.0.0.1" });
  const transport = new UdpTransport(sock, "127.0.0.1", sink.address().port);
  return { sink, transport, owner };
}

/** The DtlsError a promise rejects with (fails the test if it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<DtlsError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(DtlsError);
    return error as DtlsError;
  }
  throw new Error("expected a rejection");
}

/**
 * Runs `scenario` inside the leak check with a client DtlsConnection (made
 * with `options`) aimed at a {@link silentPeer}; the peer's socket is closed
 * after, the connection is the scenario's to close (or to see closed).
 */
export async function withSilentClient(
  options: Omit<DtlsConnectionOptions, "role">,
  scenario: (conn: DtlsConnection, transport: UdpTransport) => Promise<void>,
): Promise<void> {
  await withLeakCheck(async () => {
    const { sink, transport } = await silentPeer();
    try {
      await scenario(new DtlsConnection(transport, { role: "client", ...options }), transport);
    } finally {
      await sink.close();
    }
  });
}
