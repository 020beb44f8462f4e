/**
 * What the benchmarks that measure the service beside a hand-written baseline
 * share (bench/list.ts against B1, bench/decisions.ts against B2): each server
 * in a process of its own, started with `npm start`'s Node flags
 * (serviceCommand.ts), ready once it prints `{"url": …}`; the CPU time a
 * process used, from /proc; the service's environment; medians; and the
 * machine's load average, waited on before a measurement.
 */
import { ChildProcess, spawn } from "node:child_process";
import type http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serviceNodeFlags } from "./serviceCommand";

export const ROOT = path.resolve(__dirname, "../..");
export const BENCH_SECRET = "benchmark-secret-benchmark-secret-0123456789";

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat (fields 14 and 15, after the command name in parentheses). */
export function cpuSecondsOf(pid: number): number {
  const fields = (fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The database server's process on this machine (mariadbd or mysqld), if one is visible here; null otherwise. */
export function databaseServerPid(): number | null {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (name === "mariadbd" || name === "mysqld") return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Children still running when this process exits are killed with it: a benchmark leaves no server behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * `script` in a process of its own, with the Node flags production starts the
 * service with (`npm start`), then `extraNodeFlags` (a flag change measured
 * against npm start's, bench/builds.ts), and `--cpu-prof` into `cpuProfileDir`
 * when given; resolves once it prints a JSON line with its `url`.
 */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  options: { cpuProfileDir?: string | null; extraNodeFlags?: readonly string[] } = {},
): Promise<ServerProcess> {
  const { cpuProfileDir } = options;
  const args = [...serviceNodeFlags(), ...(options.extraNodeFlags ?? []), ...(cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []), script];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    // Lines are read until the one that gives the URL; the rest of the log is drained unread, so that a server's
    // log neither fills the pipe (and blocks it) nor costs the load generator's CPU while that server is measured.
    let pending = "";
    const read = (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (!line.startsWith("{") || !line.includes('"url"')) continue;
        try {
          const entry = JSON.parse(line) as { url?: string };
          if (!entry.url) continue;
          child.stdout.off("data", read);
          child.stdout.on("data", () => undefined);
          pending = "";
          return resolve(entry.url.replace(/\/graphql$/, ""));
        } catch {
          // not JSON after all
        }
      }
    };
    child.stdout.on("data", read);
    child.once("exit", (code) => reject(new Error(`${path.basename(script)} exited with ${code} before it was ready`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The environment the benchmarks start the service with: production, on `databaseUrl`, logging every operation at info, fair-use bounds out of the way. */
export function serviceEnvironment(databaseUrl: string, secret = BENCH_SECRET): Record<string, string> {
  return {
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    LOG_LEVEL: "info",
    // One caller from one address: fair-use bounds would measure themselves.
    RATE_LIMIT_BUCKET_SIZE: "1000000000",
    RATE_LIMIT_RESTORE_RATE: "1000000000",
  };
}

/** The built service (`entry`, default this checkout's dist/src/index.js) as production runs it, with `extra` added to serviceEnvironment. */
export function startService(
  databaseUrl: string,
  options: { entry?: string; extra?: Record<string, string>; cpuProfileDir?: string | null; secret?: string; extraNodeFlags?: readonly string[] } = {},
): Promise<ServerProcess> {
  return startProcess(options.entry ?? path.join(ROOT, "dist/src/index.js"), { ...serviceEnvironment(databaseUrl, options.secret), ...options.extra }, options);
}

/** The value at percentile `p` of `sorted` (ascending), nearest rank below. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The middle value; of an even count, the mean of the middle two. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (i: number) => sorted[i] ?? Number.NaN;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** The load average, 1 / 5 / 15 minutes. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}

/**
 * Waits (up to `maxWaitMs`, default 5 minutes) for the 1-minute load average
 * to be at most `limit` (default 1.5), as bench/activity.ts does before each
 * section: whether it was, the load average then, and how long it waited.
 */
export async function waitForQuietMachine(options: { limit?: number; maxWaitMs?: number; pollMs?: number } = {}): Promise<{
  quiet: boolean;
  load1: number;
  load: string;
  waitedSeconds: number;
}> {
  const limit = options.limit ?? 1.5;
  const maxWaitMs = options.maxWaitMs ?? 300_000;
  const started = Date.now();
  while ((os.loadavg()[0] ?? 0) > limit && Date.now() - started < maxWaitMs) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
  }
  const load1 = os.loadavg()[0] ?? 0;
  return { quiet: load1 <= limit, load1, load: loadAverage(), waitedSeconds: (Date.now() - started) / 1000 };
}

/** A hand-written baseline (B1, B2) listening: its URL, and how to close its server and its pool. */
export interface Baseline {
  url: string;
  close(): Promise<void>;
}

/** Listens with a baseline's `server` on 127.0.0.1 (a free port); closing closes the server, then `pool`. */
export async function listenOnLoopback(server: http.Server, pool: { end(): Promise<unknown> }): Promise<Baseline> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/**
 * Runs a baseline in this process, as the benchmarks start it (`startProcess`):
 * DATABASE_URL and JWT_SECRET from the environment; prints `{"url": …}` once it
 * listens, and closes on SIGTERM.
 */
export function serveAlone(name: string, start: (options: { databaseUrl: string; secret: string }) => Promise<Baseline>): void {
  const databaseUrl = process.env["DATABASE_URL"];
  const secret = process.env["JWT_SECRET"];
  if (!databaseUrl || !secret) throw new Error(`${name} needs DATABASE_URL and JWT_SECRET`);
  start({ databaseUrl, secret }).then(
    (baseline) => {
      process.stdout.write(`${JSON.stringify({ url: baseline.url })}\n`);
      process.once("SIGTERM", () => void baseline.close().then(() => process.exit(0)));
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
