export {
  diffSnapshots,
  expectBackToBaseline,
  forceGc,
  type LeakCheckOptions,
  type ResourceSnapshot,
  takeBaseline,
  takeSnapshot,
  withLeakCheck,
} from "./leak-check.js";
