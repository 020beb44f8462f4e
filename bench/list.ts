/**
 * The admin list against B1 (bench/baseline.ts), side by side in one run on
 * one MySQL/MariaDB database: the service (`node dist/src/index.js`) and B1
 * answer the same operation over the same rows, about 2,000 requests in one
 * organization, each with two recipients. Their nodes are checked equal
 * first; then autocannon loads each in turn at 10 and at 50 connections,
 * alternating which goes first in every round so the machine's noise falls on
 * both, and the table gives requests/s, p50 and p99 of each and the ratios.
 *
 * Run alone:  node dist/bench/list.js --database mysql://root@127.0.0.1:3306/lr_list [--duration 5] [--rounds 3] [--out bench/results/x.md]
 * `--cpu-prof <dir>` starts the service with `node --cpu-prof` and writes its profile there (bench/results/profile-list.md).
 * `npm run bench` runs it as its first section on MySQL/MariaDB.
 */
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import { deepStrictEqual } from "node:assert";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import autocannon from "autocannon";
import mysql from "mysql2/promise";
import { signToken } from "../src/services/access/authentication";
import { BASELINE_QUERY } from "./baseline";
import { serviceNodeFlags } from "./serviceCommand";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = "benchmark-secret-benchmark-secret-0123456789";

export interface ListBenchOptions {
  /** A MySQL/MariaDB URL; the database it names is dropped and created again. */
  database: string;
  requests?: number;
  durationSeconds?: number;
  rounds?: number;
  connections?: number[];
  /** The service's entry point (default: this checkout's dist/src/index.js); another build's, to profile it the same way. */
  serviceEntry?: string;
  /** A directory: the service and B1 run under `node --cpu-prof`, answer `profileRequests` requests each and leave their profiles there. */
  cpuProfileDir?: string | null;
  profileRequests?: number;
  /** Connections while profiling (default 10). */
  profileConnections?: number;
}

interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The server process's CPU time (user + system) over the requests it answered: what machine noise disturbs least. */
  cpuMsPerRequest: number;
  errors: number;
}

