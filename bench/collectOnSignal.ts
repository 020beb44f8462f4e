/**
 * Preloaded into the benchmarked server only (`--expose-gc --require`): on
 * SIGUSR2 it runs a full garbage collection, so the benchmark reads memory
 * that is live rather than garbage not yet collected. With BENCH_CPU_PROFILE
 * set to a file, SIGHUP starts a CPU profile and the next SIGHUP writes it
 * there (a `.cpuprofile`, as `node --cpu-prof` writes), so a profile covers
 * one part of the benchmark only. Not part of the service.
 */
import fs from "node:fs";
import { Session } from "node:inspector";

process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
});

const profileFile = process.env["BENCH_CPU_PROFILE"];
if (profileFile) {
  let session: Session | null = null;
  process.on("SIGHUP", () => {
    if (!session) {
      const started = new Session();
      started.connect();
      started.post("Profiler.enable", () => started.post("Profiler.setSamplingInterval", { interval: 200 }, () => started.post("Profiler.start")));
      session = started;
      return;
    }
    const running = session;
    session = null;
    running.post("Profiler.stop", (error, result) => {
      if (!error) fs.writeFileSync(profileFile, JSON.stringify(result.profile));
      running.disconnect();
    });
  });
}
