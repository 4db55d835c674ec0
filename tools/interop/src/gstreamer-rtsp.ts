/**
 * An IP camera stand-in for interop tests: GStreamer's RTSP server
 * (gst-rtsp-server through PyGObject, run with Debian's /usr/bin/python3)
 * serving a live H.264 test pattern at `rtsp://127.0.0.1:PORT/cam`, over
 * both UDP and TCP-interleaved transport, optionally behind Basic or Digest
 * authentication, optionally with a short session timeout. Recipe in
 * INTEROP.md. The process is stopped by its PID; `kill()` makes the camera
 * vanish without a word and `restart()` brings it back on the same port.
 * @packageDocumentation
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { exitWithin, freeTcpPort, signalPid, waitUntilStopped } from "./coturn-process.js";
import { requirePeer } from "./peers.js";

/** Debian's Python, which sees Debian's GStreamer bindings (python3 on PATH may not). */
export const GST_PYTHON = "/usr/bin/python3";

/**
 * Bound on a probe of GStreamer. The first Gst.init() of a machine scans every
 * plugin to build ~/.cache/gstreamer-1.0: 2 s here warm, 15.5 s with a cold disk
 * cache, and several suites probe at once in CI; a warm probe takes 0.15 s.
 */
const GST_PROBE_TIMEOUT_MS = 120_000;

/** The Debian packages the camera stand-in needs. */
export const GSTREAMER_RTSP_PACKAGES =
  "gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-base";

/** The Debian package with the AAC encoder (voaacenc) of the `aac` audio option. */
export const GSTREAMER_AAC_PACKAGE = "gstreamer1.0-plugins-bad";

// argv: port, auth ("none" | "basic" | "digest"), user, password, session
// timeout in seconds (0 = the server's default of 60), width, height, fps,
// audio ("none" | "pcma" | "pcmu" | "aac": a 440 Hz tone as a second stream).
// Prints "ready PORT" once bound, "session ID T" per new RTSP session,
// "keepalive METHOD T" per GET_PARAMETER or OPTIONS (T: monotonic seconds),
// "teardown" when a client tears down and "session-removed" when a session
// ends (torn down or expired; the tests read them).
const SCRIPT = String.raw`
import sys, time, gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtsp, GstRtspServer, GLib

port, auth, user, password, timeout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
width, height, fps, audio = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
Gst.init(None)
AUDIO = {
    "none": "",
    # G.711 at 8 kHz, 20 ms a packet (as cameras send it): payload types 8 and 0.
    "pcma": "audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 "
            "! alawenc ! rtppcmapay name=pay1 pt=8",
    "pcmu": "audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 "
            "! mulawenc ! rtppcmupay name=pay1 pt=0",
    # AAC as MPEG4-GENERIC (RFC 3640), what many cameras send and browsers cannot take over WebRTC.
    "aac": "audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=16000,channels=1 ! audioconvert "
           "! voaacenc ! rtpmp4gpay name=pay1 pt=97",
}[audio]

def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()

server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true ! video/x-raw,width=%s,height=%s,framerate=%s/1 "
    "! x264enc tune=zerolatency bitrate=1000 key-int-max=60 ! video/x-h264,profile=constrained-baseline "
    "! rtph264pay name=pay0 pt=96 config-interval=-1 %s )" % (width, height, fps, AUDIO))
factory.set_shared(True)

if auth != "none":
    a = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    if auth == "basic":
        a.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        a.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        a.add_digest(user, password, token)
        a.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(a)
    factory.add_role_from_structure(Gst.Structure.from_string(
        "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])

def on_session(client, session):
    if timeout > 0:
        session.set_timeout(timeout)
    say("session " + session.get_sessionid() + " %.3f" % time.monotonic())

def on_teardown(client, ctx):
    say("teardown")

def on_client(server, client):
    client.connect("new-session", on_session)
    client.connect("teardown-request", on_teardown)
    client.connect("get-parameter-request", lambda c, ctx: say("keepalive GET_PARAMETER %.3f" % time.monotonic()))
    client.connect("options-request", lambda c, ctx: say("keepalive OPTIONS %.3f" % time.monotonic()))

server.connect("client-connected", on_client)
# Sessions expire only when the pool is swept: sweep every second, as a camera does.
def sweep():
    server.get_session_pool().cleanup()
    return True
GLib.timeout_add_seconds(1, sweep)
server.get_session_pool().connect("session-removed", lambda pool, session: say("session-removed"))
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    say("error attach failed")
    sys.exit(1)
say("ready " + str(server.get_bound_port()))
GLib.MainLoop().run()
`;

