export {
  type FloodOptions,
  type FloodResult,
  floodUdp,
  mutate,
  seededRandom,
  settledHeap,
} from "./flood.js";
export {
  diffSnapshots,
  expectBackToBaseline,
  forceGc,
  type LeakCheckOptions,
  type ResourceSnapshot,
  TEST_OWNER,
  takeBaseline,
  takeSnapshot,
  withLeakCheck,
} from "./leak-check.js";
