/**
 * Two server processes over one database, both sweeping every 100 ms, their
 * clocks moved together through one clock file (TEST_CLOCK_FILE), delivering
 * to an SMTP sink of their own: what the tests of sweeps that must act
 * exactly once across instances and restarts run against.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DIST_ENTRY, requireBuild } from "./built";
import { TEST_JWT_SECRET } from "./fixtures";
import { startServiceProcess, ServiceProcess } from "./processes";
import { SmtpSink, startSmtpSink } from "./smtp";

export interface SweepingPair {
  sink: SmtpSink;
  /** The running processes (empty while stopped). */
  instances(): ServiceProcess[];
  /** Sets both processes' clocks to the system time plus `ms`. */
  moveClock(ms: number): void;
  /** Starts both, one after the other: on a fresh database the first migrates and seeds. */
  startBoth(): Promise<void>;
  stopBoth(): Promise<void>;
  /** Stops both, the sink, and removes the clock file. */
  dispose(): Promise<void>;
}

export async function sweepingPair(databaseUrl: string): Promise<SweepingPair> {
  requireBuild();
  const sink = await startSmtpSink({ acceptDelayMs: 10 });
  const clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sweepers-clock-")), "offset");
  const moveClock = (ms: number) => fs.writeFileSync(clockFile, String(ms));
  moveClock(0);
  const env = {
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    SMTP_URL: sink.url,
    PUBLIC_URL: "https://licenses.example",
    OUTBOX_POLL_INTERVAL_MS: "50",
    EXPIRY_SWEEP_INTERVAL_MS: "100",
    TEST_CLOCK_FILE: clockFile,
  };
  let instances: ServiceProcess[] = [];
  const stopBoth = async () => {
    await Promise.all(instances.map((i) => i.stop()));
    instances = [];
  };
  return {
    sink,
    instances: () => instances,
    moveClock,
    async startBoth() {
      instances = [await startServiceProcess(DIST_ENTRY, env)];
      instances.push(await startServiceProcess(DIST_ENTRY, env));
    },
    stopBoth,
    async dispose() {
      await stopBoth();
      await sink.stop();
      fs.rmSync(path.dirname(clockFile), { recursive: true, force: true });
    },
  };
}
