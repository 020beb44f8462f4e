/**
 * The admin list against B1 (bench/baseline.ts), in one run on one MySQL/MariaDB
 * database: the service (`node dist/src/index.js`) and B1, each in a process of
 * its own with `npm start`'s Node flags, answer the same operation over the same
 * rows (the demo seed plus about 2,000 requests in one organization, each with
 * two recipients), and the service on embedded SQLite answers it over the same
 * rows in a file. Their `data` is checked to be the same bytes first; then, once
 * the machine is quiet, autocannon loads each in turn for 10 s at 10 and at 50
 * connections, in at least three rounds in which the service and B1 alternate
 * which goes first (the service on SQLite last), so the machine's drift falls on
 * both. Every round's figures and ratios are recorded, then the medians and the
 * spread of the round ratios, the load average before and after, and a run
 * started on a busy machine says it is not a result.
 *
 * Run alone:  node dist/bench/list.js --database mysql://root@127.0.0.1:3306/lr_list [--duration 10] [--rounds 3] [--connections 10,50] [--no-sqlite] [--wait 300] [--out bench/results/x.md]
 * `--cpu-prof <dir>` starts the service and B1 with `node --cpu-prof` and writes their profiles there (bench/profile/).
 * `npm run bench -- --sections list` runs it.
 */
import "reflect-metadata";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import mysql from "mysql2/promise";
import type { DatabaseConfig } from "../src/config";
import { openDatabase } from "../src/db/dataSource";
import { signToken } from "../src/services/access/authentication";
import { BASELINE_QUERY } from "./baseline";
import { BENCH_SECRET, loadAverage, median, ROOT, ServerProcess, startProcess, startService, waitForQuietMachine } from "./processes";
import { serviceNodeFlags } from "./serviceCommand";

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
  /** How long to wait for a quiet machine before measuring anyway (and saying it is not a result); default 300. */
  waitSeconds?: number;
  /** Also the service on embedded SQLite, the same rows, in the same rounds (default true; not while profiling). */
  sqlite?: boolean;
}

export interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The server process's CPU time (user + system) over the requests it answered: what machine noise disturbs least. */
  cpuMsPerRequest: number;
  errors: number;
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

/** B1 in a process of its own, as the service runs in its own (not sharing the load generator's event loop). */
function startB1(databaseUrl: string, cpuProfileDir: string | null): Promise<ServerProcess> {
  return startProcess(path.join(ROOT, "dist/bench/baseline.js"), { DATABASE_URL: databaseUrl, JWT_SECRET: BENCH_SECRET }, { cpuProfileDir });
}

/**
 * `count` decided requests in Contoso (the migrations' demo seed), each naming
 * its requester and one more person, older than every seeded one (the newest at
 * `newest` when given: the SQLite copy takes the MariaDB one's times); written
 * the same way on MySQL/MariaDB and on SQLite, so both hold the same rows.
 */
