/**
 * Benchmarks of the license-request API, run against the real server process
 * (`node dist/src/index.js`) on a database of the benchmark's own:
 *
 * 1. page cost by depth: one Requests-tab page (`first: 20`) at row 1, in the
 *    middle and at the end of `--rows` completed requests (keyset pagination);
 * 2. HTTP throughput and latency of the Requests-tab list under concurrency
 *    (autocannon);
 * 3. subscription fan-out to `--dashboards` graphql-ws clients next to a bare
 *    `ws` broadcast of the same bytes, and memory per idle dashboard (fanout.ts);
 * 4. 20 admins deciding distinct requests at once, racing for one pool (decisions.ts);
 * 5. the admin list's first and a deep page as an organization grows (growth.ts);
 * 6. the activity log (activity.ts, MySQL/MariaDB and Redis): a decision's
 *    statements before and after it, a replay of 1,000 entries, fan-out to
 *    1,000 and 10,000 subscribers over two instances beside a bare broadcast,
 *    memory per idle subscriber, webhook deliveries (`--sections activity`);
 * and first, on MySQL/MariaDB, the admin list against B1, the hand-written
 * baseline, side by side (bench/list.ts); named only (`--sections`): decisions
 * against B2, the hand-written approval (`decisions-b2`, bench/decisions.ts), and
 * start time, idle memory and a 10-minute mixed load (`start-soak`, bench/startAndSoak.ts).
 *
 * Usage: npm run bench -- [--sections list,depth,throughput,fanout,decisions,growth,decisions-b2,start-soak,activity,activity-statements,…] [--rows 1000000] [--dashboards 1000,5000] [--fanout-rounds 50] [--growth 10000,100000,1000000] [--rounds 3] [--database mysql://root@127.0.0.1:3306/bench] [--out bench/results/x.md]
 * See bench/README.md.
 */
import "reflect-metadata";
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import type { DataSource } from "typeorm";
import { openDatabase } from "../src/db/dataSource";
import { LicenseRequestEntity, ProductEntity, UserEntity } from "../src/entities";
import { signToken } from "../src/services/access/authentication";
import { requestCursor } from "../src/services/licenseRequests/queries";
import { toGlobalId } from "../src/services/shared/ids";
import type { DatabaseConfig } from "../src/config";
import { benchList, freshDatabase } from "./list";
import { measureDecisions, measureDecisionsAgainstB2 } from "./decisions";
import { measureStartAndSoak } from "./startAndSoak";
import { measureFanOut } from "./fanout";
import { measureGrowth } from "./growth";
import { ACTIVITY_SECTIONS, measureActivity } from "./activity";
import { serviceNodeFlags } from "./serviceCommand";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = "benchmark-secret-benchmark-secret-0123456789";
const METRICS_TOKEN = "benchmark-metrics-token-0123456789";

