/** Bulk transfers over a memory link, checked for integrity and order. */
import type { SctpMessageEvent } from "./association-types.js";
import type { MemoryLink } from "./memory-link.test-helper.js";

export interface TransferResult {
  messages: number;
  bytes: number;
  ms: number;
  inOrder: boolean;
  intact: boolean;
}

/** A message whose bytes say its index, so corruption and order are both visible. */
export function patterned(index: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (index * 31 + i) & 0xff;
  b[0] = index >>> 24;
  b[1] = index >>> 16;
  b[2] = index >>> 8;
  b[3] = index;
  return b;
}

function indexOf(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function check(b: Uint8Array, index: number): boolean {
  for (let i = 4; i < b.length; i++) if (b[i] !== ((index * 31 + i) & 0xff)) return false;
  return true;
}

/**
 * Sends `count` messages of `size` bytes from a to b on `streamId` with
 * backpressure (bufferedamountlow, high-water mark 1 MiB), and waits until
 * all arrived or `timeoutMs` passed.
 */
export function transfer(
  link: MemoryLink,
  count: number,
  size: number,
  timeoutMs: number,
  streamId = 0,
): Promise<TransferResult> {
  const { a, b } = link;
  const start = performance.now();
  let next = 0;
  let received = 0;
  let bytes = 0;
  let inOrder = true;
  let intact = true;
  const highWater = 1024 * 1024;
  a.setBufferedAmountLowThreshold(streamId, highWater / 2);
  const pump = () => {
    while (next < count && a.bufferedAmount(streamId) < highWater)
      a.send(streamId, 53, patterned(next++, size));
  };
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      a.removeEventListener("bufferedamountlow", pump);
      b.removeEventListener("message", onMessage);
      resolve({ messages: received, bytes, ms: performance.now() - start, inOrder, intact });
    };
    const timer = setTimeout(done, timeoutMs);
    const onMessage = (e: Event) => {
      const m = e as SctpMessageEvent;
      if (m.streamId !== streamId) return;
      const idx = indexOf(m.data);
      if (idx !== received) inOrder = false;
      if (m.data.length !== size || !check(m.data, idx)) intact = false;
      received++;
      bytes += m.data.length;
      if (received === count) done();
    };
    a.addEventListener("bufferedamountlow", pump);
    b.addEventListener("message", onMessage);
    pump();
  });
}