export async function seed(database: DatabaseConfig, count: number, newest?: number): Promise<{ adminId: number; organizationId: number; newest: number }> {
  const dataSource = await openDatabase(database);
  try {
    const [admin] = await dataSource.query<{ id: number; organizationId: number }[]>(
      "SELECT id, organizationId FROM app_user WHERE email = 'admin@contoso.example'",
    );
    if (!admin) throw new Error("the demo seed has no admin@contoso.example");
    const people = await dataSource.query<{ id: number }[]>("SELECT id FROM app_user WHERE organizationId = ? AND role = 'USER' ORDER BY id", [
      admin.organizationId,
    ]);
    const products = await dataSource.query<{ id: number }[]>("SELECT id FROM product WHERE organizationId = ? ORDER BY id", [admin.organizationId]);
    const [oldest] = await dataSource.query<{ t: string | number | null }[]>("SELECT MIN(requestedAt) AS t FROM license_request");
    const start = newest ?? Number(oldest?.t ?? Date.now()) - 60_000;
    const batch = 200;
    await dataSource.transaction(async (manager) => {
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
          requests.push(
            id,
            admin.organizationId,
            products[k % products.length]?.id,
            requester,
            "DENIED",
            2,
            at,
            at + 30 * 86_400_000,
            at + 3_600_000,
            admin.id,
          );
          recipients.push(id, requester, admin.organizationId, 0, "DENIED", id, other, admin.organizationId, 1, "DENIED");
        }
        await manager.query(
          `INSERT INTO license_request (id, organizationId, productId, requesterId, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById) VALUES ${Array(n).fill("(?,?,?,?,?,?,?,?,?,?)").join(",")}`,
          requests,
        );
        await manager.query(
          `INSERT INTO license_request_recipient (requestId, userId, organizationId, position, decision) VALUES ${Array(2 * n)
            .fill("(?,?,?,?,?)")
            .join(",")}`,
          recipients,
        );
      }
    });
    await dataSource.query(database.type === "mysql" ? "ANALYZE TABLE license_request, license_request_recipient" : "ANALYZE");
    return { adminId: admin.id, organizationId: admin.organizationId, newest: start };
  } finally {
    await dataSource.destroy();
  }
}