interface Options {
  rows: number;
  dashboards: number[];
  fanOutRounds: number;
  /** Requests in the growth organization at each step (bench/growth.ts). */
  growth: number[];
  database: string | null;
  out: string | null;
  durationSeconds: number;
  /** Rounds of the list against B1 (at least 3). */
  listRounds: number;
  /** The sections to run (`--sections`, default all). */
  sections: Set<Section>;
  /** The activity log's options (bench/activity.ts). */
  redis: string;
  beforeDist: string | null;
  subscribers: number[];
  activityRounds: number;
  activityEvents: number;
  idle: number;
  replayEntries: number;
  webhookEvents: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const positive = (name: string, fallback: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const list = (name: string, fallback: number[]) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const numbers = raw.split(",").map(Number);
    if (!numbers.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be positive integers separated by commas`);
    return numbers;
  };
  return {
    rows: positive("rows", 1_000_000),
    dashboards: list("dashboards", [1_000, 5_000]),
    fanOutRounds: positive("fanout-rounds", 50),
    growth: list("growth", [10_000, 100_000, 1_000_000]),
    durationSeconds: positive("duration", 10),
    listRounds: atLeastThree(positive("rounds", 3)),
    database: value("database") ?? null,
    out: value("out") ?? null,
    sections: sectionsOf(value("sections")),
    redis: value("redis") ?? process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
    beforeDist: value("before-dist") ?? null,
    subscribers: list("subscribers", [1_000, 10_000]),
    activityRounds: positive("activity-rounds", 4),
    activityEvents: positive("activity-events", 10),
    idle: positive("idle", 2_000),
    replayEntries: positive("replay-entries", 1_000),
    webhookEvents: positive("webhook-events", 1_000),
  };
}

/** A comparison needs three rounds at least: one round's ratio is the machine's minute, not the servers. */
function atLeastThree(rounds: number): number {
  if (rounds < 3) throw new Error("--rounds must be at least 3");
  return rounds;
}

const SERVICE_SECTIONS = ["list", "depth", "throughput", "fanout", "decisions", "growth"] as const;
/** Sections with processes and databases of their own, run only when named. */
const STANDALONE_SECTIONS = ["decisions-b2", "start-soak"] as const;
const SECTIONS = [...SERVICE_SECTIONS, ...ACTIVITY_SECTIONS, ...STANDALONE_SECTIONS] as const;
type Section = (typeof SECTIONS)[number];

/**
 * `--sections a,b`: the sections to run (default every one but the activity
 * log's, which need MySQL/MariaDB and Redis, and the standalone ones, each
 * several minutes long), each named as in SECTIONS; `activity` names every
 * section of the activity log.
 */
function sectionsOf(raw: string | undefined): Set<Section> {
  if (raw === undefined) return new Set(SERVICE_SECTIONS);
  const names = raw.split(",").flatMap((n) => (n === "activity" ? [...ACTIVITY_SECTIONS] : [n]));
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`--sections takes ${SECTIONS.join(", ")} or activity; not ${unknown.join(", ")}`);
  return new Set(names as Section[]);
}

/** A database of the benchmark's own: a temporary SQLite file, or a fresh MySQL/MariaDB database. */
async function benchDatabase(url: string | null): Promise<{ config: DatabaseConfig; url: string; drop(): Promise<void>; label: string }> {
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lr-bench-"));
    const file = path.join(dir, "bench.db");
    return {
      config: { type: "sqlite", path: file },
      url: `sqlite:${file}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
      label: "SQLite (embedded)",
    };
  }
  const database = await freshDatabase(url, "lr_bench");
  return { config: { type: "mysql", url }, url, label: `MySQL protocol (${database.version})`, drop: database.drop };
}

interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  rssMiB(): number;
  stop(): Promise<void>;
}

/** The server's JS heap in use after a full collection, from its own /metrics (prom-client's process metrics). */
async function heapUsedMiB(url: string, pid: number): Promise<number> {
  process.kill(pid, "SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 500));
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  if (!match) throw new Error("/metrics has no nodejs_heap_size_used_bytes");
  return Number(match[1]) / 2 ** 20;
}

/** Starts the built service and resolves once it logs its URL. */
async function startServer(databaseUrl: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...serviceNodeFlags(), path.join(ROOT, "dist/src/index.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: SECRET,
      LOG_LEVEL: "info",
      // The benchmark is one caller from one address: fair-use bounds would measure themselves.
      RATE_LIMIT_BUCKET_SIZE: "1000000000",
      RATE_LIMIT_RESTORE_RATE: "1000000000",
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "20",
      WS_MAX_SUBSCRIPTIONS_PER_USER: "1000000",
      WS_MAX_CONNECTIONS_PER_USER: "1000000",
      WS_MAX_CONNECTIONS_PER_ADDRESS: "1000000",
      METRICS_TOKEN,
      NODE_OPTIONS: `--expose-gc --require ${path.join(ROOT, "dist/bench/collectOnSignal.js")}`,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as { url?: string; level?: number; msg?: string };
      if (entry.url) resolve(entry.url.replace(/\/graphql$/, ""));
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    rssMiB: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Adds `rows` denied requests (one recipient each) to Contoso, older than every seeded one. */
async function addCompletedRequests(dataSource: DataSource, rows: number): Promise<void> {
  const requester = await dataSource.getRepository(UserEntity).findOneByOrFail({ email: "adele@contoso.example" });
  const product = await dataSource.getRepository(ProductEntity).findOneByOrFail({ skuPartNumber: "POWER_BI_PRO", organizationId: requester.organizationId });
  const oldest = await dataSource.getRepository(LicenseRequestEntity).createQueryBuilder("lr").select("MIN(lr.requestedAt)", "t").getRawOne<{ t: string }>();
  const start = Number(oldest?.t ?? Date.now()) - 60_000;
  const firstId = 1_000_000_000;
  const batch = 2_000;
  await dataSource.transaction(async (manager) => {
    for (let offset = 0; offset < rows; offset += batch) {
      const n = Math.min(batch, rows - offset);
      const requests: unknown[] = [];
      const recipients: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const id = firstId + offset + i;
        const requestedAt = start - (offset + i) * 1_000;
        requests.push(id, requester.organizationId, product.id, requester.id, "DENIED", 1, requestedAt, requestedAt + 30 * 86_400_000, requestedAt + 3_600_000);
        recipients.push(id, requester.id, requester.organizationId, 0, "DENIED");
      }
      await manager.query(
        `INSERT INTO license_request (id, organizationId, productId, requesterId, status, recipientCount, requestedAt, expiresAt, decidedAt) VALUES ${Array(n).fill("(?,?,?,?,?,?,?,?,?)").join(",")}`,
        requests,
      );
      await manager.query(
        `INSERT INTO license_request_recipient (requestId, userId, organizationId, position, decision) VALUES ${Array(n).fill("(?,?,?,?,?)").join(",")}`,
        recipients,
      );
    }
  });
}

const LIST = `query RequestsTab($state: LicenseRequestState, $after: String) {
  licenseRequests(filter: { state: $state }, first: 20, after: $after) {
    nodes { id status requestedAt product { name } requester { displayName } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]): { p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

/** A GraphQL response as the benchmark reads it: shapes are checked by the run, not typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function post(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Json> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

/** Milliseconds of `samples` sequential requests for one page after `cursor`. */
async function timePage(url: string, token: string, state: string | null, cursor: string | null, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const t0 = performance.now();
    const data = await post(url, token, LIST, { state, after: cursor });
    const elapsed = performance.now() - t0;
    if (data["licenseRequests"].nodes.length !== 20) throw new Error("a page came back short");
    if (i >= 5) times.push(elapsed); // the first five warm caches up
  }
  return times;
}

async function throughput(url: string, token: string, seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/graphql`,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: LIST, variables: { state: "PENDING" } }),
  });
}

