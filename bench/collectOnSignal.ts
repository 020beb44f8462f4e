/**
 * Preloaded into the benchmarked server only (`--expose-gc --require`): on
 * SIGUSR2 it runs a full garbage collection, so the benchmark reads memory
 * that is live rather than garbage not yet collected. Not part of the service.
 */
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
});