interface Row {
  connections: number;
  service: Measured;
  baseline: Measured;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (i: number) => sorted[i] ?? Number.NaN;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** Drops and creates the MySQL/MariaDB database `url` names (`defaultName` when it names none); its server's version, and how to drop it. */
export async function freshDatabase(url: string, defaultName = "lr_list"): Promise<{ drop(): Promise<void>; version: string }> {
  const server = new URL(url);
  const name = server.pathname.replace(/^\//, "") || defaultName;
  const connect = () =>
    mysql.createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username),
      password: decodeURIComponent(server.password),
    });
  const admin = await connect();
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const [[row]] = (await admin.query("SELECT VERSION() AS v")) as unknown as [[{ v: string }]];
  await admin.end();
  return {
    version: row.v,
    drop: async () => {
      const c = await connect();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

interface Server {
  url: string;
  child: ChildProcess;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The built service as a production process runs it (`npm start`'s Node flags), logging every operation at info. */
function startService(databaseUrl: string, cpuProfileDir: string | null, entry = path.join(ROOT, "dist/src/index.js")): Promise<Server> {
  return startProcess(entry, cpuProfileDir, {
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: SECRET,
    LOG_LEVEL: "info",
    // One caller from one address: fair-use bounds would measure themselves.
    RATE_LIMIT_BUCKET_SIZE: "1000000000",
    RATE_LIMIT_RESTORE_RATE: "1000000000",
  });
}

/** B1 in a process of its own, as the service runs in its own (not sharing the load generator's event loop). */
function startB1(databaseUrl: string, cpuProfileDir: string | null): Promise<Server> {
  return startProcess(path.join(ROOT, "dist/bench/baseline.js"), cpuProfileDir, { DATABASE_URL: databaseUrl, JWT_SECRET: SECRET });
}

const TICKS_PER_SECOND = 100;

/** Both servers run with the Node flags production starts the service with (`npm start`): the same runtime. */
async function startProcess(script: string, cpuProfileDir: string | null, env: Record<string, string>): Promise<Server> {
  const args = [...serviceNodeFlags(), ...(cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []), script];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) resolve(entry.url.replace(/\/graphql$/, ""));
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  return {
    url,
    child,
    cpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime are fields 14 and 15, after the command name in parentheses.
      const fields = (fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** `count` decided requests in Contoso (the migrations' demo seed), each naming its requester and one more person. */
async function seed(databaseUrl: string, count: number): Promise<{ adminId: number; organizationId: number }> {
  const db = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [[admin]] = (await db.query("SELECT id, organizationId FROM app_user WHERE email = 'admin@contoso.example'")) as unknown as [
      [{ id: number; organizationId: number }],
    ];
    const [people] = (await db.query("SELECT id FROM app_user WHERE organizationId = ? AND role = 'USER' ORDER BY id", [admin.organizationId])) as unknown as [
      { id: number }[],
    ];
    const [products] = (await db.query("SELECT id FROM product WHERE organizationId = ? ORDER BY id", [admin.organizationId])) as unknown as [{ id: number }[]];
    const [[newest]] = (await db.query("SELECT MIN(requestedAt) AS t FROM license_request")) as unknown as [[{ t: string | null }]];
    const start = Number(newest.t ?? Date.now()) - 60_000;
    const batch = 500;
    for (let offset = 0; offset < count; offset += batch) {
      const n = Math.min(batch, count - offset);
      const requests: unknown[] = [];
      const recipients: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const k = offset + i;
        const id = 1_000_000 + k;
        const requester = people[k % people.length]?.id;
        const other = people[(k + 1) % people.length]?.id;
        const at = start - k * 1_000;
        requests.push(id, admin.organizationId, products[k % products.length]?.id, requester, "DENIED", 2, at, at + 30 * 86_400_000, at + 3_600_000, admin.id);
        recipients.push(id, requester, admin.organizationId, 0, "DENIED", id, other, admin.organizationId, 1, "DENIED");
      }
      await db.query(
        `INSERT INTO license_request (id, organizationId, productId, requesterId, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById) VALUES ${Array(n).fill("(?,?,?,?,?,?,?,?,?,?)").join(",")}`,
        requests,
      );
      await db.query(
        `INSERT INTO license_request_recipient (requestId, userId, organizationId, position, decision) VALUES ${Array(2 * n)
          .fill("(?,?,?,?,?)")
          .join(",")}`,
        recipients,
      );
    }
    await db.query("ANALYZE TABLE license_request, license_request_recipient");
    return { adminId: admin.id, organizationId: admin.organizationId };
  } finally {
    await db.end();
  }
}

async function list(url: string, token: string): Promise<unknown> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: BASELINE_QUERY }),
  });
  const body = (await response.json()) as { data?: { licenseRequests?: unknown }; errors?: unknown[] };
  if (response.status !== 200 || body.errors) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data?.licenseRequests;
}

async function load(server: Server, token: string, connections: number, seconds: number, amount?: number): Promise<Measured> {
  const cpuBefore = server.cpuSeconds();
  const result = await autocannon({
    url: `${server.url}/graphql`,
    method: "POST",
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: BASELINE_QUERY }),
  });
  const cpuMsPerRequest = ((server.cpuSeconds() - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest,
    errors: result.errors + result.non2xx,
  };
}

