// A lossy UDP proxy as a child process, so that it can run inside a test's network namespace:
//   node lossy-proxy.fixture.mjs <target port> <loss 0..1>
// Prints {"event":"proxy","port":N} once listening on 127.0.0.1, then its counters as
// {"event":"proxy-stats",…} when stdin ends, and exits.
import { createInterface } from "node:readline";
import { startLossyProxy } from "@purertc/interop/lossy-proxy";
import { SocketRegistry } from "@purertc/socket";

const [port, loss] = process.argv.slice(2).map(Number);
const proxy = await startLossyProxy({
  registry: SocketRegistry.default,
  target: { address: "127.0.0.1", port },
  loss,
  seed: 7,
});
console.log(JSON.stringify({ event: "proxy", port: proxy.address.port }));
const input = createInterface({ input: process.stdin });
input.on("close", async () => {
  console.log(JSON.stringify({ event: "proxy-stats", ...proxy.stats }));
  await proxy.close();
  process.exit(0);
});
