import {
  ipFamily,
  type StunAddress,
  StunClass,
  type StunMessage,
  StunMethod,
  StunTransactionManager,
} from "@purertc/stun";
import { type ClientState, log } from "./client-state.js";
import { TurnError } from "./errors.js";
import { request, safeReason } from "./request.js";
import { resolveServer } from "./server-address.js";
import { type LinkHandlers, type ServerLink, TcpServerLink, UdpServerLink } from "./server-link.js";
import type { PeerAddress, TurnAllocationInfo } from "./types.js";

/** REQUESTED-TRANSPORT protocol number of UDP (RFC 8656 §14.7). */
const UDP = 17;

/**
 * Allocates (RFC 8656 §7.1): resolves the server, opens the link, sends
 * Allocate through the credential dance, and follows 437 Allocation Mismatch
 * (another local port) and 300 Try Alternate (another server), at most twice
 * each. On success the allocation is recorded, its refresh scheduled and the
 * state set to `allocated`.
 */
export async function runAllocate(s: ClientState, handlers: LinkHandlers): Promise<TurnAllocationInfo> {
  if (s.closed) throw new TurnError("ERR_CLOSED", "the TURN client is closed");
  const signal = s.work.signal;
  const options = s.options;
  const server = await resolveServer(options.server);
  if (signal.aborted) throw new TurnError("ERR_CLOSED", "the TURN client was closed");
  let target: PeerAddress = { address: server.address, port: server.port };
  s.serverAddress = target;
  const transport = options.transport ?? server.transport;
  const started = performance.now();
  let response: StunMessage | undefined;
  let mismatches = 0;
  let redirects = 0;
  let port = options.localPort;
  for (;;) {
    // The new link is open before the old one closes, so it gets another port.
    const previous = s.link;
    const link = await openLink(s, handlers, target, transport, port);
    s.link = link; // visible to close() from now on
    s.manager?.close();
    await previous?.close();
    s.manager = new StunTransactionManager({
      send: (data) => link.send(data),
      signal: s.controller.signal,
      rto: options.rto ?? 500,
      rc: options.rc ?? 7,
    });
    if (signal.aborted) throw new TurnError("ERR_CLOSED", "the TURN client was closed");
    if (s.currentState === "new") s.setState("allocating");
    response = await request(
      s,
      StunMethod.Allocate,
      (b) => {
        b.requestedTransport(UDP);
        if (options.relayFamily) b.requestedAddressFamily(options.relayFamily);
        if (options.lifetime !== undefined) b.lifetime(options.lifetime);
      },
      signal,
      [300, 437],
    );
    if (response.messageClass === StunClass.SuccessResponse) break;
    const code = response.errorCode?.code ?? 0;
    port = 0;
    if (code === 437 && mismatches < 2) {
      // 437 Allocation Mismatch: this 5-tuple already holds an allocation (a
      // client that died on the same local port): try another port (RFC 8656 §7.4).
      mismatches++;
      s.stats.allocationMismatches++;
      log("437 Allocation Mismatch from port %s: retrying from another local port", link.local()?.port);
      continue;
    }
    let alternate: StunAddress | undefined;
    try {
      alternate = response.alternateServer;
    } catch {
      alternate = undefined;
    }
    const current = target;
    if (
      code === 300 &&
      redirects < 2 &&
      alternate &&
      ipFamily(alternate.address) === ipFamily(current.address) &&
      !(alternate.address === current.address && alternate.port === current.port)
    ) {
      // 300 Try Alternate (RFC 8489 §10): start over with the other server, whose nonce is its own.
      redirects++;
      s.stats.redirects++;
      log("300 Try Alternate: %s:%d", alternate.address, alternate.port);
      target = { address: alternate.address, port: alternate.port };
      s.serverAddress = target;
      s.auth = s.freshAuth();
      s.setState("allocating");
      continue;
    }
    throw new TurnError("ERR_ALLOCATE", `Allocate failed: ${code} ${safeReason(response)}`, {
      status: code,
    });
  }
  const relayed = response.xorRelayedAddress;
  if (!relayed)
    throw new TurnError("ERR_PROTOCOL", "Allocate success without XOR-RELAYED-ADDRESS (RFC 8656 §7.3)");
  const lifetime = response.lifetime ?? options.lifetime ?? 600;
  const info: TurnAllocationInfo = {
    relayed,
    mapped: response.xorMappedAddress,
    lifetime,
    elapsedMs: performance.now() - started,
    algorithm: s.auth.algorithm,
    software: response.software,
  };
  s.info = info;
  s.maintenance.scheduleRefresh(lifetime);
  s.setState("allocated");
  log("allocated %s:%d (mapped %o) for %d s", relayed.address, relayed.port, info.mapped, lifetime);
  s.maintenance.reschedule();
  return info;
}

/** Opens the socket (or connection) to the server; closes it again if close() ran meanwhile. */
async function openLink(
  s: ClientState,
  handlers: LinkHandlers,
  server: PeerAddress,
  transport: "udp" | "tcp" | "tls",
  port: number | undefined,
): Promise<ServerLink> {
  const local = { address: s.options.localAddress, port };
  const signal = s.controller.signal;
  const link =
    transport === "udp"
      ? await UdpServerLink.open(s.registry, s.client, server, local, signal, handlers)
      : await TcpServerLink.open(
          server,
          local,
          signal,
          handlers,
          transport === "tls" ? (s.options.tls ?? {}) : undefined,
        );
  if (signal.aborted) {
    // close() ran while the link opened: it could not see it.
    await link.close();
    throw new TurnError("ERR_CLOSED", "the TURN client was closed");
  }
  return link;
}