/**
 * Section 0 (bench/list.ts): on MySQL/MariaDB, B1 speaking mysql2, and the
 * service on SQLite beside it. Its database is the benchmark's name (default
 * `lr_bench` on 127.0.0.1) with `_list`; it needs none of the other sections' rows.
 */
async function listAgainstB1(options: Options): Promise<string[]> {
  return benchList({ database: siblingDatabase(options, "list"), durationSeconds: options.durationSeconds, rounds: options.listRounds });
}

/** The MySQL/MariaDB database `<benchmark's database>_<suffix>` (`lr_bench_<suffix>` on 127.0.0.1 when none is named). */
function siblingDatabase(options: Options, suffix: string): string {
  const url = new URL(options.database?.startsWith("mysql") ? options.database : "mysql://root@127.0.0.1:3306/lr_bench");
  url.pathname = `/${url.pathname.replace(/^\//, "") || "lr_bench"}_${suffix}`;
  return url.toString();
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const lines: string[] = [];
  const say = (line = "") => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  const activity = new Set(ACTIVITY_SECTIONS.filter((s) => options.sections.has(s)));
  // 0. The admin list against B1, on a database and in processes of its own.
  if (options.sections.has("list")) for (const line of await listAgainstB1(options)) say(line);
  // Decisions against B2 (bench/decisions.ts), on MySQL/MariaDB: the database is the benchmark's with `_decisions`.
  if (options.sections.has("decisions-b2"))
    await measureDecisionsAgainstB2({ database: siblingDatabase(options, "decisions"), rounds: options.listRounds, say });
  // Start time, idle memory and a 10-minute mixed load (bench/startAndSoak.ts), on the benchmark's database or SQLite like `npm start`.
  if (options.sections.has("start-soak"))
    await measureStartAndSoak({ database: options.database?.startsWith("mysql") ? siblingDatabase(options, "soak") : null, say });
  if (SERVICE_SECTIONS.some((s) => s !== "list" && options.sections.has(s))) await measureService(options, say);
  if (activity.size) {
    if (!options.database?.startsWith("mysql")) throw new Error("the activity log's sections run on MySQL/MariaDB: --database mysql://…");
    await measureActivity({
      database: options.database,
      redis: options.redis,
      sections: activity,
      beforeDist: options.beforeDist,
      replayEntries: options.replayEntries,
      replayRounds: 7,
      subscribers: options.subscribers,
      fanOutRounds: options.activityRounds,
      fanOutEvents: options.activityEvents,
      idle: options.idle,
      memoryRounds: 4,
      webhookEvents: options.webhookEvents,
      webhookRounds: 3,
      webhookPaced: 100,
      say,
    });
  }
  if (options.out) fs.writeFileSync(path.resolve(ROOT, options.out), `${lines.join("\n")}\n`);
}

