/**
 * Start and idle (the performance issue's "Start and idle"): "`npm start`
 * ready to answer within 2 s of a built tree (3,000 requests in the
 * database), idle resident memory recorded; the process's memory does not
 * grow over a 10-minute mixed load (reads, decisions, 1,000 subscribers)
 * beyond what the first minute reached."
 *
 * 1. Start. A database of its own (embedded SQLite in a temporary directory,
 *    as `npm start` uses by default, or a MySQL/MariaDB database dropped and
 *    created again) is migrated and seeded by one start of the service, which
 *    is then stopped; 3,000 requests are added through SQL as the service
 *    would have written them (pending ones with their recipients, approved
 *    ones with their licenses, denied, cancelled and expired ones, each with
 *    its history entry). Then `npm start`'s command (`node <its flags>
 *    dist/src/index.js`, bench/serviceCommand.ts) is started `starts` times
 *    (default 5) with PORT=0; each is timed from the spawn to the first
 *    successful answer of a real query (the admin list, B1's operation, with
 *    a signed admin token), polled every 20 ms from the moment the process
 *    says where it listens (with PORT=0 that is the first moment a client can
 *    know the port; it listens just before it says so). Its resident memory
 *    (VmRSS) and JS heap (its own /metrics) are read 10 s later, idle.
 * 2. Soak. One service process for `minutes` (default 10) under a mixed load:
 *    `subscribers` (default 1,000) graphql-ws sockets in worker processes (this
 *    file, forked with --subscriber-worker), half with the Requests page's
 *    `licenseRequestEvents` subscription (RequestsPageEvents, `after` the
 *    newest entry read just before, as the page subscribes from where its list
 *    read; read once per batch of 100 sockets), half with the dashboards'
 *    `licenseRequestSubmitted`, signed in as ten global admins; a paced
 *    stream of reads (B1's admin list, the Requests tab's list as the page
 *    sends it, pending and completed, a second page, and a user's own list);
 *    and paced decisions (a user submits, an admin approves or denies it). The
 *    service's VmRSS and JS heap are sampled every 5 s; `--gc-probe` also
 *    reads its live heap after a forced full collection once a minute.
 *
 * The 1-minute load average is waited for (at most 1.5, up to 5 minutes)
 * before the run; the load average is recorded before and after each part.
 *
 *   node dist/bench/startAndSoak.js [--database mysql://root@127.0.0.1:3306/lr_soak] [--minutes 10] [--subscribers 1000] [--out /tmp/soak.md]
 *     [--reads-per-second 20] [--decisions-per-second 2] [--starts 5] [--load-wait-seconds 300] [--gc-probe]
 *
 * Without --database: embedded SQLite in a temporary directory (removed after).
 */
