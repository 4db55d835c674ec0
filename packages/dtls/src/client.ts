import { SocketRegistry, UdpTransport } from "@purertc/socket";
import type { DtlsOptions } from "./config.js";
import { DtlsConnection } from "./connection.js";

/** Options of {@link connectDtls}. */
export interface ConnectDtlsOptions extends DtlsOptions {
  /** Server address. */
  address: string;
  /** Server port. */
  port: number;
  /** Registry to open the socket in. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
  /** Aborting closes the connection (and rejects while connecting). */
  signal?: AbortSignal;
}

/**
 * Opens a UDP socket through the registry, runs a DTLS client handshake to
 * `address:port` over it and resolves with the connected
 * {@link DtlsConnection}, which owns the socket (closing it closes the
 * socket). On failure the socket is closed and the `DtlsError` thrown.
 */
export async function connectDtls(options: ConnectDtlsOptions): Promise<DtlsConnection> {
  const registry = options.registry ?? SocketRegistry.default;
  const owner = {};
  const socket = await registry.open(owner, {
    label: "dtls-client",
    type: options.address.includes(":") ? "udp6" : "udp4",
    signal: options.signal,
  });
  const transport = new UdpTransport(socket, options.address, options.port);
  let conn: DtlsConnection;
  try {
    conn = new DtlsConnection(transport, { ...options, role: "client", retain: owner });
  } catch (error) {
    await transport.close();
    throw error;
  }
  try {
    await conn.connect();
  } catch (error) {
    await conn.close();
    throw error;
  }
  return conn;
}