/** Options of {@link startGstreamerRtsp}. */
export interface GstreamerRtspOptions {
  /** TCP port on 127.0.0.1. Default: a free one. */
  port?: number;
  /** Authentication the server demands. Default `none`. */
  auth?: "none" | "basic" | "digest";
  /** Credentials for `auth`. Default `user` / `secret`. */
  username?: string;
  password?: string;
  /** Session timeout the server announces and enforces, in seconds. Default GStreamer's (60). */
  sessionTimeoutS?: number;
  /** Picture size and rate of the test pattern. Default 640x360 at 30 fps. */
  width?: number;
  height?: number;
  fps?: number;
  /**
   * A second stream, a 440 Hz tone: G.711 A-law (`pcma`, payload type 8) or µ-law (`pcmu`, 0) at 8 kHz,
   * 20 ms a packet, or AAC (`aac`, MPEG4-GENERIC, needs voaacenc from gstreamer1.0-plugins-bad). Default none.
   */
  audio?: "none" | "pcma" | "pcmu" | "aac";
  /** How long to wait for the ready line. Default 10 s. */
  readyTimeoutMs?: number;
}

/** A running camera stand-in. `close()` (or `await using`) stops it by PID. */
export interface GstreamerRtsp extends AsyncDisposable {
  /** The process id of the current server process (changes on restart). */
  readonly pid: number;
  readonly port: number;
  /** `rtsp://127.0.0.1:PORT/cam`, without credentials. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Everything the server printed so far, across restarts (bounded to 1 MB). */
  output(): string;
  /** Resolves once `pattern` appears in the output (counting from `since`); rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number, since?: number): Promise<void>;
  /** The camera vanishes: SIGKILL by PID, no TEARDOWN, no FIN-time goodbye. */
  kill(): Promise<void>;
  /** Freezes the camera (SIGSTOP; returns once all its threads are stopped): connections stay open, nothing moves. */
  pause(): void;
  /** Resumes a paused camera (SIGCONT). */
  resume(): void;
  /** Starts the server again on the same port (after kill(), or kills first). */
  restart(): Promise<void>;
  /** SIGTERM by PID (SIGKILL after 2 s). Idempotent. */
  close(): Promise<void>;
}

/**
 * Whether the camera stand-in can run: /usr/bin/python3 imports GStreamer's
 * RTSP server bindings and finds x264enc. Under `CI=true` a missing peer
 * throws (see requirePeer).
 */
export function requireGstreamerRtsp(): { available: boolean; reason: string } {
  const python = requirePeer(GST_PYTHON, "python3");
  if (!python.available) return python;
  try {
    execFileSync(
      GST_PYTHON,
      [
        "-c",
        'import gi; gi.require_version("Gst","1.0"); gi.require_version("GstRtspServer","1.0");' +
          "from gi.repository import Gst, GstRtspServer; Gst.init(None);" +
          'assert Gst.ElementFactory.find("x264enc") and Gst.ElementFactory.find("rtph264pay")',
      ],
      { stdio: "ignore", timeout: GST_PROBE_TIMEOUT_MS },
    );
    return { available: true, reason: "" };
  } catch {
    const reason = `${GST_PYTHON} cannot load GstRtspServer with x264enc: apt-get install -y ${GSTREAMER_RTSP_PACKAGES}`;
    if (process.env.CI === "true") throw new Error(`interop peer missing in CI: ${reason}`);
    return { available: false, reason };
  }
}

/** Whether GStreamer (through Debian's Python) has an element, e.g. `voaacenc` for the `aac` audio option. */
export function gstreamerHasElement(name: string): boolean {
  try {
    execFileSync(
      GST_PYTHON,
      [
        "-c",
        'import sys, gi; gi.require_version("Gst","1.0"); from gi.repository import Gst; Gst.init(None);' +
          "sys.exit(0 if Gst.ElementFactory.find(sys.argv[1]) else 1)",
        name,
      ],
      { stdio: "ignore", timeout: GST_PROBE_TIMEOUT_MS },
    );
    return true;
  } catch {
    return false;
  }
}

interface Running {
  child: ChildProcess;
  exit: Promise<void>;
  exited: boolean;
}