/** Sections 0–5: one server on a database of the benchmark's own, with `--rows` completed requests. */
async function measureService(options: Options, say: (line?: string) => void): Promise<void> {
  const database = await benchDatabase(options.database);
  let server: ServerProcess | null = null;
  let dataSource: DataSource | null = null;
  try {
    server = await startServer(database.url);
    dataSource = await openDatabase(database.config);
    const admin = await dataSource.getRepository(UserEntity).findOneByOrFail({ email: "admin@contoso.example" });
    const token = await signToken(SECRET, admin, { expiresIn: "2h" });

    const t0 = performance.now();
    await addCompletedRequests(dataSource, options.rows);
    const loadSeconds = (performance.now() - t0) / 1000;

    say(`# Benchmark results`);
    say();
    say(`- date: ${new Date().toISOString()}`);
    say(`- database: ${database.label}`);
    say(`- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    say(`- data: the demo seed plus ${options.rows.toLocaleString("en")} completed requests in one organization (loaded in ${loadSeconds.toFixed(1)} s)`);
    say();

    // 1. Page cost by depth: cursors taken from the rows themselves.
    const repository = dataSource.getRepository(LicenseRequestEntity);
    const at = async (position: number) => {
      const row = await repository
        .createQueryBuilder("lr")
        .where("lr.organizationId = :org", { org: admin.organizationId })
        .orderBy("lr.requestedAt", "DESC")
        .addOrderBy("lr.id", "DESC")
        .offset(position)
        .limit(1)
        .getOneOrFail();
      return requestCursor(row);
    };
    const total = await repository.countBy({ organizationId: admin.organizationId });
    if (options.sections.has("depth")) {
      const depths: [string, string | null][] = [
        ["row 1", null],
        [`row ${Math.floor(total / 2).toLocaleString("en")}`, await at(Math.floor(total / 2))],
        [`row ${(total - 21).toLocaleString("en")}`, await at(total - 21)],
      ];
      say(`## 1. One page of 20 by depth (${total.toLocaleString("en")} requests; 200 sequential requests each, milliseconds)`);
      say();
      say(`| filter | position | p50 | p95 | mean |`);
      say(`| --- | --- | --- | --- | --- |`);
      for (const state of [null, "COMPLETED"]) {
        for (const [label, cursor] of depths) {
          const s = summary(await timePage(server.url, token, state, cursor, 200));
          say(`| ${state ?? "none"} | ${label} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.mean.toFixed(2)} |`);
        }
      }
      say();
    }

    // 2. Throughput of the pending list.
    if (options.sections.has("throughput")) {
      say(`## 2. Requests tab, pending list, ${options.durationSeconds} s under load (autocannon)`);
      say();
      say(`| connections | requests/s | p50 ms | p97.5 ms | p99 ms | errors | non-2xx |`);
      say(`| --- | --- | --- | --- | --- | --- | --- |`);
      for (const connections of [1, 10, 50]) {
        const r = await throughput(server.url, token, options.durationSeconds, connections);
        say(`| ${connections} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p97_5} | ${r.latency.p99} | ${r.errors} | ${r.non2xx} |`);
      }
      say();
    }

    // 3. Fan-out to dashboards, next to a bare ws broadcast (bench/fanout.ts).
    const submitter = await dataSource.getRepository(UserEntity).findOneByOrFail({ email: "alex@contoso.example" });
    const visio = await dataSource.getRepository(ProductEntity).findOneByOrFail({ skuPartNumber: "VISIO_PLAN2", organizationId: admin.organizationId });
    const running = server;
    if (options.sections.has("fanout"))
      await measureFanOut({
        service: {
          url: running.url,
          rssMiB: () => running.rssMiB(),
          heapUsedMiB: () => heapUsedMiB(running.url, running.pid),
          // With BENCH_CPU_PROFILE set, the server's CPU profile covers the service's fan-out rounds alone.
          ...(process.env["BENCH_CPU_PROFILE"] ? { toggleProfile: () => process.kill(running.pid, "SIGHUP") } : {}),
        },
        adminToken: token,
        submitterToken: await signToken(SECRET, submitter),
        productId: toGlobalId("Product", visio.id),
        dashboards: options.dashboards,
        rounds: options.fanOutRounds,
        say,
      });
    // 4. Concurrent decisions (bench/decisions.ts), 5. growth (bench/growth.ts).
    if (options.sections.has("decisions"))
      await measureDecisions({ url: running.url, dataSource, secret: SECRET, organizationId: admin.organizationId, admins: 20, say });
    if (options.sections.has("growth")) await measureGrowth({ url: running.url, dataSource, secret: SECRET, steps: options.growth, say });
  } finally {
    await server?.stop();
    await dataSource?.destroy();
    await database.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
