import { type Closer, createDebug } from "@purertc/socket";
import type { PeerConnectionConfiguration } from "./configuration.js";
import type { DataChannels } from "./data-channels.js";
import { dtlsRole, type LocalState } from "./description-steps.js";
import { PeerConnectionError } from "./errors.js";
import { createPeerTransport, type PeerCertificate, type PeerTransport } from "./peer-transport.js";
import type { RemoteParameters } from "./remote-description.js";
import type { TransportListener } from "./transport.js";

const log = createDebug("purertc:pc");

/**
 * A PeerConnection's one transport, made on first need under the
 * connection's Closer, started once both descriptions are in, and released
 * by close.
 */
export class TransportLink {
  private pending: Promise<PeerTransport> | undefined;
  private started = false;
  /** The transport once made; undefined before and after release. */
  ready: PeerTransport | undefined;

  constructor(
    private readonly config: Readonly<PeerConnectionConfiguration<PeerCertificate>>,
    private readonly closer: Closer,
    private readonly listener: TransportListener,
  ) {
    closer.add(this.closeNow);
  }

  /**
   * The connection closed: DTLS sends its close_notify now (the channels'
   * ABORT went just before), as a signal handed to DTLS would have done,
   * without an AbortSignal and its reason per connection. release() then
   * waits for the same close.
   */
  private readonly closeNow = (): void => {
    void this.ready?.close();
  };

  /**
   * The transport, made on the first call.
   * @throws PeerConnectionError ERR_INVALID_STATE once closed (rejects), ERR_CLOSED when closed while it was being made.
   */
  ensure(): Promise<PeerTransport> {
    if (this.closer.closed) {
      return Promise.reject(new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed"));
    }
    this.pending ??= createPeerTransport({ config: this.config, listener: this.listener }).then((t) => {
      if (this.closer.closed) {
        void t.close();
        throw new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed");
      }
      this.ready = t;
      return t;
    });
    return this.pending;
  }

  /**
   * Starts checks (and DTLS after them), once: the two a=setup decide the
   * DTLS role, the offerer controls ICE.
   * @throws PeerConnectionError ERR_INVALID_SDP when the a=setup pair decides no DTLS role.
   */
  start(transport: PeerTransport, local: LocalState, remote: RemoteParameters, channels: DataChannels): void {
    if (this.started) return;
    const role = dtlsRole(local.setup, remote.setup);
    this.started = true;
    // SCTP only when the peer accepted a data-channel section (a media-only peer has none).
    if (remote.dataIndex >= 0) {
      channels.configure(role, remote.sctpPort, remote.maxMessageSize);
    }
    // Against an ice-lite peer a full agent always controls (RFC 8445 §6.1.1).
    const controlling = local.type === "offer" || remote.iceLite;
    log("start: ice %s, dtls %s", controlling ? "controlling" : "controlled", role);
    transport.start(
      {
        iceUfrag: remote.iceUfrag,
        icePwd: remote.icePwd,
        iceLite: remote.iceLite,
        fingerprints: remote.fingerprints,
      },
      controlling,
      role,
    );
  }

  /** Forgets the transport; the returned promise resolves once `after` has and the transport closed. */
  release(after: Promise<void> | undefined): Promise<void> {
    const transport = this.pending;
    this.pending = undefined;
    this.ready = undefined;
    return (async () => {
      await after;
      const t = await transport?.catch(() => undefined);
      await t?.close();
    })();
  }
}
