/**
 * @purertc/socket: the SocketRegistry through which every socket of purertc
 * (UDP, TCP listening and connected) is opened, the DatagramTransport interface DTLS runs over, and the
 * small helpers the other packages share (signal-bound timers, the
 * {@link Closer} cancellation root, pooled random bytes, debug logging).
 * @packageDocumentation
 */

export { Closer, type CloserChild } from "./closer.js";
export { type DatagramTransport, UdpTransport, type UdpTransportOptions } from "./datagram-transport.js";
export { createDebug, type DebugLogger } from "./debug.js";
export { SocketError, type SocketErrorCode } from "./errors.js";
export { ManagedSocket, type ManagedSocketEvents, type SocketStats } from "./managed-socket.js";
export { randomBytesPooled } from "./random.js";
export {
  formatAddress,
  type LeakReport,
  type OpenSocketOptions,
  type SocketInfo,
  SocketRegistry,
  type SocketRegistryEvents,
} from "./registry.js";
export { whenAborted } from "./signals.js";
export { ManagedConnection, type ManagedConnectionEvents } from "./tcp-connection.js";
export type { TcpHandle, TcpHandleEvents } from "./tcp-handle.js";
export type { ConnectOptions, ListenOptions } from "./tcp-open.js";
export { ManagedServer, type ManagedServerEvents } from "./tcp-server.js";
export {
  type CancelTimer,
  childController,
  setRepeatingTimer,
  setTimer,
  sleep,
  startRepeatingTimer,
  startTimer,
} from "./timers.js";
