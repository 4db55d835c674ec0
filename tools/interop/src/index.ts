/**
 * @purertc/interop: harnesses that start real peers for interop tests.
 * Import each by subpath, e.g. `@purertc/interop/coturn`.
 * @packageDocumentation
 */
export {};
