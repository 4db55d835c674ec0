/**
 * What a socket's `stack` says when its opener's stack was not captured: how
 * to turn capture on. Indented like a stack frame, so reports read the same.
 */
export const STACK_NOT_RECORDED =
  "    (opener stack not recorded: set PURERTC_SOCKET_STACKS=1 in the environment or registry.captureStacks = true; the leak check of @purertc/socket/testing turns it on)";

/**
 * Whether registries capture opener stacks by default: `PURERTC_SOCKET_STACKS`
 * set to anything but "" or "0". Off by default because capturing and
 * formatting a stack per socket was ~0.15–0.3 ms of CPU per data-channel open
 * (two PeerConnections, 3–5 % of the process), for a report read only when
 * something leaks.
 */
export function stacksFromEnvironment(): boolean {
  const v = process.env.PURERTC_SOCKET_STACKS;
  return v !== undefined && v !== "" && v !== "0";
}

/**
 * Frames kept of an opener's stack: capturing costs per frame (V8 walks the
 * async frames too), and a socket is opened per connection; the first frames
 * name the owner's code path.
 */
const OPENER_FRAMES = 8;

/**
 * The stack of whoever called `fn` (open, listen, connect), without `fn`'s
 * own frame. Formatted now, on purpose: a captured stack not yet formatted
 * keeps its frames' receivers alive (the owner among them), which would stop
 * a leaked owner from ever being collected and reported.
 */
export function openerStack(fn: (...args: never[]) => unknown): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.min(limit, OPENER_FRAMES);
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  Error.stackTraceLimit = limit;
  const stack = holder.stack ?? "";
  // The first line is the header ("Error"), not a frame.
  const newline = stack.indexOf("\n");
  return intern(newline < 0 ? "" : stack.slice(newline + 1));
}

/** Opener stacks seen, to share one string among the sockets opened from one place. */
const stacks = new Map<string, string>();
/** Distinct stacks kept; past that the map starts over (bounded memory). */
const MAX_STACKS = 512;

/**
 * The one copy of `stack`: a connection's sockets are opened from the same
 * few places, and each formatted stack is a kilobyte or more (measured:
 * ~1.3 KiB of heap per PeerConnection before sharing).
 */
function intern(stack: string): string {
  const known = stacks.get(stack);
  if (known !== undefined) return known;
  if (stacks.size >= MAX_STACKS) stacks.clear();
  stacks.set(stack, stack);
  return stack;
}