import "reflect-metadata";
import { ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import type { EntityManager } from "typeorm";
import WebSocket from "ws";
import type { DatabaseConfig } from "../src/config";
import { openDatabase } from "../src/db/dataSource";
import { signToken } from "../src/services/access/authentication";
import { toGlobalId } from "../src/services/shared/ids";
import { BASELINE_QUERY } from "./baseline";
import { DASHBOARD_SUBSCRIPTION } from "./fanout";
import { freshDatabase } from "./list";
import { BENCH_SECRET, median, percentile, serviceEnvironment } from "./processes";
import { serviceNodeFlags } from "./serviceCommand";

const ROOT = path.resolve(__dirname, "../..");
const ENTRY = path.join(ROOT, "dist/src/index.js");
const SECRET = BENCH_SECRET;
const METRICS_TOKEN = "benchmark-metrics-token-0123456789";
const WORKER_FLAG = "--subscriber-worker";
/** The requests added to the demo seed. */
const REQUESTS = 3_000;
/** Global admins the subscribers, reads and decisions sign in as (the demo admin and nine more). */
const ADMINS = 10;
/** Users the added requests belong to. */
const DATA_USERS = 600;
const SAMPLE_MS = 5_000;

export interface StartAndSoakOptions {
  /** null: embedded SQLite in a temporary directory (as `npm start`); or a mysql:// URL, dropped and created again. */
  database: string | null;
  /** Length of the soak (default 10). */
  minutes?: number;
  /** graphql-ws subscribers during the soak (default 1,000). */
  subscribers?: number;
  /** Reads started per second during the soak (default 20). */
  readsPerSecond?: number;
  /** Decisions (a submission, then its approval or denial) started per second (default 2). */
  decisionsPerSecond?: number;
  /** Timed starts (default 5). */
  starts?: number;
  /** How long to wait for the 1-minute load average to fall to 1.5 first (default 300 s). */
  loadWaitSeconds?: number;
  /**
   * A diagnostic, off by default: the soak's service also runs with
   * `--expose-gc` and bench/collectOnSignal.ts, and at the end of each minute
   * it is made to collect fully and its JS heap is read: live memory, not
   * garbage awaiting collection. Its resident memory is then no longer quite
   * that of `npm start` (a collection a minute).
   */
  gcProbe?: boolean;
  say(line?: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`[startAndSoak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");
const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits));

/** `values[i]`, which the caller knows is there (the build checks indexed access; lint reads the tests' settings). */
function at<T>(values: readonly T[], i: number): T {
  const value = values[i];
  if (value === undefined) throw new Error(`nothing at ${i}`);
  return value;
}

/** Processes this run started, so that a failure or a signal ends them (by their own handle, nothing else). */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
export function killStartedChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** An operation of the Requests page (operations/*.graphql), with its fragments, as the page sends it. */
function pageOperation(name: string): string {
  const load = createRequire(__filename);
  const { pageOperations } = load(path.join(ROOT, "scripts/emit-page-operations.js")) as {
    pageOperations(root?: string): { name: string; source: string }[];
  };
  const operation = pageOperations(ROOT).find((o) => o.name === name);
  if (!operation) throw new Error(`operations/*.graphql has no ${name}`);
  return operation.source;
}

// ---------------------------------------------------------------- the database

interface Database {
  url: string;
  config: DatabaseConfig;
  label: string;
  drop(): Promise<void>;
}

async function benchDatabase(url: string | null): Promise<Database> {
  if (!url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lr-soak-"));
    const file = path.join(dir, "license-requests.db");
    return {
      url: `sqlite:${file}`,
      config: { type: "sqlite", path: file },
      label: `SQLite (embedded, ${file})`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const database = await freshDatabase(url, "lr_soak");
  return { url, config: { type: "mysql", url }, label: `MySQL protocol (${database.version})`, drop: database.drop };
}

interface Prepared {
  organizationId: number;
  adminIds: number[];
  dataUserIds: number[];
  submitterIds: number[];
  /** Contoso's products that are not self-service (POWER_BI_PRO, VISIO_PLAN2, SPE_E5). */
  productIds: number[];
  /** Contoso's requests by status, after. */
  byStatus: Record<string, number>;
}

async function insertRows(m: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const per = Math.max(1, Math.floor(2_000 / columns.length));
  for (let offset = 0; offset < rows.length; offset += per) {
    const chunk = rows.slice(offset, offset + per);
    const tuple = `(${columns.map(() => "?").join(",")})`;
    await m.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(",")}`, chunk.flat());
  }
}

const JUSTIFICATIONS = [
  "Quarterly reporting for the sales team.",
  "Floor plans for the new office.",
  "Project schedules for the migration.",
  "Dashboards for the regional leads.",
  null,
  "Needed for the audit next month.",
];

/**
 * Adds `REQUESTS` requests to Contoso as the service writes them, and the
 * users they need: pending ones (a tenth, in the last 25 days, some with a
 * second recipient) with `pendingProductId` set; approved ones with a license
 * per recipient and the product's count raised; denied, cancelled and expired
 * ones; each decided one with its history entry. Also `ADMINS - 1` more
 * global admins and `submitters` users who submit during the soak; the pools
 * are made large enough that approvals never run out.
 */
async function prepareDatabase(config: DatabaseConfig, submitters: number): Promise<Prepared> {
  const dataSource = await openDatabase(config);
  try {
    return await dataSource.transaction(async (m) => {
      const rows = <T>(sql: string, params: unknown[] = []) => m.query<T[]>(sql, params);
      const [admin] = await rows<{ id: number; organizationId: number }>("SELECT id, organizationId FROM app_user WHERE email = ?", ["admin@contoso.example"]);
      if (!admin) throw new Error("no admin@contoso.example: the demo seed did not run");
      const organizationId = Number(admin.organizationId);
      const products = await rows<{ id: number; skuPartNumber: string }>(
        "SELECT id, skuPartNumber FROM product WHERE organizationId = ? AND skuPartNumber IN ('POWER_BI_PRO', 'VISIO_PLAN2', 'SPE_E5') ORDER BY id",
        [organizationId],
      );
      if (products.length !== 3) throw new Error(`expected Contoso's three products that are not self-service, found ${products.length}`);
      const productIds = products.map((p) => Number(p.id));
      const product = (i: number) => at(productIds, i % productIds.length);

      const addUsers = async (prefix: string, name: string, count: number, role: string): Promise<number[]> => {
        const values = Array.from({ length: count }, (_, i) => [organizationId, `${name} ${i + 1}`, `${prefix}-${i}@contoso.example`, role]);
        await insertRows(m, "app_user", ["organizationId", "displayName", "email", "role"], values);
        const found = await rows<{ id: number; email: string }>("SELECT id, email FROM app_user WHERE email LIKE ?", [`${prefix}-%`]);
        const byEmail = new Map(found.map((u) => [u.email, Number(u.id)]));
        return values.map((v) => {
          const id = byEmail.get(String(v[2]));
          if (id === undefined) throw new Error(`user ${String(v[2])} was not stored`);
          return id;
        });
      };
      const adminIds = [Number(admin.id), ...(await addUsers("soak-admin", "Soak Admin", ADMINS - 1, "GLOBAL_ADMIN"))];
      const data = await addUsers("soak-data", "Data User", DATA_USERS, "USER");
      const submitterIds = await addUsers("soak-submitter", "Submitter", submitters, "USER");
      const user = (i: number) => at(data, i % data.length);

      const DAY = 86_400_000;
      const FIRST = 2_000_000;
      const now = Date.now();
      const requests: unknown[][] = [];
      const recipients: unknown[][] = [];
      const assignments: unknown[][] = [];
      const records: unknown[][] = [];
      const recordUsers: unknown[][] = [];
      const assignedPerProduct = new Map<number, number>();
      const cycle = ["APPROVED", "DENIED", "APPROVED", "DENIED", "CANCELLED", "DENIED", "EXPIRED"] as const;
      let pending = 0;
      let approved = 0;
      let other = 0;
      for (let k = 0; k < REQUESTS; k++) {
        const id = FIRST + k;
        const requestedAt = now - 60_000 - k * 40 * 60_000;
        const expiresAt = requestedAt + 30 * DAY;
        const justification = JUSTIFICATIONS[k % JUSTIFICATIONS.length] ?? null;
        const decider = at(adminIds, k % adminIds.length);
        if (k < 900 && k % 3 === 0) {
          // Pending, newer than 25 days. Data user p (and 300 + p) has at most this one pending request, for product p % 3.
          const p = pending++;
          const productId = product(p);
          const people = p % 2 === 0 ? [user(p), user(300 + p)] : [user(p)];
          requests.push([
            id,
            organizationId,
            productId,
            people[0],
            justification,
            "PENDING",
            people.length,
            requestedAt,
            expiresAt,
            null,
            null,
            null,
            null,
            null,
          ]);
          people.forEach((u, position) => recipients.push([id, u, organizationId, position, "PENDING", productId, null]));
          continue;
        }
        let status: string = at(cycle, other++ % cycle.length);
        if (status === "EXPIRED" && expiresAt > now) status = "DENIED";
        if (status === "APPROVED" && approved >= 2 * DATA_USERS) status = "DENIED";
        let productId = product(k);
        let people = k % 2 === 0 ? [user(k * 7), user(k * 7 + 1)] : [user(k * 7)];
        let assignment: number | null = null;
        if (status === "APPROVED") {
          // Data user u holds each of the two products it has no pending request for at most once.
          const a = approved++;
          const u = a % DATA_USERS;
          productId = product(u + 1 + Math.floor(a / DATA_USERS));
          people = [user(u)];
          assignment = FIRST + a;
        }
        const decidedAt = status === "EXPIRED" ? expiresAt : Math.min(now - 1_000, requestedAt + (status === "CANCELLED" ? 2 : (k % 48) + 1) * 3_600_000);
        const decidedBy = status === "CANCELLED" ? at(people, 0) : status === "EXPIRED" ? null : decider;
        const message = status === "DENIED" && k % 3 === 0 ? "Please use the web version." : status === "APPROVED" && k % 4 === 0 ? "Enjoy!" : null;
        const channel = status === "APPROVED" || status === "DENIED" ? "API" : null;
        requests.push([
          id,
          organizationId,
          productId,
          people[0],
          justification,
          status,
          people.length,
          requestedAt,
          expiresAt,
          decidedAt,
          decidedBy,
          message,
          status === "APPROVED" ? productId : null,
          channel,
        ]);
        people.forEach((u, position) => {
          const decision = status === "APPROVED" ? "APPROVED" : status === "DENIED" ? "DENIED" : "PENDING";
          recipients.push([id, u, organizationId, position, decision, null, assignment]);
        });
        if (assignment !== null) {
          assignments.push([assignment, organizationId, people[0], productId, decidedAt, id]);
          assignedPerProduct.set(productId, (assignedPerProduct.get(productId) ?? 0) + 1);
        }
        records.push([id, organizationId, id, status, decidedBy, decidedAt, status === "APPROVED" ? productId : null, message, channel]);
        if (status === "APPROVED" || status === "DENIED") people.forEach((u, position) => recordUsers.push([id, u, organizationId, status, position]));
      }
      await insertRows(
        m,
        "license_request",
        [
          "id",
          "organizationId",
          "productId",
          "requesterId",
          "justification",
          "status",
          "recipientCount",
          "requestedAt",
          "expiresAt",
          "decidedAt",
          "decidedById",
          "decisionMessage",
          "assignedProductId",
          "decisionChannel",
        ],
        requests,
      );
      await insertRows(m, "license_assignment", ["id", "organizationId", "userId", "productId", "assignedAt", "requestId"], assignments);
      await insertRows(
        m,
        "license_request_recipient",
        ["requestId", "userId", "organizationId", "position", "decision", "pendingProductId", "assignmentId"],
        recipients,
      );
      await insertRows(m, "decision_record", ["id", "organizationId", "requestId", "action", "actorId", "at", "productId", "message", "channel"], records);
      await insertRows(m, "decision_record_user", ["decisionId", "userId", "organizationId", "outcome", "position"], recordUsers);
      for (const productId of productIds) {
        await m.query("UPDATE product SET assignedLicenses = assignedLicenses + ? WHERE id = ?", [assignedPerProduct.get(productId) ?? 0, productId]);
        // Approvals during the soak never run out of licenses.
        await m.query("UPDATE product SET totalLicenses = assignedLicenses + 100000 WHERE id = ?", [productId]);
      }
      const counted = await rows<{ status: string; n: number | string }>(
        "SELECT status, COUNT(*) AS n FROM license_request WHERE organizationId = ? GROUP BY status ORDER BY status",
        [organizationId],
      );
      return {
        organizationId,
        adminIds,
        dataUserIds: data,
        submitterIds,
        productIds,
        byStatus: Object.fromEntries(counted.map((r) => [r.status, Number(r.n)])),
      };
    });
  } finally {
    await dataSource.destroy();
  }
}

// ---------------------------------------------------------------- the service process

interface Memory {
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  wsConnections: number;
  wsSubscriptions: number;
}

interface Service {
  url: string;
  pid: number;
  /** performance.now() at the spawn, and when it logged where it listens. */
  spawnedAt: number;
  listeningAt: number;
  log: { lines: number; warn: number; error: number; samples: Map<string, number>; stderr: string[] };
  exited(): boolean;
  rssMiB(): number;
  /** Peak resident memory (VmHWM). */
  peakMiB(): number;
  cpuSeconds(): number;
  memory(): Promise<Memory | null>;
  stop(): Promise<{ ms: number; code: number | null }>;
}