/**
 * Starts GStreamer's RTSP server on 127.0.0.1 (a free port unless given),
 * resolving once it prints its ready line (bound). Retries up to 3 ports
 * when none was given and the one picked was taken meanwhile.
 *
 * ```ts
 * await using camera = await startGstreamerRtsp({ auth: "digest" });
 * // camera.url, camera.username / password
 * ```
 *
 * @throws Error when the bindings are missing or the server does not start.
 */
export async function startGstreamerRtsp(options: GstreamerRtspOptions = {}): Promise<GstreamerRtsp> {
  const found = requireGstreamerRtsp();
  if (!found.available) throw new Error(found.reason);
  const username = options.username ?? "user";
  const password = options.password ?? "secret";
  let out = "";
  let current: Running | undefined;
  const launch = async (port: number): Promise<boolean> => {
    const args = [
      "-c",
      SCRIPT,
      String(port),
      options.auth ?? "none",
      username,
      password,
      String(options.sessionTimeoutS ?? 0),
      String(options.width ?? 640),
      String(options.height ?? 360),
      String(options.fps ?? 30),
      options.audio ?? "none",
    ];
    const child = spawn(GST_PYTHON, args, { stdio: ["ignore", "pipe", "pipe"] });
    const running: Running = { child, exit: Promise.resolve(), exited: false };
    running.exit = new Promise<void>((resolve) => {
      const done = () => {
        running.exited = true;
        resolve();
      };
      child.once("exit", done);
      child.once("error", done);
    });
    current = running;
    const start = out.length;
    const collect = (d: Buffer) => {
      if (out.length < 1_000_000) out += d.toString("latin1");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const ready = await waitForOutput(
      /^ready \d+$|^error /m,
      options.readyTimeoutMs ?? 10_000,
      start,
      () => running.exited,
    );
    if (ready && /^ready /m.test(out.slice(start))) return true;
    await stop(running, "SIGKILL");
    return false;
  };
  const waitForOutput = (pattern: RegExp, timeoutMs: number, since: number, gone: () => boolean) =>
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (pattern.test(out.slice(since))) finish(true);
        else if (gone()) finish(false);
      };
      const finish = (result: boolean) => {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(result);
      };
      // Output arrives on data events; a 20 ms poll is the simplest bounded wait.
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => finish(false), timeoutMs);
      check();
    });
  const stop = async (running: Running, signal: NodeJS.Signals) => {
    if (!running.exited && running.child.pid !== undefined) {
      signalPid(running.child.pid, "SIGCONT");
      signalPid(running.child.pid, signal);
      if (!(await exitWithin(running.exit, 2000)) && !running.exited) {
        signalPid(running.child.pid, "SIGKILL");
        await running.exit;
      }
    }
    running.child.stdout?.destroy();
    running.child.stderr?.destroy();
  };

  let port = options.port ?? 0;
  let started = false;
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    if (options.port === undefined) port = await freeTcpPort("127.0.0.1");
    started = await launch(port);
    if (options.port !== undefined) break;
  }
  if (!started) throw new Error(`GStreamer RTSP server did not start; output:\n${out.slice(-2000)}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= current ? stop(current, "SIGTERM") : Promise.resolve();
    return closing;
  };
  return {
    get pid() {
      return current?.child.pid ?? 0;
    },
    port,
    url: `rtsp://127.0.0.1:${port}/cam`,
    username,
    password,
    output: () => out,
    async waitFor(pattern, timeoutMs = 10_000, since = 0) {
      if (!(await waitForOutput(pattern, timeoutMs, since, () => false)))
        throw new Error(`camera output did not match ${pattern} in ${timeoutMs} ms:\n${out.slice(-2000)}`);
    },
    async kill() {
      if (current) await stop(current, "SIGKILL");
    },
    pause() {
      if (current && !current.exited && current.child.pid !== undefined) {
        signalPid(current.child.pid, "SIGSTOP");
        waitUntilStopped(current.child.pid);
      }
    },
    resume() {
      if (current && !current.exited && current.child.pid !== undefined)
        signalPid(current.child.pid, "SIGCONT");
    },
    async restart() {
      if (closing) throw new Error("camera closed");
      if (current) await stop(current, "SIGKILL");
      // The port was just ours; a listener in TIME_WAIT may need a moment.
      for (let attempt = 0; attempt < 20; attempt++) {
        if (await launch(port)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`GStreamer RTSP server did not restart on ${port}:\n${out.slice(-2000)}`);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