/** Measures the list and B1 side by side; returns the Markdown section. */
export async function benchList(options: ListBenchOptions): Promise<string[]> {
  const count = options.requests ?? 2_000;
  const seconds = options.durationSeconds ?? 5;
  const rounds = options.rounds ?? 3;
  const database = await freshDatabase(options.database);
  const lines: string[] = [];
  let service: Server | null = null;
  let baseline: Server | null = null;
  try {
    // The service runs the migrations and the demo seed as it starts.
    const profiles = options.cpuProfileDir ?? null;
    service = await startService(options.database, profiles && path.join(profiles, "service"), options.serviceEntry);
    const admin = await seed(options.database, count);
    baseline = await startB1(options.database, profiles && path.join(profiles, "b1"));
    const token = await signToken(SECRET, { id: admin.adminId, organizationId: admin.organizationId }, { expiresIn: "2h" });

    const ours = await list(service.url, token);
    const theirs = await list(baseline.url, token);
    deepStrictEqual(ours, theirs, "B1's nodes differ from the service's");

    if (profiles) {
      // Profiled: a known number of requests each, so the profile reads per request (bench/profile/summarise.js).
      const amount = options.profileRequests ?? 3_000;
      const connections = options.profileConnections ?? 10;
      for (const server of [service, baseline]) await load(server, token, connections, 0, amount);
      lines.push(
        `Profiled: ${amount + 1} requests each (one check, then ${amount} at ${connections} connections); profiles in ${profiles}/service and ${profiles}/b1.`,
      );
      return lines;
    }

    // Warm both up: JIT, pools, caches.
    await load(service, token, 10, 2);
    await load(baseline, token, 10, 2);

    const rows: Row[] = [];
    for (const connections of options.connections ?? [10, 50]) {
      const mine: Measured[] = [];
      const b1: Measured[] = [];
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          mine.push(await load(service, token, connections, seconds));
          b1.push(await load(baseline, token, connections, seconds));
        } else {
          b1.push(await load(baseline, token, connections, seconds));
          mine.push(await load(service, token, connections, seconds));
        }
      }
      const of = (runs: Measured[]): Measured => ({
        requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        cpuMsPerRequest: median(runs.map((r) => r.cpuMsPerRequest)),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
      });
      rows.push({ connections, service: of(mine), baseline: of(b1) });
    }

    const [load1, load5] = os.loadavg();
    lines.push(`## The admin list against B1 (hand-written node:http + mysql2), one run`);
    lines.push("");
    lines.push(`- date: ${new Date().toISOString()}`);
    lines.push(`- database: MySQL protocol (${database.version})`);
    lines.push(
      `- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}; load average before the table ${load1?.toFixed(2)} / ${load5?.toFixed(2)} (1 / 5 min; the machine is shared)`,
    );
    lines.push(`- data: the demo seed plus ${count.toLocaleString("en")} requests in one organization, two recipients each`);
    lines.push(
      `- operation: \`licenseRequests(first: 50) { totalCount pageInfo nodes { id product { name availableLicenses } requester { displayName } recipients { decision user { displayName } } } }\` as the organization's admin`,
    );
    lines.push(`- B1's nodes checked equal to the service's before the load`);
    lines.push(`- ${rounds} rounds of ${seconds} s per connection count, service and B1 alternating which goes first; medians of the rounds`);
    lines.push("");
    lines.push(
      `| connections | service req/s | p50 ms | p99 ms | CPU ms/req | B1 req/s | p50 ms | p99 ms | CPU ms/req | throughput ratio (≥ 0.5) | p99 ratio (≤ 2) | B1 CPU / service CPU | errors |`,
    );
    lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    for (const { connections, service: a, baseline: b } of rows) {
      lines.push(
        `| ${connections} | ${a.requestsPerSecond.toFixed(0)} | ${a.p50} | ${a.p99} | ${a.cpuMsPerRequest.toFixed(2)} | ${b.requestsPerSecond.toFixed(0)} | ${b.p50} | ${b.p99} | ${b.cpuMsPerRequest.toFixed(2)} | ${(a.requestsPerSecond / b.requestsPerSecond).toFixed(2)} | ${(a.p99 / b.p99).toFixed(2)} | ${(b.cpuMsPerRequest / a.cpuMsPerRequest).toFixed(2)} | ${a.errors + b.errors} |`,
      );
    }
    lines.push("");
    return lines;
  } finally {
    await baseline?.stop();
    await service?.stop();
    await database.drop();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const number = (name: string) => (value(name) === undefined ? undefined : Number(value(name)));
  benchList({
    database: value("database") ?? "mysql://root@127.0.0.1:3306/lr_list",
    ...(number("requests") ? { requests: number("requests")! } : {}),
    ...(number("duration") ? { durationSeconds: number("duration")! } : {}),
    ...(number("rounds") ? { rounds: number("rounds")! } : {}),
    ...(value("connections") ? { connections: value("connections")!.split(",").map(Number) } : {}),
    cpuProfileDir: value("cpu-prof") ? path.resolve(value("cpu-prof")!) : null,
    ...(value("service") ? { serviceEntry: path.resolve(value("service")!) } : {}),
    ...(number("profile-requests") ? { profileRequests: number("profile-requests")! } : {}),
    ...(number("profile-connections") ? { profileConnections: number("profile-connections")! } : {}),
  })
    .then(async (lines) => {
      const text = `${lines.join("\n")}\n`;
      process.stdout.write(text);
      const out = value("out");
      if (out) fs.writeFileSync(path.resolve(ROOT, out), text);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