function soakEnvironment(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...serviceEnvironment(databaseUrl, SECRET),
    METRICS_TOKEN,
    // A thousand sockets of ten admins from one address (bench/fanout.ts).
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "20",
    WS_MAX_SUBSCRIPTIONS_PER_USER: "1000000",
    WS_MAX_CONNECTIONS_PER_USER: "1000000",
    WS_MAX_CONNECTIONS_PER_ADDRESS: "1000000",
  };
}

function statusField(pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function metricOf(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** `npm start`'s command (`node <flags> dist/src/index.js`); resolves once it logs where it listens. */
async function launch(databaseUrl: string, collectable = false): Promise<Service> {
  const env = soakEnvironment(databaseUrl);
  if (collectable) env["NODE_OPTIONS"] = `${env["NODE_OPTIONS"] ?? ""} --expose-gc --require ${path.join(ROOT, "dist/bench/collectOnSignal.js")}`.trim();
  const spawnedAt = performance.now();
  const child = track(spawn(process.execPath, [...serviceNodeFlags(), ENTRY], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
  const log = { lines: 0, warn: 0, error: 0, samples: new Map<string, number>(), stderr: [] as string[] };
  readline.createInterface({ input: child.stderr! }).on("line", (line) => {
    log.stderr.push(line);
    if (log.stderr.length > 20) log.stderr.shift();
  });
  const lines = readline.createInterface({ input: child.stdout! });
  let listeningAt = 0;
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      log.lines += 1;
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 40) {
        if (level >= 50) log.error += 1;
        else log.warn += 1;
        const msg = /"msg":"([^"]{0,160})/.exec(line)?.[1] ?? line.slice(0, 160);
        const err = /"err":\{[^}]*?"message":"([^"]{0,200})/.exec(line)?.[1];
        const key = `${level >= 50 ? "error" : "warn"}: ${msg}${err ? ` (${err})` : ""}`;
        if (log.samples.has(key) || log.samples.size < 20) log.samples.set(key, (log.samples.get(key) ?? 0) + 1);
      }
      if (!listeningAt && line.startsWith("{") && line.includes('"url"')) {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) {
          listeningAt = performance.now();
          resolve(entry.url.replace(/\/graphql$/, ""));
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`the service exited with ${code} before it was ready: ${log.stderr.join(" | ")}`)));
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    spawnedAt,
    listeningAt,
    log,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    rssMiB: () => statusField(pid, "VmRSS"),
    peakMiB: () => statusField(pid, "VmHWM"),
    cpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime are fields 14 and 15, after the command name in parentheses.
      const fields = (fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    memory: async () => {
      try {
        const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(3_000) });
        const text = await response.text();
        return {
          heapUsedMiB: metricOf(text, "nodejs_heap_size_used_bytes") / 2 ** 20,
          heapTotalMiB: metricOf(text, "nodejs_heap_size_total_bytes") / 2 ** 20,
          externalMiB: metricOf(text, "nodejs_external_memory_bytes") / 2 ** 20,
          wsConnections: metricOf(text, "ws_connections"),
          wsSubscriptions: metricOf(text, "ws_subscriptions"),
        };
      } catch {
        return null;
      }
    },
    stop: () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        if (child.exitCode !== null || child.signalCode !== null) return resolve({ ms: 0, code: child.exitCode });
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.once("exit", (code) => {
          clearTimeout(timer);
          resolve({ ms: performance.now() - t0, code });
        });
        child.kill("SIGTERM");
      }),
  };
}

// ---------------------------------------------------------------- GraphQL over HTTP

interface Answer {
  status: number;
  body: Json;
}

async function post(url: string, token: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = { errors: [{ message: `not JSON: ${text.slice(0, 100)}` }] };
  }
  return { status: response.status, body };
}

/** Operations done, by kind: successes with their latencies, failures with their reasons. */
class Operations {
  readonly kinds = new Map<string, { ok: number; failed: number; retried: number; ms: number[]; reasons: Map<string, number> }>();

  private of(kind: string) {
    let entry = this.kinds.get(kind);
    if (!entry) {
      entry = { ok: 0, failed: 0, retried: 0, ms: [], reasons: new Map() };
      this.kinds.set(kind, entry);
    }
    return entry;
  }
  ok(kind: string, ms: number): void {
    const entry = this.of(kind);
    entry.ok += 1;
    entry.ms.push(ms);
  }
  fail(kind: string, reason: string): void {
    const entry = this.of(kind);
    entry.failed += 1;
    const key = reason.slice(0, 200);
    if (entry.reasons.has(key) || entry.reasons.size < 5) entry.reasons.set(key, (entry.reasons.get(key) ?? 0) + 1);
  }
  retried(kind: string): void {
    this.of(kind).retried += 1;
  }
  total(which: "ok" | "failed", kinds?: string[]): number {
    let n = 0;
    for (const [kind, entry] of this.kinds) if (!kinds || kinds.includes(kind)) n += entry[which];
    return n;
  }
}

/**
 * One operation, recorded under `kind`; its data, or null when it failed (an
 * HTTP error, a GraphQL error, or `check` saying what is wrong with the data).
 * A mutation answered 503 (no database connection in time) is sent again with
 * the same variables (its idempotency key), as a client would.
 */