/** The list's response body as the server sent it, byte for byte. */
async function listText(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: BASELINE_QUERY }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: { licenseRequests?: unknown }; errors?: unknown[] };
  if (response.status !== 200 || body.errors || !body.data?.licenseRequests)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body.errors)}`);
  return text;
}

/**
 * The service's `data` as it wrote it: its body is `{"data":…,"extensions":…}`
 * (the request ID and the cost), B1's `{"data":…}`; the two `data` texts are
 * compared as bytes, not as parsed values.
 */
function dataText(body: string): string {
  const parsed = JSON.parse(body) as { data: unknown };
  const text = JSON.stringify({ data: parsed.data }).slice(0, -1);
  if (!body.startsWith(text)) throw new Error("the body does not start with its data as JSON.stringify writes it");
  return text.slice('{"data":'.length);
}

/** Loads `server` with the admin list (for `seconds`, or `amount` requests); its rate, latency and CPU per request. */
export async function load(server: ServerProcess, token: string, connections: number, seconds: number, amount?: number): Promise<Measured> {
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

const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

/** Measures the list against B1 (and the service on SQLite) round by round; returns the Markdown section. */
/** How long each server is loaded before the first round counts. */
const WARM_UP_SECONDS = 8;

export async function benchList(options: ListBenchOptions): Promise<string[]> {
  const count = options.requests ?? 2_000;
  const seconds = options.durationSeconds ?? 10;
  const rounds = options.rounds ?? 3;
  const database = await freshDatabase(options.database);
  const sqliteDir = options.sqlite === false || options.cpuProfileDir ? null : fs.mkdtempSync(path.join(os.tmpdir(), "lr-list-"));
  const lines: string[] = [];
  let service: ServerProcess | null = null;
  let baseline: ServerProcess | null = null;
  let sqlite: ServerProcess | null = null;
  try {
    // The service runs the migrations and the demo seed as it starts.
    const profiles = options.cpuProfileDir ?? null;
    service = await startService(options.database, {
      cpuProfileDir: profiles && path.join(profiles, "service"),
      ...(options.serviceEntry ? { entry: options.serviceEntry } : {}),
    });
    const admin = await seed({ type: "mysql", url: options.database }, count);
    baseline = await startB1(options.database, profiles && path.join(profiles, "b1"));
    if (sqliteDir) {
      const file = path.join(sqliteDir, "list.db");
      sqlite = await startService(`sqlite:${file}`, options.serviceEntry ? { entry: options.serviceEntry } : {});
      const same = await seed({ type: "sqlite", path: file }, count, admin.newest);
      if (same.adminId !== admin.adminId || same.organizationId !== admin.organizationId) throw new Error("SQLite's demo seed gave other IDs");
    }
    const token = await signToken(BENCH_SECRET, { id: admin.adminId, organizationId: admin.organizationId }, { expiresIn: "2h" });

    // Byte for byte: the service's data is B1's (and the same on SQLite); its digest tells one build's answer from another's.
    const ours = dataText(await listText(service.url, token));
    const theirs = await listText(baseline.url, token);
    if (theirs !== `{"data":${ours}}`) throw new Error("B1's data differs from the service's, byte for byte");
    const onSqlite = sqlite ? dataText(await listText(sqlite.url, token)) : null;
    const digest = createHash("sha256").update(ours).digest("hex");

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

    const { quiet, load: loadBefore } = await waitForQuietMachine({ maxWaitMs: (options.waitSeconds ?? 300) * 1000 });
    // Warm every server up: JIT, pools, caches, the young generation grown to its size. Two seconds left the
    // service's first round at 1.5 ms of CPU a request against 0.9 in the next ones (B1's 0.69 against 0.57).
    for (const server of [service, baseline, sqlite]) if (server) await load(server, token, 10, WARM_UP_SECONDS);

    interface Round {
      connections: number;
      round: number;
      first: string;
      service: Measured;
      baseline: Measured;
      sqlite: Measured | null;
    }
    const all: Round[] = [];
    for (const connections of options.connections ?? [10, 50]) {
      for (let round = 1; round <= rounds; round++) {
        // Service and B1 alternate which goes first; SQLite (the machine to itself: MariaDB idles) comes last.
        const serviceFirst = round % 2 === 1;
        const first = serviceFirst ? await load(service, token, connections, seconds) : await load(baseline, token, connections, seconds);
        const second = serviceFirst ? await load(baseline, token, connections, seconds) : await load(service, token, connections, seconds);
        const onFile = sqlite ? await load(sqlite, token, connections, seconds) : null;
        all.push({
          connections,
          round,
          first: serviceFirst ? "service" : "B1",
          service: serviceFirst ? first : second,
          baseline: serviceFirst ? second : first,
          sqlite: onFile,
        });
      }
    }
    const loadAfter = loadAverage();

    lines.push(`## The admin list against B1 (hand-written node:http + mysql2)`);
    lines.push("");
    if (!quiet) lines.push(`**The machine was busy (1-minute load average above 1.5 after waiting five minutes): not a result.**`, "");
    lines.push(`- date: ${new Date().toISOString()}`);
    lines.push(`- database: MySQL protocol (${database.version})${sqlite ? "; the service also on embedded SQLite, the same rows" : ""}`);
    lines.push(`- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    lines.push(`- load average (1 / 5 / 15 min): before ${loadBefore}, after ${loadAfter}`);
    lines.push(`- data: the demo seed plus ${count.toLocaleString("en")} requests in one organization, two recipients each`);
    lines.push(
      `- operation: \`licenseRequests(first: 50) { totalCount pageInfo nodes { id product { name availableLicenses } requester { displayName } recipients { decision user { displayName } } } }\` as the organization's admin`,
    );
    lines.push(
      `- the service's \`data\` and B1's are the same bytes${onSqlite === null ? "" : onSqlite === ours ? ", and on SQLite too" : " (on SQLite they differ)"}; SHA-256 of the service's: \`${digest}\``,
    );
    lines.push(`- each server in a process of its own with \`npm start\`'s Node flags (${serviceNodeFlags().join(" ")})`);
    lines.push(`- ${rounds} rounds of ${seconds} s per connection count; service and B1 alternate which goes first; the service on SQLite last`);
    lines.push("");
    lines.push(`### Every round`);
    lines.push("");
    lines.push(
      `| connections | round | first | service req/s | p99 ms | CPU ms/req | B1 req/s | p99 ms | CPU ms/req | ratio | p99 ratio | SQLite req/s | p99 ms | SQLite / service | errors |`,
    );
    lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    for (const r of all) {
      const a = r.service;
      const b = r.baseline;
      const q = r.sqlite;
      lines.push(
        `| ${r.connections} | ${r.round} | ${r.first} | ${a.requestsPerSecond.toFixed(0)} | ${a.p99} | ${a.cpuMsPerRequest.toFixed(2)} | ${b.requestsPerSecond.toFixed(0)} | ${b.p99} | ${b.cpuMsPerRequest.toFixed(2)} | ${(a.requestsPerSecond / b.requestsPerSecond).toFixed(2)} | ${(a.p99 / b.p99).toFixed(2)} | ${q ? q.requestsPerSecond.toFixed(0) : "–"} | ${q ? q.p99 : "–"} | ${q ? (q.requestsPerSecond / a.requestsPerSecond).toFixed(2) : "–"} | ${a.errors + b.errors + (q?.errors ?? 0)} |`,
      );
    }
    lines.push("");
    lines.push(`### Medians of the rounds, and their spread (lowest–highest round)`);
    lines.push("");
    lines.push(
      `| connections | service req/s | B1 req/s | ratio of medians (≥ 0.7) | round ratios (each ≥ 0.6) | service p99 ms | B1 p99 ms | p99 ratio of medians (≤ 1.5) | round p99 ratios | CPU ms/req service / B1 | SQLite req/s | SQLite / service (≥ 0.5) |`,
    );
    lines.push(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    const summary: string[] = [];
    for (const connections of options.connections ?? [10, 50]) {
      const mine = all.filter((r) => r.connections === connections);
      const a = (f: (m: Measured) => number) => median(mine.map((r) => f(r.service)));
      const b = (f: (m: Measured) => number) => median(mine.map((r) => f(r.baseline)));
      const ratios = mine.map((r) => r.service.requestsPerSecond / r.baseline.requestsPerSecond);
      const p99Ratios = mine.map((r) => r.service.p99 / r.baseline.p99);
      const ratio = a((m) => m.requestsPerSecond) / b((m) => m.requestsPerSecond);
      const p99Ratio = a((m) => m.p99) / b((m) => m.p99);
      const onFile = sqlite ? median(mine.map((r) => r.sqlite!.requestsPerSecond)) : null;
      lines.push(
        `| ${connections} | ${a((m) => m.requestsPerSecond).toFixed(0)} | ${b((m) => m.requestsPerSecond).toFixed(0)} | ${ratio.toFixed(2)} | ${spread(ratios)} | ${a((m) => m.p99)} | ${b((m) => m.p99)} | ${p99Ratio.toFixed(2)} | ${spread(p99Ratios)} | ${a((m) => m.cpuMsPerRequest).toFixed(2)} / ${b((m) => m.cpuMsPerRequest).toFixed(2)} | ${onFile === null ? "–" : onFile.toFixed(0)} | ${onFile === null ? "–" : (onFile / a((m) => m.requestsPerSecond)).toFixed(2)} |`,
      );
      summary.push(
        `list at ${connections} connections: ${ratio.toFixed(2)}× B1 (rounds ${spread(ratios)}), p99 ${p99Ratio.toFixed(2)}× B1's (rounds ${spread(p99Ratios)})${onFile === null ? "" : `, SQLite ${(onFile / a((m) => m.requestsPerSecond)).toFixed(2)}× the service on MariaDB`}`,
      );
    }
    lines.push("");
    for (const line of summary) lines.push(`- ${line}${quiet ? "" : " (busy machine: not a result)"}`);
    lines.push("");
    return lines;
  } finally {
    await sqlite?.stop();
    await baseline?.stop();
    await service?.stop();
    await database.drop();
    if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
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
    sqlite: !argv.includes("--no-sqlite"),
    ...(value("wait") !== undefined ? { waitSeconds: Number(value("wait")) } : {}),
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
