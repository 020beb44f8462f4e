/**
 * Real processes for the multi-instance tests: a private build of the service
 * (so a parallel build of dist/ cannot change it underfoot), server instances
 * started as `node <build>/src/index.js`, and a redis-server of the test's own
 * on a free port (never the shared one), which the test may kill and restart.
 */
import { ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { Inbox, WAIT_MS } from "./ws";

export const ROOT = path.resolve(__dirname, "../..");

/** Compiles src/ with tsc into a directory of the caller's own under node_modules/.cache; returns it. */
export async function buildPrivately(name: string): Promise<{ dir: string; entry: string; remove(): void }> {
  const dir = path.join(ROOT, "node_modules", ".cache", `${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", dir], {
    cwd: ROOT,
  });
  return { dir, entry: path.join(dir, "src", "index.js"), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when something accepts TCP connections on the port; fails after `ms`. */
async function waitForPort(port: number, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, ms = WAIT_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}

export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own: no persistence, loopback only, a free port. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await waitForPort(port);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: async () => {
      if (child) await stopChild(child, "SIGKILL");
      child = null;
    },
    stop: async () => {
      if (child) await stopChild(child, "SIGTERM");
      child = null;
    },
  };
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  wsUrl: string;
  /** Parsed JSON log lines, in order, as they arrive. */
  logs: Inbox<Record<string, unknown>>;
  /** Waits for a log line whose `msg` matches (lines seen before included); fails after `ms`. */
  waitForLog(msg: RegExp, ms?: number, from?: number): Promise<Record<string, unknown>>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node <entry>` with `env` (PORT=0 picks a port) in `cwd` (default the repository) and waits for its "ready" log line. */
export async function startServiceProcess(entry: string, env: Record<string, string>, cwd = ROOT): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = new Inbox<Record<string, unknown>>();
  let output = "";
  let partial = "";
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const waitForLog = async (msg: RegExp, ms = WAIT_MS, from = 0) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = logs.all.slice(from).find((line) => msg.test(String(line.msg)));
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) without logging ${msg}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no log line ${msg} within ${ms} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  let ready: Record<string, unknown>;
  try {
    ready = await waitForLog(/API ready/, 30_000);
  } catch (error) {
    await stopChild(child, "SIGKILL");
    throw error;
  }
  const url = String(ready.url).replace(/\/graphql$/, "");
  return {
    child,
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/graphql`,
    logs,
    waitForLog,
    output: () => output,
    stop: () => stopChild(child, "SIGTERM"),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** POSTs an operation to a server process as the bearer of `token`; the parsed response body. */
export async function postGraphQL(instance: { url: string }, token: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${instance.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Json | null; errors?: unknown[] };
}