async function run(
  ops: Operations,
  kind: string,
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  check: (data: Json) => string | null,
  retry503 = false,
): Promise<Json | null> {
  const t0 = performance.now();
  for (let attempt = 1; ; attempt++) {
    let answer: Answer;
    try {
      answer = await post(url, token, query, variables);
    } catch (error) {
      ops.fail(kind, `transport: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
    if (answer.status === 503 && retry503 && attempt < 4) {
      ops.retried(kind);
      await sleep(250 * attempt);
      continue;
    }
    const data = answer.body["data"] as Json | undefined;
    if (answer.status !== 200 || answer.body["errors"] || !data) {
      ops.fail(kind, `HTTP ${answer.status}: ${JSON.stringify(answer.body["errors"] ?? answer.body).slice(0, 160)}`);
      return null;
    }
    const wrong = check(data);
    if (wrong) {
      ops.fail(kind, wrong);
      return null;
    }
    ops.ok(kind, performance.now() - t0);
    return data;
  }
}

// ---------------------------------------------------------------- 1. start

interface StartRow {
  listeningMs: number;
  answeredMs: number;
  polls: number;
  cpuSeconds: number;
  idleRssMiB: number;
  idle: Memory | null;
  stopMs: number;
}

/** Polls the admin list every 20 ms until it answers with data; the moment it did, and how many polls it took. */
async function firstAnswer(url: string, token: string): Promise<{ at: number; polls: number }> {
  const deadline = performance.now() + 60_000;
  for (let polls = 1; ; polls++) {
    const sent = performance.now();
    try {
      const answer = await post(url, token, BASELINE_QUERY, {}, 10_000);
      const nodes = (answer.body["data"] as Json | undefined)?.["licenseRequests"]?.["nodes"] as unknown[] | undefined;
      if (answer.status === 200 && !answer.body["errors"] && nodes && nodes.length > 0) return { at: performance.now(), polls };
    } catch {
      // Not yet.
    }
    if (performance.now() > deadline) throw new Error("the service did not answer the admin list within 60 s of listening");
    await sleep(Math.max(0, 20 - (performance.now() - sent)));
  }
}

async function measureStarts(databaseUrl: string, token: string, starts: number): Promise<StartRow[]> {
  const rows: StartRow[] = [];
  for (let i = 0; i < starts; i++) {
    await sleep(1_000);
    const service = await launch(databaseUrl);
    try {
      const answer = await firstAnswer(service.url, token);
      const cpuSeconds = service.cpuSeconds();
      await sleep(10_000);
      const idleRssMiB = service.rssMiB();
      const idle = await service.memory();
      const stopped = await service.stop();
      const row = {
        listeningMs: service.listeningAt - service.spawnedAt,
        answeredMs: answer.at - service.spawnedAt,
        polls: answer.polls,
        cpuSeconds,
        idleRssMiB,
        idle,
        stopMs: stopped.ms,
      };
      rows.push(row);
      progress(
        `start ${i + 1}: answered ${fmt(row.answeredMs, 0)} ms after the spawn (listening at ${fmt(row.listeningMs, 0)} ms), idle RSS ${fmt(idleRssMiB)} MiB`,
      );
    } finally {
      await service.stop();
    }
  }
  return rows;
}

// ---------------------------------------------------------------- 2. soak: subscriber workers

interface KindStats {
  sockets: number;
  connected: number;
  /** Sockets that received at least one event since they were opened. */
  withAny: number;
  /** Events each socket received since the mark. */
  sinceMark: number[];
}

interface WorkerStats {
  type: "stats";
  sockets: number;
  connected: number;
  nexts: number;
  errorNexts: number;
  /** `error` or `complete` messages: a subscription the server ended. */
  ended: number;
  closes: number;
  reconnects: number;
  failedConnects: number;
  bytes: number;
  kinds: KindStats[];
  samples: string[];
}

interface Subscription {
  query: string;
  variables: Record<string, unknown>;
  /**
   * Subscribe with `after` set to the organization's newest entry, read just
   * before (as the Requests page does: it reads its list, which says where the
   * log's head is, then subscribes from there): read once per batch of sockets.
   */
  fromNewest?: boolean;
}

const NEWEST_CURSOR = "query SoakNewestCursor { licenseRequestEvents { newestCursor } }";

/** The worker side (this file forked with --subscriber-worker): sockets speaking graphql-ws, each with one subscription, counting deliveries. */
function runSubscriberWorker(): void {
  interface Socket {
    kind: number;
    token: string;
    /** The `after` this socket subscribes with, for a subscription `fromNewest`. */
    after: string | null;
    ws: WebSocket | null;
    connected: boolean;
    nexts: number;
    marked: number;
  }
  const sockets: Socket[] = [];
  let url = "";
  let subscriptions: Subscription[] = [];
  let stopping = false;
  const counts = { nexts: 0, errorNexts: 0, ended: 0, closes: 0, reconnects: 0, failedConnects: 0, bytes: 0 };
  const samples: string[] = [];
  const sample = (text: string) => {
    if (samples.length < 5) samples.push(text.slice(0, 300));
  };
  const reply = (message: unknown) => process.send?.(message);

  function connect(socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, "graphql-transport-ws", { perMessageDeflate: false });
      socket.ws = ws;
      let acked = false;
      const timer = setTimeout(() => {
        if (!acked) ws.terminate();
      }, 15_000);
      ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${socket.token}` } })));
      ws.on("message", (raw: Buffer) => {
        counts.bytes += raw.length;
        // Only the first bytes are looked at: parsing every delivery would make the client the bottleneck.
        const head = raw.toString("latin1", 0, Math.min(raw.length, 64));
        if (head.includes('"next"')) {
          if (head.includes('"errors"')) {
            counts.errorNexts += 1;
            sample(raw.toString("utf8"));
          } else {
            socket.nexts += 1;
            counts.nexts += 1;
          }
          return;
        }
        const message = JSON.parse(raw.toString("utf8")) as { type: string };
        if (message.type === "connection_ack" && !acked) {
          acked = true;
          clearTimeout(timer);
          socket.connected = true;
          const subscription = at(subscriptions, socket.kind);
          const variables = subscription.fromNewest && socket.after ? { ...subscription.variables, after: socket.after } : subscription.variables;
          ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: subscription.query, variables } }));
          resolve();
        } else if (message.type === "ping") ws.send('{"type":"pong"}');
        else if (message.type === "error" || message.type === "complete") {
          counts.ended += 1;
          sample(raw.toString("utf8"));
        }
      });
      ws.on("error", (error) => {
        if (!acked) reject(error);
      });
      ws.on("close", (code) => {
        clearTimeout(timer);
        socket.connected = false;
        if (!acked) return reject(new Error(`closed before its ack: ${code}`));
        if (stopping) return;
        // A dashboard connects again, as the page does; what it missed meanwhile shows in the counts.
        counts.closes += 1;
        sample(`closed by the server: ${code}`);
        setTimeout(() => {
          if (stopping) return;
          counts.reconnects += 1;
          newestCursor(socket.token)
            .then((after) => {
              socket.after = after;
              return connect(socket);
            })
            .catch(() => (counts.failedConnects += 1));
        }, 1_000);
      });
    });
  }

  async function open(count: number, offset: number, tokens: string[]): Promise<void> {
    const mine = Array.from({ length: count }, (_, i) => ({
      kind: (offset + i) % subscriptions.length,
      token: at(tokens, (offset + i) % tokens.length),
      after: null as string | null,
      ws: null,
      connected: false,
      nexts: 0,
      marked: 0,
    }));
    sockets.push(...mine);
    // In batches, so the handshakes do not all queue at once; a refused handshake is tried again.
    for (let start = 0; start < mine.length; start += 100) {
      const batch = mine.slice(start, start + 100);
      if (subscriptions.some((s) => s.fromNewest)) {
        const after = await newestCursor(at(tokens, 0));
        for (const socket of batch) socket.after = after;
      }
      await Promise.all(
        batch.map(async (socket) => {
          for (let attempt = 1; ; attempt++) {
            try {
              return await connect(socket);
            } catch (error) {
              if (attempt === 5) {
                counts.failedConnects += 1;
                sample(`could not connect: ${String(error)}`);
                return;
              }
              await sleep(250 * attempt);
            }
          }
        }),
      );
    }
  }

  /** The position of the organization's newest activity-log entry (null when it has none, or the read failed: then the socket subscribes live). */
  async function newestCursor(token: string): Promise<string | null> {
    try {
      const response = await fetch(`${url.replace(/^ws/, "http")}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: NEWEST_CURSOR }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as Json;
      return (body["data"]?.["licenseRequestEvents"]?.["newestCursor"] as string | null | undefined) ?? null;
    } catch (error) {
      sample(`reading the newest cursor failed: ${String(error)}`);
      return null;
    }
  }

  function stats(): WorkerStats {
    const kinds: KindStats[] = subscriptions.map((_, kind) => {
      const of = sockets.filter((s) => s.kind === kind);
      return {
        sockets: of.length,
        connected: of.filter((s) => s.connected).length,
        withAny: of.filter((s) => s.nexts > 0).length,
        sinceMark: of.map((s) => s.nexts - s.marked),
      };
    });
    return { type: "stats", sockets: sockets.length, connected: sockets.filter((s) => s.connected).length, ...counts, kinds, samples };
  }

  process.on("message", (message: Json) => {
    const type = message["type"] as string;
    if (type === "open") {
      url = message["url"] as string;
      subscriptions = message["subscriptions"] as Subscription[];
      const t0 = performance.now();
      open(message["count"] as number, message["offset"] as number, message["tokens"] as string[]).then(
        () => reply({ type: "opened", seconds: (performance.now() - t0) / 1000 }),
        (error: unknown) => reply({ type: "opened", error: String(error) }),
      );
    } else if (type === "stats") reply(stats());
    else if (type === "mark") {
      for (const s of sockets) s.marked = s.nexts;
      reply({ type: "marked" });
    } else if (type === "close") {
      stopping = true;
      for (const s of sockets) s.ws?.terminate();
      reply({ type: "closed" });
    } else if (type === "exit") process.exit(0);
  });
}

/** The parent's handle on one worker process of subscribers. */
class SubscriberWorker {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, { resolve: (message: Json) => void; reject: (error: Error) => void }>();

  constructor() {
    this.child = track(fork(__filename, [WORKER_FLAG], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
    this.child.on("message", (message: Json) => {
      const waiter = this.waiting.get(message["type"] as string);
      if (waiter) {
        this.waiting.delete(message["type"] as string);
        waiter.resolve(message);
      }
    });
    this.child.once("exit", (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`a subscriber worker exited (${code})`));
      this.waiting.clear();
    });
  }

  private ask(answer: string, message: Json, timeoutMs = 120_000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(answer);
        reject(new Error(`a subscriber worker did not answer ${message["type"]} in time`));
      }, timeoutMs);
      this.waiting.set(answer, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(message);
    });
  }

  async open(url: string, subscriptions: Subscription[], tokens: string[], count: number, offset: number): Promise<number> {
    const answer = await this.ask("opened", { type: "open", url, subscriptions, tokens, count, offset }, 600_000);
    if (answer["error"]) throw new Error(`opening ${count} sockets failed: ${answer["error"]}`);
    return answer["seconds"] as number;
  }
  async stats(): Promise<WorkerStats> {
    return (await this.ask("stats", { type: "stats" })) as unknown as WorkerStats;
  }
  async mark(): Promise<void> {
    await this.ask("marked", { type: "mark" });
  }
  async close(): Promise<void> {
    await this.ask("closed", { type: "close" });
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.send({ type: "exit" });
    });
  }
}

/** Every worker's stats, added up (per subscription kind, the sockets' counts side by side). */
function combine(all: WorkerStats[]): WorkerStats {
  const sum = (f: (s: WorkerStats) => number) => all.reduce((n, s) => n + f(s), 0);
  const kinds: KindStats[] = [];
  for (const s of all) {
    s.kinds.forEach((k, i) => {
      const into = (kinds[i] ??= { sockets: 0, connected: 0, withAny: 0, sinceMark: [] });
      into.sockets += k.sockets;
      into.connected += k.connected;
      into.withAny += k.withAny;
      into.sinceMark.push(...k.sinceMark);
    });
  }
  return {
    type: "stats",
    sockets: sum((s) => s.sockets),
    connected: sum((s) => s.connected),
    nexts: sum((s) => s.nexts),
    errorNexts: sum((s) => s.errorNexts),
    ended: sum((s) => s.ended),
    closes: sum((s) => s.closes),
    reconnects: sum((s) => s.reconnects),
    failedConnects: sum((s) => s.failedConnects),
    bytes: sum((s) => s.bytes),
    kinds,
    samples: all.flatMap((s) => s.samples).slice(0, 5),
  };
}

// ---------------------------------------------------------------- 2. soak: paced load

/** Starts `perSecond` calls of `task` a second, at most `maxInFlight` at once (a start due while that many run is skipped and counted). */
class Pacer {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  started = 0;
  skipped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly maxInFlight: number,
    private readonly task: (k: number) => Promise<void>,
  ) {}

  start(): void {
    if (this.perSecond <= 0) return;
    const interval = 1000 / this.perSecond;
    let due = performance.now();
    this.timer = setInterval(
      () => {
        const now = performance.now();
        while (due <= now) {
          due += interval;
          if (this.inFlight.size >= this.maxInFlight) {
            this.skipped += 1;
            continue;
          }
          const k = this.started++;
          const running: Promise<void> = this.task(k)
            .catch(() => undefined)
            .finally(() => this.inFlight.delete(running));
          this.inFlight.add(running);
        }
      },
      Math.max(5, Math.min(50, interval / 2)),
    );
  }

  get busy(): number {
    return this.inFlight.size;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }
}

const SUBMIT = `mutation SoakSubmit($p: ID!, $key: String, $j: String) { submitLicenseRequest(input: { productId: $p, idempotencyKey: $key, justification: $j }) { licenseRequest { id status } userErrors { code message } } }`;
const APPROVE = `mutation SoakApprove($id: ID!, $key: String) { approveLicenseRequest(input: { requestId: $id, idempotencyKey: $key, message: "Approved." }) { licenseRequest { id status } userErrors { code message } } }`;
const DENY = `mutation SoakDeny($id: ID!, $key: String) { denyLicenseRequest(input: { requestId: $id, idempotencyKey: $key, message: "Not this quarter." }) { licenseRequest { id status } userErrors { code message } } }`;

interface Sample {
  /** Seconds since the soak started. */
  t: number;
  rssMiB: number;
  memory: Memory | null;
  reads: number;
  decisions: number;
  failures: number;
  /** The sample taken after the load stopped (and 3 s passed). */
  after: boolean;
}

// ---------------------------------------------------------------- the run

async function waitForQuiet(seconds: number): Promise<{ waited: number; quiet: boolean; load: string }> {
  const t0 = Date.now();
  while ((os.loadavg()[0] ?? 0) > 1.5 && Date.now() - t0 < seconds * 1000) {
    progress(`waiting for the 1-minute load average to fall to 1.5 (now ${loadAverage()})`);
    await sleep(10_000);
  }
  return { waited: (Date.now() - t0) / 1000, quiet: (os.loadavg()[0] ?? 0) <= 1.5, load: loadAverage() };
}

export async function measureStartAndSoak(options: StartAndSoakOptions): Promise<void> {
  const { say } = options;
  const minutes = options.minutes ?? 10;
  const subscribers = options.subscribers ?? 1_000;
  const readsPerSecond = options.readsPerSecond ?? 20;
  const decisionsPerSecond = options.decisionsPerSecond ?? 2;
  const starts = options.starts ?? 5;
  const soakSeconds = minutes * 60;
  // Enough submitters that approvals (every other decision) never run out of user/product pairs (3 products each).
  const submitters = Math.ceil((decisionsPerSecond * soakSeconds) / 2 / 3) + 30;

  const quiet = await waitForQuiet(options.loadWaitSeconds ?? 300);
  const database = await benchDatabase(options.database);
  let soakService: Service | null = null;
  const workers: SubscriberWorker[] = [];
  try {
    // The first start migrates and seeds; the requests are added while it is stopped.
    progress(`migrating and seeding ${database.label}`);
    const first = await launch(database.url);
    await first.stop();
    const t0 = performance.now();
    const prepared = await prepareDatabase(database.config, submitters);
    const prepareSeconds = (performance.now() - t0) / 1000;
    const tokenFor = (id: number) => signToken(SECRET, { id, organizationId: prepared.organizationId }, { expiresIn: `${Math.ceil(minutes) + 60}m` });
    const adminTokens = await Promise.all(prepared.adminIds.map(tokenFor));
    const adminToken = at(adminTokens, 0);

    const nodeStarts = Array.from({ length: 3 }, () => {
      const t = performance.now();
      spawnSync(process.execPath, ["-e", "0"]);
      return performance.now() - t;
    });

    say(`# Start and idle: \`npm start\` ready within 2 s, and memory over ${minutes} minute${minutes === 1 ? "" : "s"} of mixed load`);
    say();
    say(`- date: ${new Date().toISOString()}`);
    say(
      `- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.release()}; \`node -e 0\` takes ${fmt(median(nodeStarts), 0)} ms here (median of 3)`,
    );
    say(`- database: ${database.label}`);
    say(
      `- data: the demo seed plus ${REQUESTS.toLocaleString("en")} requests in Contoso added through SQL in ${prepareSeconds.toFixed(1)} s (pending ones with their recipients, approved ones with their licenses, denied, cancelled, expired, each decided one with its history entry); Contoso's requests by status: ${Object.entries(
        prepared.byStatus,
      )
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")}`,
    );
    say(
      `- service: \`node ${serviceNodeFlags().join(" ")} dist/src/index.js\` (npm start's command), NODE_ENV=production, PORT=0, LOG_LEVEL=info, METRICS_TOKEN set` +
        (options.gcProbe
          ? "; the soak's process also with `--expose-gc` and bench/collectOnSignal.ts (--gc-probe: a full collection at the end of each minute)"
          : ""),
    );
    say(`- load average (1 / 5 / 15 min) at the start: ${quiet.load}, after waiting ${quiet.waited.toFixed(0)} s for the 1-minute one to be at most 1.5`);
    if (!quiet.quiet) {
      say();
      say(`**The 1-minute load average was above 1.5 at the start (${quiet.load}): this run is not a result.**`);
    }
    say();

    // ------------------------------------------------------------ 1. start
    const loadBeforeStarts = loadAverage();
    const rows = await measureStarts(database.url, adminToken, starts);
    const answered = median(rows.map((r) => r.answeredMs));
    say(`## 1. Start: spawn → first answer (${starts} starts)`);
    say();
    say(
      `Each start: \`npm start\`'s command spawned; with PORT=0 the port is known from the line the service logs once it listens (it listens just before), ` +
        `from when the admin list (\`${BASELINE_QUERY.slice(0, 60)}…\`, as Contoso's admin with a signed token) is posted every 20 ms until it answers with data. ` +
        `Then 10 s idle, and its resident memory (VmRSS, /proc) and JS heap (its /metrics, prom-client's \`nodejs_heap_size_*\`, not collected first) are read. ` +
        `CPU: user + system seconds of the process up to its first answer.`,
    );
    say();
    say(
      `| start | spawn → listening, ms | spawn → first answer, ms (target ≤ 2,000) | polls | CPU s to the answer | idle RSS MiB (10 s after) | JS heap used / total MiB | external MiB | stop (SIGTERM → exit), ms |`,
    );
    say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    rows.forEach((r, i) =>
      say(
        `| ${i + 1} | ${fmt(r.listeningMs, 0)} | ${fmt(r.answeredMs, 0)} | ${r.polls} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.idleRssMiB)} | ${fmt(r.idle?.heapUsedMiB)} / ${fmt(r.idle?.heapTotalMiB)} | ${fmt(r.idle?.externalMiB)} | ${fmt(r.stopMs, 0)} |`,
      ),
    );
    say(
      `| **median** | ${fmt(median(rows.map((r) => r.listeningMs)), 0)} | **${fmt(answered, 0)}** (${answered <= 2_000 ? "meets" : "misses"} ≤ 2,000) | | ${fmt(median(rows.map((r) => r.cpuSeconds)), 2)} | **${fmt(median(rows.map((r) => r.idleRssMiB)))}** | ${fmt(median(rows.map((r) => r.idle?.heapUsedMiB ?? Number.NaN)))} / ${fmt(median(rows.map((r) => r.idle?.heapTotalMiB ?? Number.NaN)))} | | |`,
    );
    say();
    say(`Load average before → after the starts: ${loadBeforeStarts} → ${loadAverage()}.`);
    say();
    const idleRss = median(rows.map((r) => r.idleRssMiB));

    // ------------------------------------------------------------ 2. soak
    const loadBeforeSoak = loadAverage();
    const gcProbe = options.gcProbe ?? false;
    soakService = await launch(database.url, gcProbe);
    const service = soakService;
    const url = service.url;
    const ops = new Operations();
    const pageList = pageOperation("RequestsPageList");
    const pageEvents = pageOperation("RequestsPageEvents");
    const subscriptions: Subscription[] = [
      { query: pageEvents, variables: {}, fromNewest: true },
      { query: DASHBOARD_SUBSCRIPTION, variables: {} },
    ];
    const userTokens = new Map<number, Promise<string>>();
    const userToken = (id: number) => {
      let token = userTokens.get(id);
      if (!token) {
        token = tokenFor(id);
        userTokens.set(id, token);
      }
      return token;
    };
    const readers = await Promise.all(prepared.dataUserIds.slice(0, 20).map(userToken));

    // Reads: B1's admin list; the Requests tab's list as the page sends it (pending, completed, completed's second page); a user's own list.
    let completedCursor: string | null = null;
    const pageCheck = (data: Json) => (Array.isArray(data["licenseRequests"]?.["edges"]) ? null : "no edges");
    const reads = new Pacer(readsPerSecond, 16, async (k) => {
      const admin = at(adminTokens, k % adminTokens.length);
      switch (k % 5) {
        case 0:
          await run(ops, "read: admin list (B1's)", url, admin, BASELINE_QUERY, {}, (d) => (d["licenseRequests"]?.["nodes"]?.length ? null : "no nodes"));
          return;
        case 1:
          await run(ops, "read: Requests tab, pending", url, admin, pageList, { state: "PENDING", withNewest: true }, pageCheck);
          return;
        case 2: {
          const data = await run(ops, "read: Requests tab, completed", url, admin, pageList, { state: "COMPLETED", withNewest: true }, pageCheck);
          completedCursor = (data?.["licenseRequests"]?.["pageInfo"]?.["endCursor"] as string | null | undefined) ?? completedCursor;
          return;
        }
        case 3:
          await run(
            ops,
            "read: Requests tab, completed, page 2",
            url,
            admin,
            pageList,
            { state: "COMPLETED", after: completedCursor, withNewest: false },
            pageCheck,
          );
          return;
        default:
          await run(ops, "read: a user's Requests tab", url, at(readers, k % readers.length), pageList, { state: "COMPLETED", withNewest: true }, pageCheck);
      }
    });

    // Decisions: a submitter asks for a product, an admin approves (every other one) or denies it. An approved user/product pair is
    // used up (the user holds the product); a denied one goes back to the end of the queue.
    const pairs: { userId: number; productId: number }[] = [];
    for (let p = 0; p < prepared.productIds.length; p++)
      for (const userId of prepared.submitterIds) pairs.push({ userId, productId: at(prepared.productIds, p) });
    const events = { submitted: 0, decided: 0, approved: 0, denied: 0 };
    const runId = Date.now().toString(36);
    const decisionCheck = (field: string) => (data: Json) => {
      const payload = data[field] as Json | undefined;
      if (payload?.["licenseRequest"]) return null;
      return `userErrors: ${JSON.stringify(payload?.["userErrors"] ?? null).slice(0, 160)}`;
    };
    const decisions = new Pacer(decisionsPerSecond, 8, async (k) => {
      const pair = pairs.shift();
      if (!pair) {
        ops.fail("submit", "no user/product pair left");
        return;
      }
      const submitted = await run(
        ops,
        "submit",
        url,
        await userToken(pair.userId),
        SUBMIT,
        { p: toGlobalId("Product", pair.productId), key: `soak-${runId}-s-${k}`, j: JUSTIFICATIONS[k % JUSTIFICATIONS.length] ?? null },
        decisionCheck("submitLicenseRequest"),
        true,
      );
      const id = submitted?.["submitLicenseRequest"]?.["licenseRequest"]?.["id"] as string | undefined;
      if (!id) return;
      events.submitted += 1;
      const admin = at(adminTokens, k % adminTokens.length);
      const approve = k % 2 === 0;
      const decided = await run(
        ops,
        approve ? "approve" : "deny",
        url,
        admin,
        approve ? APPROVE : DENY,
        { id, key: `soak-${runId}-d-${k}` },
        decisionCheck(approve ? "approveLicenseRequest" : "denyLicenseRequest"),
        true,
      );
      if (!decided) return;
      events.decided += 1;
      if (approve) events.approved += 1;
      else {
        events.denied += 1;
        pairs.push(pair);
      }
    });

    const readKinds = () => [...ops.kinds.keys()].filter((k) => k.startsWith("read"));
    const samples: Sample[] = [];
    const soakStart = performance.now();
    const elapsed = () => (performance.now() - soakStart) / 1000;
    let died = false;
    const sample = async (after = false) => {
      if (service.exited()) {
        died = true;
        return;
      }
      const t = elapsed();
      const rssMiB = service.rssMiB();
      const memory = await service.memory();
      samples.push({
        t,
        rssMiB,
        memory,
        reads: ops.total("ok", readKinds()),
        decisions: events.decided,
        failures: ops.total("failed"),
        after,
      });
    };
    /** --gc-probe: a full collection in the service (SIGUSR2), then its heap and resident memory. */
    const probes: { label: string; heapUsedMiB: number; externalMiB: number; rssMiB: number }[] = [];
    const collected = async () => {
      process.kill(service.pid, "SIGUSR2");
      await sleep(1_000);
      const memory = await service.memory();
      return { heapUsedMiB: memory?.heapUsedMiB ?? Number.NaN, externalMiB: memory?.externalMiB ?? Number.NaN, rssMiB: service.rssMiB() };
    };
    if (gcProbe) probes.push({ label: "before the load", ...(await collected()) });
    await sample();
    const sampler = setInterval(() => void sample().catch(() => (died = service.exited())), SAMPLE_MS);
    reads.start();
    decisions.start();

    // Subscribers: in worker processes, split evenly; socket i signs in as admin i % 10 and subscribes to kind i % 2.
    const workerCount = subscribers === 0 ? 0 : Math.min(2, Math.ceil(subscribers / 500));
    for (let i = 0; i < workerCount; i++) workers.push(new SubscriberWorker());
    const wsUrl = `${url.replace(/^http/, "ws")}/graphql`;
    const per = Math.floor(subscribers / Math.max(1, workerCount));
    const connectSeconds = await Promise.all(
      workers.map((w, i) => w.open(wsUrl, subscriptions, adminTokens, i === workerCount - 1 ? subscribers - per * i : per, per * i)),
    );
    const connectedAt = elapsed();
    progress(`${subscribers} subscribers connected in ${fmt(Math.max(0, ...connectSeconds))} s`);

    // The mark: once every socket has had an event (its subscription is live), each socket's later deliveries are counted against
    // the events the mutations made after it.
    let marked: { at: number; submitted: number; decided: number; inFlight: number } | null = null;
    if (workers.length) {
      const deadline = performance.now() + 90_000;
      for (;;) {
        const s = combine(await Promise.all(workers.map((w) => w.stats())));
        const all = s.kinds.every((k) => k.withAny === k.sockets);
        if (all || performance.now() > deadline) {
          await Promise.all(workers.map((w) => w.mark()));
          marked = { at: elapsed(), submitted: events.submitted, decided: events.decided, inFlight: decisions.busy };
          if (!all) progress(`not every subscriber had an event after 90 s; marking anyway`);
          break;
        }
        await sleep(1_000);
      }
    }

    let minute = 1;
    while (elapsed() < soakSeconds && !died) {
      await sleep(Math.min(1_000, Math.max(0, (soakSeconds - elapsed()) * 1000)));
      if (elapsed() >= minute * 60 || elapsed() >= soakSeconds) {
        if (gcProbe) probes.push({ label: `end of minute ${minute}`, ...(await collected()) });
        const last = samples[samples.length - 1];
        progress(
          `minute ${minute}: RSS ${fmt(last?.rssMiB)} MiB, heap ${fmt(last?.memory?.heapUsedMiB)} MiB, reads ${ops.total("ok", readKinds())}, decisions ${events.decided}, failures ${ops.total("failed")}, load ${loadAverage()}`,
        );
        minute += 1;
      }
    }
    const loadEndOfLoad = loadAverage();
    await Promise.all([reads.stop(), decisions.stop()]);
    await sleep(3_000); // the last events reach the sockets
    clearInterval(sampler);
    await sample(true);
    if (gcProbe) probes.push({ label: "after the load (+3 s)", ...(await collected()) });
    const final = workers.length ? combine(await Promise.all(workers.map((w) => w.stats()))) : null;
    const peak = service.exited() ? Number.NaN : service.peakMiB();
    for (const w of workers) await w.close();
    const stopped = await service.stop();
    soakService = null;

    // ---------------------------------------------------------- the report
    // A sample taken a moment past a minute's end (timers) still counts to it.
    const minuteOf = (t: number) => Math.max(1, Math.ceil((t - 0.5) / 60));
    const loaded = samples.filter((s) => !s.after);
    const afterLoad = samples.find((s) => s.after);
    const firstMinute = loaded.filter((s) => minuteOf(s.t) === 1);
    const later = loaded.filter((s) => minuteOf(s.t) > 1);
    const lastMinute = minuteOf(loaded[loaded.length - 1]?.t ?? 0);
    const max = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);
    const min = (values: number[]) => (values.length ? Math.min(...values) : Number.NaN);
    const max1 = max(firstMinute.map((s) => s.rssMiB));
    const maxLater = max(later.map((s) => s.rssMiB));
    const end = (afterLoad ?? loaded[loaded.length - 1])?.rssMiB ?? Number.NaN;
    const allowance = max1 * 1.05 + 8;
    // Least squares over the samples after minute 1: MiB per minute.
    const slope = (() => {
      if (later.length < 3) return Number.NaN;
      const xs = later.map((s) => s.t / 60);
      const ys = later.map((s) => s.rssMiB);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const num = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] ?? 0) - my), 0);
      const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return den ? num / den : Number.NaN;
    })();

    say(`## 2. Soak: ${minutes} minute${minutes === 1 ? "" : "s"} of mixed load, the service's memory sampled every ${SAMPLE_MS / 1000} s`);
    say();
    say(
      `One service process (as above). Load, from this process and ${workerCount} worker process${workerCount === 1 ? "" : "es"} of subscribers: ` +
        `${subscribers.toLocaleString("en")} graphql-ws sockets, one subscription each, signed in as ${ADMINS} global admins in turn, half with the Requests page's ` +
        `\`RequestsPageEvents\` (\`licenseRequestEvents(after:)\` from the newest entry, read just before each batch of 100 sockets subscribed, as the page subscribes from where its list read) and half with the dashboards' \`licenseRequestSubmitted\`, ` +
        `connected as the load starts; reads started at ${readsPerSecond}/s (at most 16 at once): B1's admin list, the Requests tab's \`RequestsPageList\` ` +
        `(pending, completed, completed's second page) as an admin, and a user's own; decisions started at ${decisionsPerSecond}/s (at most 8 at once): ` +
        `a user submits a request (\`submitLicenseRequest\`), an admin approves every other one and denies the rest. ` +
        `Memory: VmRSS from /proc, JS heap used from the service's /metrics (not collected first: the heap's lowest value in a minute is its floor after collections).`,
    );
    say();
    say(`| minute | RSS min – max MiB | RSS at its end | JS heap used min – max MiB | heap total at its end | ws connections | reads | decisions | failures |`);
    say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    let previous: Sample | undefined = samples[0];
    for (let m = 1; m <= lastMinute; m++) {
      const of = loaded.filter((s) => minuteOf(s.t) === m);
      const last = of[of.length - 1];
      if (!last) continue;
      const heaps = of.flatMap((s) => (s.memory ? [s.memory.heapUsedMiB] : []));
      say(
        `| ${m} | ${fmt(min(of.map((s) => s.rssMiB)))} – ${fmt(max(of.map((s) => s.rssMiB)))} | ${fmt(last.rssMiB)} | ${fmt(min(heaps))} – ${fmt(max(heaps))} | ${fmt(last.memory?.heapTotalMiB)} | ${fmt(last.memory?.wsConnections, 0)} | ${last.reads - (previous?.reads ?? 0)} | ${last.decisions - (previous?.decisions ?? 0)} | ${last.failures - (previous?.failures ?? 0)} |`,
      );
      previous = last;
    }
    if (afterLoad) {
      say(
        `| after the load (+3 s) | ${fmt(afterLoad.rssMiB)} | | ${fmt(afterLoad.memory?.heapUsedMiB)} | ${fmt(afterLoad.memory?.heapTotalMiB)} | ${fmt(afterLoad.memory?.wsConnections, 0)} | ${afterLoad.reads - (previous?.reads ?? 0)} | ${afterLoad.decisions - (previous?.decisions ?? 0)} | ${afterLoad.failures - (previous?.failures ?? 0)} |`,
      );
    }
    say();
    const grows = Number.isNaN(maxLater) ? null : maxLater > allowance;
    // What the allowance means per operation and per delivery after minute 1 (deliveries estimated from the decisions' share).
    const atMinute1 = firstMinute[firstMinute.length - 1];
    const lastLoaded = loaded[loaded.length - 1];
    const sensitivity =
      later.length && atMinute1 && lastLoaded
        ? (() => {
            const operations = lastLoaded.reads + lastLoaded.decisions * 2 - atMinute1.reads - atMinute1.decisions * 2;
            const share = lastLoaded.decisions ? (lastLoaded.decisions - atMinute1.decisions) / lastLoaded.decisions : 0;
            const deliveries = Math.round((final?.nexts ?? 0) * share);
            const bytes = (allowance - max1) * 2 ** 20;
            return { operations, deliveries, perOperation: bytes / Math.max(1, operations), perDelivery: deliveries ? bytes / deliveries : Number.NaN };
          })()
        : null;
    const heapFloors = (which: (s: Sample) => boolean) => min(loaded.filter(which).flatMap((s) => (s.memory ? [s.memory.heapUsedMiB] : [])));
    say(`- idle RSS after a start (section 1, median): ${fmt(idleRss)} MiB; RSS before the load (the soak's first sample): ${fmt(samples[0]?.rssMiB)} MiB`);
    say(
      `- **RSS at the end of minute 1 (its max over the first minute): ${fmt(max1)} MiB**` +
        (connectedAt > 30
          ? ` (the subscribers were all connected only ${fmt(connectedAt, 0)} s into it: minute 1 saw the full load for ${fmt(Math.max(0, 60 - connectedAt), 0)} s)`
          : ""),
    );
    say(`- **max RSS over the remaining minutes: ${later.length ? `${fmt(maxLater)} MiB` : "– (the run has no minute after the first)"}**`);
    say(`- **RSS at the end: ${fmt(end)} MiB** (after the load stopped and 3 s passed); peak resident (VmHWM): ${fmt(peak)} MiB`);
    say(`- RSS trend after minute 1 (least squares over ${later.length} samples): ${fmt(slope, 2)} MiB/minute`);
    say(
      `- JS heap used, floor (lowest sample; minute 1's includes the idle start): minute 1 ${fmt(heapFloors((s) => minuteOf(s.t) === 1))} MiB, minute 2 ${lastMinute > 1 ? fmt(heapFloors((s) => minuteOf(s.t) === 2)) : "–"} MiB, last minute (${lastMinute}) ${lastMinute > 2 ? fmt(heapFloors((s) => minuteOf(s.t) === lastMinute)) : "–"} MiB`,
    );
    say(
      `- **grows beyond the first minute: ${grows === null ? "– (not measured: the run has one minute)" : grows ? "yes" : "no"}** (rule: yes when the max after minute 1 exceeds the first minute's max × 1.05 + 8 MiB = ${fmt(allowance)} MiB. ` +
        `Resident memory moves with the collector's timing and the allocator's arenas by a few percent and some MiB from one sample to the next without anything being kept; ` +
        (sensitivity
          ? `the allowance above minute 1's max (${fmt(allowance - max1)} MiB) is about ${fmt(sensitivity.perOperation, 0)} bytes per HTTP operation after minute 1 (${sensitivity.operations.toLocaleString("en")}), or ${fmt(sensitivity.perDelivery, 0)} bytes per delivery to a socket (about ${sensitivity.deliveries.toLocaleString("en")}): a leak of that much per operation or per delivery would exceed it.)`
          : `with one minute there is nothing after it to compare.)`),
    );
    say();

    if (gcProbe) {
      say(
        `Diagnostic (--gc-probe): the service also ran with \`--expose-gc\` and bench/collectOnSignal.ts; at each point it collected fully (SIGUSR2) and, 1 s later, ` +
          `its JS heap (/metrics) and resident memory were read. Live memory, not garbage: a heap that keeps rising from one minute to the next under the same load is kept.`,
      );
      say();
      say(`| when | JS heap used after a full collection, MiB | external MiB | RSS MiB |`);
      say(`| --- | --- | --- | --- |`);
      for (const p of probes) say(`| ${p.label} | ${fmt(p.heapUsedMiB)} | ${fmt(p.externalMiB)} | ${fmt(p.rssMiB)} |`);
      say();
    }

    // Operations.
    say(`Operations (latency from sending to the answer, ms; a mutation answered 503 is sent again with its idempotency key and counted once):`);
    say();
    say(`| operation | done | failed | sent again after a 503 | p50 | p99 | reasons of failures |`);
    say(`| --- | --- | --- | --- | --- | --- | --- |`);
    for (const [kind, entry] of [...ops.kinds].sort(([a], [b]) => a.localeCompare(b))) {
      const sorted = [...entry.ms].sort((a, b) => a - b);
      const reasons = [...entry.reasons].map(([r, n]) => `${n} × ${r.replace(/\|/g, "/")}`).join("; ");
      say(`| ${kind} | ${entry.ok} | ${entry.failed} | ${entry.retried} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} | ${reasons} |`);
    }
    say();
    say(
      `Starts skipped because the previous ones had not answered (the service behind the pace): reads ${reads.skipped} of ${reads.started + reads.skipped}, decisions ${decisions.skipped} of ${decisions.started + decisions.skipped}. ` +
        `Decisions: ${events.submitted} submitted, ${events.approved} approved, ${events.denied} denied.`,
    );
    say();

    // Subscribers.
    if (final) {
      const expected = marked
        ? { submitted: events.submitted - marked.submitted, all: events.submitted + events.decided - marked.submitted - marked.decided }
        : null;
      const slack = marked?.inFlight ?? 0;
      say(
        `Subscribers: ${final.sockets} opened (${fmt(Math.max(0, ...connectSeconds))} s to connect, done ${fmt(connectedAt, 0)} s into the soak), ${final.connected} connected at the end; ` +
          `${final.nexts.toLocaleString("en")} events received (${(final.bytes / 2 ** 20).toFixed(1)} MiB), ${final.errorNexts} with errors; ` +
          `${final.ended} subscriptions ended by the server, ${final.closes} sockets closed by it (${final.reconnects} reconnected, ${final.failedConnects} connections failed).` +
          (marked
            ? ` Counted from the mark (${fmt(marked.at, 0)} s in, once every socket had had an event; ${slack} decisions were in flight then, the slack allowed):`
            : ""),
      );
      say();
      say(
        `| subscription | sockets | had an event | events since the mark: min / median / max | expected (mutations answered after the mark; more: entries replayed from \`after\` or made by the sweep) | sockets short of it |`,
      );
      say(`| --- | --- | --- | --- | --- | --- |`);
      const labels = ["RequestsPageEvents (licenseRequestEvents)", "licenseRequestSubmitted"];
      final.kinds.forEach((k, i) => {
        const want = i === 0 ? expected?.all : expected?.submitted;
        const short = want === undefined ? Number.NaN : k.sinceMark.filter((n) => n < want - slack).length;
        say(
          `| ${labels[i]} | ${k.sockets} | ${k.withAny} | ${min(k.sinceMark)} / ${median(k.sinceMark)} / ${max(k.sinceMark)} | ${want ?? "–"} (${i === 0 ? "submissions + decisions" : "submissions"}) | ${fmt(short, 0)} |`,
        );
      });
      if (final.samples.length) {
        say();
        say(`What the sockets saw first that was not an event: ${final.samples.map((s) => `\`${s.replace(/`/g, "'")}\``).join("; ")}`);
      }
      say();
    }

    // The service's own log.
    say(
      `The service's log during the soak: ${service.log.lines.toLocaleString("en")} lines, ${service.log.warn} at warn, ${service.log.error} at error or above` +
        (service.log.samples.size ? `: ${[...service.log.samples].map(([m, n]) => `${n} × ${m}`).join("; ")}` : "") +
        `. Stopped with SIGTERM in ${fmt(stopped.ms, 0)} ms (exit code ${stopped.code ?? "none"})${died ? "; **the service exited during the soak**" : ""}.`,
    );
    say();
    say(`Load average before the soak → at the end of the load → after: ${loadBeforeSoak} → ${loadEndOfLoad} → ${loadAverage()}.`);
    say();
    if (died) throw new Error(`the service exited during the soak: ${service.log.stderr.join(" | ")}`);
  } finally {
    for (const w of workers) await w.close().catch(() => undefined);
    for (const w of workers) await w.stop();
    await soakService?.stop();
    await database.drop();
  }
}

if (require.main === module) {
  if (process.argv.includes(WORKER_FLAG)) {
    runSubscriberWorker();
  } else {
    const argv = process.argv.slice(2);
    const value = (name: string) => {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const number = (name: string) => {
      const raw = value(name);
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
      return n;
    };
    const lines: string[] = [];
    const say = (line = "") => {
      lines.push(line);
      process.stdout.write(`${line}\n`);
    };
    const out = value("out");
    const minutes = number("minutes");
    if (minutes !== undefined && minutes <= 0) throw new Error("--minutes must be above 0");
    const stopOnSignal = (signal: NodeJS.Signals) =>
      process.once(signal, () => {
        killStartedChildren();
        process.exit(130);
      });
    stopOnSignal("SIGINT");
    stopOnSignal("SIGTERM");
    measureStartAndSoak({
      database: value("database") ?? null,
      ...(minutes !== undefined ? { minutes } : {}),
      ...(number("subscribers") !== undefined ? { subscribers: number("subscribers")! } : {}),
      ...(number("reads-per-second") !== undefined ? { readsPerSecond: number("reads-per-second")! } : {}),
      ...(number("decisions-per-second") !== undefined ? { decisionsPerSecond: number("decisions-per-second")! } : {}),
      ...(number("starts") ? { starts: number("starts")! } : {}),
      ...(number("load-wait-seconds") !== undefined ? { loadWaitSeconds: number("load-wait-seconds")! } : {}),
      gcProbe: argv.includes("--gc-probe"),
      say,
    })
      .then(() => {
        if (out) fs.writeFileSync(path.resolve(ROOT, out), `${lines.join("\n")}\n`);
      })
      .catch((error: unknown) => {
        if (out) fs.writeFileSync(path.resolve(ROOT, out), `${lines.join("\n")}\n\n**The run failed:** ${String(error)}\n`);
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        killStartedChildren();
        process.exit(1);
      });
  }
}
