/**
 * The activity log's costs (bench/README.md, "The activity log"; api.md
 * "Nothing missed"), on MySQL/MariaDB with Redis, each server in a process of
 * its own started as `npm start` starts it:
 *
 * - `activity-statements`: the statements of an approval and of a denial,
 *   counted (bench/activityStatements.ts) for this build and for the build
 *   before the activity log (`--before-dist`), each in a process of its own,
 *   alternating;
 * - `activity-replay`: a subscription `licenseRequestEvents(after:)` replaying
 *   `--replay-entries` entries (default 1,000): time from sending the
 *   subscribe to receiving the last of them, over graphql-ws, in rounds;
 * - `activity-fanout`: `licenseRequestEvents` to `--subscribers` (default
 *   1,000 and 10,000) subscribers spread over two instances sharing Redis and
 *   the database, the clients in worker processes (bench/activityClients.ts);
 *   each event timed from the mutation's HTTP answer to each subscriber's
 *   receipt (p50, p95, p99), beside two bare `ws` servers
 *   (bench/bareBroadcast.ts), each broadcasting the same bytes to half as many
 *   sockets through the same client code; rounds alternate which goes first;
 * - `activity-memory`: resident memory and JS heap after a full collection of
 *   one instance with no subscription and with `--idle` (default 2,000) idle
 *   ones, per subscriber;
 * - `activity-webhooks`: deliveries per second to a local receiver, and the
 *   time from each entry's commit to its delivery's receipt.
 *
 * Each section waits for the 1-minute load average to be at most 1.5 before
 * it starts; the machine's load average is recorded before and after each.
 */
import { ChildProcess, fork, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import mysql from "mysql2/promise";
import WebSocket from "ws";
import { decodeActivityCursor, encodeActivityCursor } from "../src/services/activity/cursor";
import { signToken } from "../src/services/access/authentication";
import { toGlobalId } from "../src/services/shared/ids";
import { freshDatabase } from "./list";
import { median, percentile } from "./processes";
import { serviceNodeFlags } from "./serviceCommand";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = "benchmark-secret-benchmark-secret-0123456789";
const METRICS_TOKEN = "benchmark-metrics-token-0123456789";

export const ACTIVITY_SECTIONS = ["activity-statements", "activity-replay", "activity-fanout", "activity-memory", "activity-webhooks"] as const;
export type ActivitySection = (typeof ACTIVITY_SECTIONS)[number];

export interface ActivityOptions {
  /** mysql://… : the sections use databases named after it (`_activity`, `_stmt_before`, `_stmt_after`). */
  database: string;
  redis: string;
  sections: Set<ActivitySection>;
  /** The build before the activity log (its dist/), for `activity-statements`; null: this build alone. */
  beforeDist: string | null;
  replayEntries: number;
  replayRounds: number;
  subscribers: number[];
  fanOutRounds: number;
  /** Events of each kind (service, bare) per round. */
  fanOutEvents: number;
  idle: number;
  memoryRounds: number;
  webhookEvents: number;
  /** Rounds of `webhookEvents` entries. */
  webhookRounds: number;
  /** Entries one at a time after the rounds. */
  webhookPaced: number;
  say: (line?: string) => void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** `values[i]`, which the caller knows is there (the build checks indexed access; lint reads the tests' settings). */
function at<T>(values: readonly T[], i: number): T {
  const value = values[i];
  if (value === undefined) throw new Error(`nothing at ${i}`);
  return value;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");

const spread = (values: number[]) => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

function withDatabaseName(url: string, suffix: string): string {
  const u = new URL(url);
  u.pathname = `/${u.pathname.replace(/^\//, "") || "lr_bench"}${suffix}`;
  return u.toString();
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Json; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

interface Instance {
  url: string;
  pid: number;
  rssMiB(): number;
  heapUsedMiB(): Promise<number>;
  stop(): Promise<void>;
}

/** The built service as `npm start` runs it, with REDIS_URL; with `collectable`, also `--expose-gc` and bench/collectOnSignal.ts. */
async function startInstance(databaseUrl: string, redisUrl: string, collectable: boolean): Promise<Instance> {
  const child = spawn(process.execPath, [...serviceNodeFlags(), path.join(ROOT, "dist/src/index.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      JWT_SECRET: SECRET,
      // The line that says where it listens is at info (as production logs; bench/run.ts does the same).
      LOG_LEVEL: "info",
      // One caller from one address: fair-use bounds would measure themselves.
      RATE_LIMIT_BUCKET_SIZE: "1000000000",
      RATE_LIMIT_RESTORE_RATE: "1000000000",
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "20",
      WS_MAX_SUBSCRIPTIONS_PER_USER: "1000000",
      WS_MAX_CONNECTIONS_PER_USER: "1000000",
      WS_MAX_CONNECTIONS_PER_ADDRESS: "1000000",
      WEBHOOK_ALLOW_PRIVATE: "true",
      METRICS_TOKEN,
      ...(collectable ? { NODE_OPTIONS: `--expose-gc --require ${path.join(ROOT, "dist/bench/collectOnSignal.js")}` } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) resolve(entry.url.replace(/\/graphql$/, ""));
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  return {
    url,
    pid: child.pid!,
    rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
    heapUsedMiB: async () => {
      process.kill(child.pid!, "SIGUSR2");
      await sleep(500);
      const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
      if (!match) throw new Error("/metrics has no nodejs_heap_size_used_bytes");
      return Number(match[1]) / 2 ** 20;
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function startBare(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(ROOT, "dist/bench/bareBroadcast.js")], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the bare ws server exited with ${code}`)));
  });
  return { url, stop: () => stopChild(child) };
}

/** A worker process of subscribers (bench/activityClients.ts), driven by messages. */
class ClientWorker {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (message: Json) => void>();

  constructor() {
    this.child = fork(path.join(ROOT, "dist/bench/activityClients.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (message: Json) => {
      const resolve = this.waiting.get(`${message["type"]}:${message["key"]}`);
      if (message["type"] === "failed") {
        process.stderr.write(`a client worker failed: ${message["error"]}\n`);
        for (const [key, r] of this.waiting) if (key.endsWith(`:${message["key"]}`)) r(message);
        return;
      }
      if (resolve) {
        this.waiting.delete(`${message["type"]}:${message["key"]}`);
        resolve(message);
      }
    });
  }

  private ask(answer: string, key: string, message: Json): Promise<Json> {
    return new Promise((resolve) => {
      this.waiting.set(`${answer}:${key}`, resolve);
      this.child.send(message);
    });
  }

  async open(key: string, url: string, token: string, count: number, query: string): Promise<void> {
    const answer = await this.ask("opened", key, { type: "open", key, url, token, count, query });
    if (answer["type"] === "failed") throw new Error(`opening ${count} sockets to ${url} failed: ${answer["error"]}`);
  }

  /** Arms `key`; resolves with every socket's receipt once all have one. */
  armed(key: string): Promise<Json> {
    const received = new Promise<Json>((resolve) => this.waiting.set(`received:${key}`, resolve));
    this.child.send({ type: "arm", key });
    return received;
  }

  async got(key: string): Promise<number> {
    return (await this.ask("status", key, { type: "status", key }))["got"] as number;
  }

  close(key: string): Promise<Json> {
    return this.ask("closed", key, { type: "close", key });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.send({ type: "exit" });
    });
  }
}

/** Contoso's admin and a requester, and a product the requester may ask for, read from the database. */
async function actors(databaseUrl: string) {
  const u = new URL(databaseUrl);
  const connection = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, ""),
  });
  const user = async (email: string) => {
    const [rows] = (await connection.query("SELECT id, organizationId FROM app_user WHERE email = ?", [email])) as unknown as [
      { id: number; organizationId: number }[],
    ];
    return at(rows, 0);
  };
  const admin = await user("admin@contoso.example");
  const requester = await user("alex@contoso.example");
  const [products] = (await connection.query("SELECT id FROM product WHERE skuPartNumber = 'VISIO_PLAN2' AND organizationId = ?", [
    admin.organizationId,
  ])) as unknown as [{ id: number }[]];
  return {
    connection,
    organizationId: admin.organizationId,
    adminToken: await signToken(SECRET, admin, { expiresIn: "4h" }),
    requesterToken: await signToken(SECRET, requester, { expiresIn: "4h" }),
    productId: toGlobalId("Product", at(products, 0).id),
  };
}
type Actors = Awaited<ReturnType<typeof actors>>;

const SUBMIT = `mutation ($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { message } } }`;
const CANCEL = `mutation ($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { userErrors { message } } }`;
/** What a dashboard of the activity asks of each entry. */
export const ACTIVITY_SUBSCRIPTION =
  "subscription Activity($after: String) { licenseRequestEvents(after: $after) { id cursor kind at actor { displayName } licenseRequest { id status product { name } requester { displayName } } } }";
const SUBMITTED_SUBSCRIPTION = "subscription Dashboard { licenseRequestSubmitted { id status product { name } requester { displayName } } }";

/** One activity-log entry per call, alternating a submission and its cancellation (on alternating instances when given two). */
function eventSource(a: Actors, urls: string[]) {
  let pending: string | null = null;
  let turn = 0;
  return async (): Promise<void> => {
    const url = at(urls, turn++ % urls.length);
    if (pending === null) {
      const data = await gql(url, a.requesterToken, SUBMIT, { p: a.productId });
      const submitted = data["submitLicenseRequest"] as { licenseRequest: { id: string } | null; userErrors: unknown[] };
      if (!submitted.licenseRequest) throw new Error(`submit refused: ${JSON.stringify(submitted.userErrors)}`);
      pending = submitted.licenseRequest.id;
    } else {
      const data = await gql(url, a.requesterToken, CANCEL, { id: pending });
      if ((data["cancelLicenseRequest"] as { userErrors: unknown[] }).userErrors.length) throw new Error("cancel refused");
      pending = null;
    }
  };
}

// ---------------------------------------------------------------- (a) statements

interface DecisionCount {
  total: number;
  work: number;
  afterAnswer: number;
  beforeTransaction: number;
  inTransaction: number;
  afterCommit: number;
  statements: string[];
  phases: string[];
  afterStatements: string[];
}

interface StatementCounts {
  approve: DecisionCount[];
  deny: DecisionCount[];
  replay?: { entries: number; statements: number; byTable: Record<string, number> };
}

async function countStatements(dist: string, databaseUrl: string, replay: number): Promise<StatementCounts> {
  const database = await freshDatabase(databaseUrl);
  try {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "dist/bench/activityStatements.js"),
        "--dist",
        dist,
        "--database",
        databaseUrl,
        "--rounds",
        "3",
        ...(replay ? ["--replay", String(replay)] : []),
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let result: StatementCounts | null = null;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7)) as StatementCounts;
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0 || !result) throw new Error(`counting statements with ${dist} failed (${code})`);
    return result;
  } finally {
    await database.drop();
  }
}

async function statementsSection(o: ActivityOptions): Promise<void> {
  const { say } = o;
  const builds: { label: string; dist: string; suffix: string; replay: number }[] = [
    { label: "after (this build)", dist: path.join(ROOT, "dist"), suffix: "_stmt_after", replay: o.replayEntries },
  ];
  if (o.beforeDist) builds.unshift({ label: "before the activity log", dist: path.resolve(o.beforeDist), suffix: "_stmt_before", replay: 0 });
  const results = new Map<string, StatementCounts[]>();
  // Two runs per build, alternating; each run counts 3 approvals and 3 denials after one of each to warm up.
  for (let run = 0; run < 2; run++) {
    const order = run % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const counts = await countStatements(build.dist, withDatabaseName(o.database, build.suffix), build.replay);
      results.set(build.label, [...(results.get(build.label) ?? []), counts]);
    }
  }
  say(`## Statements of a decision, before and after the activity log`);
  say();
  say(
    "Counted through the service's statement hook (`startService({ onQuery })`), each build in a process of its own on a fresh " +
      "database, two runs per build, alternating; each run: one approval and one denial to warm up, then 3 of each counted. " +
      "No subscriber, the outbox and webhook dispatchers stopped, no sweep; no webhook endpoint (the outbox's INSERT … SELECT runs and inserts nothing).",
  );
  say();
  say(
    "Statements (not counting START TRANSACTION / COMMIT) by where they ran: before the decision's transaction (the viewer's read, SET TRANSACTION), " +
      "inside it, after its COMMIT while the request still ran, and in the 500 ms after the answer. Every counted decision of every run is " +
      "listed where they differ; one value: all agreed.",
  );
  say();
  say(
    `| build | approval: before / in the transaction / after the commit / after the answer (all during, incl. control) | denial: before / in / after the commit / after the answer (all during) |`,
  );
  say(`| --- | --- | --- |`);
  const cell = (counts: StatementCounts[], kind: "approve" | "deny") => {
    const values = counts.flatMap((c) =>
      c[kind].map((x) => `${x.beforeTransaction} / **${x.inTransaction}** / ${x.afterCommit} / ${x.afterAnswer} (${x.total})`),
    );
    return [...new Set(values)].join(", ");
  };
  for (const build of builds) {
    const counts = results.get(build.label)!;
    say(`| ${build.label} | ${cell(counts, "approve")} | ${cell(counts, "deny")} |`);
  }
  say();
  const replays = (results.get("after (this build)") ?? []).flatMap((c) => (c.replay ? [c.replay] : []));
  if (replays.length) {
    say(`Statements of one subscription replaying ${o.replayEntries.toLocaleString("en")} entries (the subscription the replay section times), by table read:`);
    say();
    say(`| run | statements | per entry | by table |`);
    say(`| --- | --- | --- | --- |`);
    replays.forEach((r, i) =>
      say(
        `| ${i + 1} | ${r.statements.toLocaleString("en")} | ${fmt(r.statements / r.entries, 2)} | ${Object.entries(r.byTable)
          .map(([t, n]) => `${t} ${n}`)
          .join(", ")} |`,
      ),
    );
    say();
  }
  if (o.beforeDist) {
    const before = at(results.get(at(builds, 0).label) ?? [], 0);
    const after = at(results.get(at(builds, 1).label) ?? [], 0);
    for (const kind of ["approve", "deny"] as const) {
      // A multiset difference: a statement the build before issued k times and this one k + 1 times counts once.
      const known = new Map<string, number>();
      for (const sql of at(before[kind], 0).statements) known.set(sql, (known.get(sql) ?? 0) + 1);
      const first = at(after[kind], 0);
      const added: { sql: string; phase: string }[] = [];
      first.statements.forEach((sql, i) => {
        const left = known.get(sql) ?? 0;
        if (left > 0) known.set(sql, left - 1);
        else added.push({ sql, phase: first.phases[i] ?? "?" });
      });
      const gone = [...known].flatMap(([sql, n]) => Array<string>(n).fill(sql));
      say(`Statements of ${kind === "approve" ? "an approval" : "a denial"} that the build before did not issue (where each ran):`);
      say();
      for (const { sql, phase } of added) say(`- ${phase === "in" ? "in the transaction" : phase}: \`${sql.slice(0, 200)}${sql.length > 200 ? "…" : ""}\``);
      // What came after the answer, in any counted decision of this build (with how many of them).
      const later = new Map<string, number>();
      for (const c of results.get(at(builds, 1).label) ?? [])
        for (const x of c[kind]) if (x.afterStatements.length) later.set(x.afterStatements.join("\n"), (later.get(x.afterStatements.join("\n")) ?? 0) + 1);
      const decisions = (results.get(at(builds, 1).label) ?? []).reduce((n, c) => n + c[kind].length, 0);
      for (const [joined, n] of later) {
        say(`- after the answer, in ${n} of ${decisions} counted decisions:`);
        for (const sql of joined.split("\n")) say(`  - \`${sql.slice(0, 200)}${sql.length > 200 ? "…" : ""}\``);
      }
      if (gone.length) {
        say();
        say(`…and that the build before issued but this one does not:`);
        say();
        for (const sql of gone) say(`- \`${sql.slice(0, 200)}${sql.length > 200 ? "…" : ""}\``);
      }
      say();
    }
  }
}

// ---------------------------------------------------------------- (b) replay

/** Appends `count` entries to the organization's log in one statement (Contoso's own requests, SUBMITTED); the head after. */
async function appendEntries(a: Actors, count: number): Promise<number> {
  const [[{ head }]] = (await a.connection.query("SELECT COALESCE(MAX(seq), 0) AS head FROM license_request_event WHERE organizationId = ?", [
    a.organizationId,
  ])) as unknown as [[{ head: number }]];
  const [requests] = (await a.connection.query("SELECT id, productId, requesterId, status FROM license_request WHERE organizationId = ? ORDER BY id LIMIT 50", [
    a.organizationId,
  ])) as unknown as [{ id: number; productId: number; requesterId: number; status: string }[]];
  const values: unknown[] = [];
  const since = Date.now() - 3_600_000;
  for (let i = 0; i < count; i++) {
    const r = at(requests, i % requests.length);
    values.push(a.organizationId, Number(head) + i + 1, r.id, r.productId, "SUBMITTED", r.status, r.requesterId, since + i);
  }
  await a.connection.query(
    `INSERT INTO license_request_event (organizationId, seq, requestId, productId, kind, status, actorId, at) VALUES ${Array(count).fill("(?,?,?,?,?,?,?,?)").join(",")}`,
    values,
  );
  return Number(head) + count;
}

/** One replay: connects, then times from sending the subscribe to the `count`-th entry. */
async function replayOnce(url: string, token: string, after: string, count: number): Promise<{ ms: number; bytes: number }> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws", { perMessageDeflate: false });
  try {
    return await new Promise((resolve, reject) => {
      let received = 0;
      let bytes = 0;
      let sent = 0;
      const timer = setTimeout(() => reject(new Error(`the replay stopped at ${received} of ${count}`)), 60_000);
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
      socket.on("message", (raw: Buffer) => {
        const message = JSON.parse(raw.toString("utf8")) as Json;
        if (message["type"] === "connection_ack") {
          sent = nowMs();
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: ACTIVITY_SUBSCRIPTION, variables: { after } } }));
        } else if (message["type"] === "next") {
          if (message["payload"]["errors"]) return reject(new Error(JSON.stringify(message["payload"]["errors"])));
          received += 1;
          bytes += raw.length;
          if (received === count) {
            clearTimeout(timer);
            resolve({ ms: nowMs() - sent, bytes });
          }
        } else if (message["type"] === "error") reject(new Error(JSON.stringify(message["payload"])));
        else if (message["type"] === "ping") socket.send('{"type":"pong"}');
      });
      socket.on("error", reject);
    });
  } finally {
    socket.terminate();
  }
}

async function replaySection(o: ActivityOptions, instance: Instance, a: Actors): Promise<void> {
  const { say } = o;
  const head = await appendEntries(a, o.replayEntries);
  const after = encodeActivityCursor({ organizationId: a.organizationId, seq: head - o.replayEntries });
  const rounds: { ms: number; bytes: number }[] = [];
  await replayOnce(instance.url, a.adminToken, after, o.replayEntries); // warm-up, not counted
  for (let round = 0; round < o.replayRounds; round++) {
    await sleep(200);
    rounds.push(await replayOnce(instance.url, a.adminToken, after, o.replayEntries));
  }
  const ms = rounds.map((r) => r.ms);
  say(`## Replay of ${o.replayEntries.toLocaleString("en")} entries over graphql-ws`);
  say();
  say(
    `One graphql-ws connection as Contoso's admin, \`${ACTIVITY_SUBSCRIPTION}\` with \`after\` ${o.replayEntries.toLocaleString("en")} entries ` +
      `back (older than the tail's ring, so read from the database); timed from sending the subscribe (after the connection's ack) ` +
      `to receiving the ${o.replayEntries.toLocaleString("en")}th entry. One warm-up replay first, not counted. Server: one instance with Redis.`,
  );
  say();
  say(`| round | ms | entries/s | bytes received |`);
  say(`| --- | --- | --- | --- |`);
  rounds.forEach((r, i) => say(`| ${i + 1} | ${fmt(r.ms)} | ${fmt((o.replayEntries * 1000) / r.ms, 0)} | ${r.bytes.toLocaleString("en")} |`));
  say(`| **median** | **${fmt(median(ms))}** (spread ${spread(ms)}) | ${fmt((o.replayEntries * 1000) / median(ms), 0)} | |`);
  say();
}

// ---------------------------------------------------------------- (c) fan-out over two instances

interface Latencies {
  fromAnswer: number[];
  fromSend: number[];
}

const WORKERS = 4;

/**
 * One event to every armed socket: `trigger` runs (its HTTP answer's time is
 * the origin), then every worker's receipts are gathered.
 */
async function timeEvent(
  workers: ClientWorker[],
  key: string,
  total: number,
  trigger: () => Promise<void>,
): Promise<Latencies & { bytes: number; sample: string | null }> {
  const receipts = workers.map((w) => w.armed(key));
  await sleep(5); // the arms reach the workers first
  const sent = nowMs();
  await trigger();
  const answered = nowMs();
  const all = await Promise.race([Promise.all(receipts), sleep(60_000).then(() => null)]);
  if (!all) {
    const got = await Promise.all(workers.map((w) => w.got(key)));
    throw new Error(`only ${got.reduce((x, y) => x + y, 0)} of ${total} subscribers received an event`);
  }
  const times = all.flatMap((r) => r["times"] as number[]);
  return {
    fromAnswer: times.map((t) => t - answered),
    fromSend: times.map((t) => t - sent),
    bytes: at(all, 0)["bytes"] as number,
    sample: (all.find((r) => r["sample"])?.["sample"] as string | undefined) ?? null,
  };
}

/** Events until every socket of `key` has had one (subscriptions are admitted asynchronously). */
async function warmUp(workers: ClientWorker[], key: string, trigger: () => Promise<void>): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    const receipts = workers.map((w) => w.armed(key));
    await sleep(5);
    await trigger();
    const all = await Promise.race([Promise.all(receipts), sleep(15_000).then(() => null)]);
    if (all) return (all.find((r) => r["sample"])?.["sample"] as string | undefined) ?? null;
    if (attempt === 5) throw new Error(`subscribers of ${key} did not all receive a warm-up event`);
  }
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

async function fanOutSection(o: ActivityOptions, instances: Instance[], a: Actors): Promise<void> {
  const { say } = o;
  const bares = [await startBare(), await startBare()];
  const workers = Array.from({ length: WORKERS }, () => new ClientWorker());
  const rows: string[] = [];
  const summaries: string[] = [];
  try {
    for (const count of o.subscribers) {
      const per = Math.floor(count / WORKERS);
      // Workers 0 and 1 connect to the first instance (and the first bare server), 2 and 3 to the second.
      const shares = workers.map((_, i) => (i === WORKERS - 1 ? count - per * (WORKERS - 1) : per));
      const t0 = nowMs();
      for (let i = 0; i < WORKERS; i++) {
        await at(workers, i).open(
          "svc",
          `${at(instances, i < WORKERS / 2 ? 0 : 1).url.replace(/^http/, "ws")}/graphql`,
          a.adminToken,
          at(shares, i),
          ACTIVITY_SUBSCRIPTION,
        );
      }
      const connectSeconds = (nowMs() - t0) / 1000;
      const event = eventSource(
        a,
        instances.map((i) => i.url),
      );
      const sample = await warmUp(workers, "svc", event);
      await warmUp(workers, "svc", event); // the second kind of entry (a cancellation) too
      if (!sample) throw new Error("no sample delivery");
      const payload = JSON.stringify((JSON.parse(sample) as Json)["payload"]);
      for (let i = 0; i < WORKERS; i++) {
        await at(workers, i).open(
          "bare",
          `${at(bares, i < WORKERS / 2 ? 0 : 1).url.replace(/^http/, "ws")}/graphql`,
          a.adminToken,
          at(shares, i),
          ACTIVITY_SUBSCRIPTION,
        );
      }
      const broadcast = async () => {
        const answers = await Promise.all(bares.map((b) => fetch(`${b.url}/broadcast`, { method: "POST", body: payload })));
        if (answers.some((r) => r.status !== 204)) throw new Error("a bare broadcast failed");
      };
      await warmUp(workers, "bare", broadcast);

      const perRound: { service: ReturnType<typeof stats>; bare: ReturnType<typeof stats>; serviceSend: number; bareSend: number; bytes: number }[] = [];
      const loadBefore = load();
      for (let round = 0; round < o.fanOutRounds; round++) {
        const measure = async (which: "svc" | "bare") => {
          const all: Latencies = { fromAnswer: [], fromSend: [] };
          let bytes = 0;
          for (let e = 0; e < o.fanOutEvents; e++) {
            await sleep(50);
            const r = await timeEvent(workers, which, count, which === "svc" ? event : broadcast);
            all.fromAnswer.push(...r.fromAnswer);
            all.fromSend.push(...r.fromSend);
            bytes = r.bytes;
          }
          return { ...all, bytes };
        };
        const serviceFirst = round % 2 === 0;
        const first = await measure(serviceFirst ? "svc" : "bare");
        const second = await measure(serviceFirst ? "bare" : "svc");
        const [svc, bare] = serviceFirst ? [first, second] : [second, first];
        // The service from its mutation's answer; the bare servers from being told (they answer once they have written).
        const s = stats(svc.fromAnswer);
        const b = stats(bare.fromSend);
        const sSend = stats(svc.fromSend);
        perRound.push({ service: s, bare: b, serviceSend: sSend.p95, bareSend: b.p95, bytes: svc.bytes });
        rows.push(
          `| ${count.toLocaleString("en")} | ${round + 1} | ${serviceFirst ? "service" : "bare"} | ${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)} | ${fmt(b.p50)} / ${fmt(b.p95)} / ${fmt(b.p99)} | ${fmt(s.p95 / b.p95, 2)} | ${fmt(sSend.p50)} / ${fmt(sSend.p95)} / ${fmt(sSend.p99)} | ${svc.bytes} / ${bare.bytes} |`,
        );
        process.stdout.write(`${rows[rows.length - 1]}\n`);
      }
      const m = (f: (r: (typeof perRound)[number]) => number) => median(perRound.map(f));
      const ratios = perRound.map((r) => r.service.p95 / r.bare.p95);
      summaries.push(
        `| ${count.toLocaleString("en")} | ${fmt(m((r) => r.service.p50))} / ${fmt(m((r) => r.service.p95))} / ${fmt(m((r) => r.service.p99))} | ${fmt(m((r) => r.bare.p50))} / ${fmt(m((r) => r.bare.p95))} / ${fmt(m((r) => r.bare.p99))} | ${fmt(median(ratios), 2)} (${spread(ratios)}) | ${fmt(m((r) => r.serviceSend))} | ${fmt(connectSeconds)} | ${loadBefore} → ${load()} |`,
      );
      for (const w of workers) {
        await w.close("svc");
        await w.close("bare");
      }
      await sleep(2_000);
    }
  } finally {
    for (const w of workers) await w.stop();
    for (const b of bares) await b.stop();
  }
  say(`## Fan-out through the log over two instances, beside a bare \`ws\` broadcast (milliseconds)`);
  say();
  say(
    `Two service instances (Redis event bus, one MariaDB database), the subscribers split evenly between them, each one graphql-ws ` +
      `connection with \`${ACTIVITY_SUBSCRIPTION}\` (no \`after\`: live) as Contoso's admin; the clients in ${WORKERS} worker processes ` +
      `(bench/activityClients.ts, two per instance). An event is a submission or its cancellation by alex@contoso.example, sent to the ` +
      `two instances in turn; each subscriber's receipt is timed from the mutation's HTTP answer (a receipt before the answer counts negative). ` +
      `Bare: two \`ws\` servers (bench/bareBroadcast.ts, a process each), each with half the sockets, told at once to broadcast the ` +
      `same bytes (a delivery the service made), timed from the moment they are told (they answer only once they have written ` +
      `to every socket). The service is also shown timed from sending the mutation. ${o.fanOutEvents} events of each per round; rounds ` +
      `alternate which goes first. Percentiles are over every receipt of a round's events.`,
  );
  say();
  say(
    `| subscribers | round | first | service from the answer p50 / p95 / p99 | bare p50 / p95 / p99 | p95 ratio (goal ≤ 2) | service from the send p50 / p95 / p99 | message bytes service / bare |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const row of rows) say(row);
  say();
  say(`Medians over the rounds (of each round's percentile; of four, the mean of the middle two):`);
  say();
  say(
    `| subscribers | service from the answer p50 / p95 / p99 | bare p50 / p95 / p99 | p95 ratio, median (spread) | service from the send, p95 | connecting, s | load average before → after |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- |`);
  for (const row of summaries) say(row);
  say();
}

// ---------------------------------------------------------------- (d) memory per idle subscriber

async function memorySection(o: ActivityOptions, instance: Instance, a: Actors): Promise<void> {
  const { say } = o;
  const worker = new ClientWorker();
  const rows: string[] = [];
  const perKind = new Map<string, { heap: number[]; rss: number[] }>();
  try {
    const kinds: [string, string][] = [
      ["licenseRequestEvents", ACTIVITY_SUBSCRIPTION],
      ["licenseRequestSubmitted", SUBMITTED_SUBSCRIPTION],
    ];
    // A first open and close of each, not counted: what the first subscriptions compile and cache once.
    for (const [, query] of kinds) {
      await worker.open("idle", `${instance.url.replace(/^http/, "ws")}/graphql`, a.adminToken, Math.min(o.idle, 200), query);
      await sleep(1_000);
      await worker.close("idle");
    }
    await sleep(2_000);
    for (let round = 0; round < o.memoryRounds; round++) {
      for (const [label, query] of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const heap0 = await instance.heapUsedMiB();
        const rss0 = instance.rssMiB();
        await worker.open("idle", `${instance.url.replace(/^http/, "ws")}/graphql`, a.adminToken, o.idle, query);
        await sleep(Math.max(2_000, o.idle));
        const heap1 = await instance.heapUsedMiB();
        const rss1 = instance.rssMiB();
        await worker.close("idle");
        await sleep(2_000);
        const heapKiB = ((heap1 - heap0) * 1024) / o.idle;
        const rssKiB = ((rss1 - rss0) * 1024) / o.idle;
        const entry = perKind.get(label) ?? { heap: [], rss: [] };
        entry.heap.push(heapKiB);
        entry.rss.push(rssKiB);
        perKind.set(label, entry);
        rows.push(`| ${round + 1} | ${label} | ${fmt(heap0)} → ${fmt(heap1)} | ${fmt(rss0)} → ${fmt(rss1)} | ${fmt(heapKiB)} | ${fmt(rssKiB)} |`);
        process.stdout.write(`${rows[rows.length - 1]}\n`);
      }
    }
  } finally {
    await worker.stop();
  }
  say(`## Memory per idle subscriber (${o.idle.toLocaleString("en")} idle subscriptions, one instance)`);
  say();
  say(
    `One instance started with \`--expose-gc\` (bench/collectOnSignal.ts: SIGUSR2 collects); the JS heap in use from its \`/metrics\` ` +
      `after a full collection, and its resident memory from \`/proc\`, with no subscriber and then with ${o.idle.toLocaleString("en")} ` +
      `graphql-ws connections of one subscription each (clients in a worker process), idle; closed again between rounds. ` +
      `The two subscriptions alternate which goes first; one open and close of each before the rounds is not counted.`,
  );
  say();
  say(`| round | subscription | JS heap MiB, 0 → N | resident MiB, 0 → N | JS heap KiB / subscriber (goal ≤ 20 KB) | resident KiB / subscriber |`);
  say(`| --- | --- | --- | --- | --- | --- |`);
  for (const row of rows) say(row);
  for (const [label, v] of perKind) {
    say(`| **median** | ${label} | | | **${fmt(median(v.heap))}** (spread ${spread(v.heap)}) | **${fmt(median(v.rss))}** (spread ${spread(v.rss)}) |`);
  }
  say();
}

// ---------------------------------------------------------------- (e) webhooks

/**
 * WEBHOOKS: deliveries to a local receiver, a bare `node:http` server
 * answering 200 to every POST, registered with createWebhookEndpoint (the
 * instance runs with WEBHOOK_ALLOW_PRIVATE=true). Each round appends
 * `--webhook-events` entries (a submission and its cancellation in turn, as
 * the fan-out makes them), as fast as one client's mutations go; each
 * delivery is matched to its entry by the cursor in its body (the entries
 * are the round's only ones, so entry k is mutation k). Recorded per round:
 * deliveries per second (first to last receipt), the rate of the mutations,
 * the time from each mutation's HTTP answer (just after its commit) and from
 * the entry's own `at` (set in the transaction, wall clock) to its receipt,
 * and the time from the last answer to the last receipt (the backlog left).
 * Then `paced` entries one at a time, each after the previous one's receipt:
 * the latency of one delivery with no backlog.
 */
async function webhooksSection(o: ActivityOptions, instance: Instance, a: Actors): Promise<void> {
  const { say } = o;
  say(`## Webhook deliveries to a local receiver`);
  say();
  const types = await gql(instance.url, a.adminToken, `{ __type(name: "Mutation") { fields { name } } }`);
  const fields = ((types["__type"]?.["fields"] ?? []) as { name: string }[]).map((f) => f.name);
  if (!fields.includes("createWebhookEndpoint")) {
    say("Not measured: this build has no webhooks (no `createWebhookEndpoint` in its schema). The harness is `webhooksSection` in bench/activity.ts.");
    say();
    return;
  }
  /** Receipt time (hrtime ms and wall clock ms) by the entry's seq; duplicates (same webhook-id) dropped. */
  const receipts = new Map<number, { t: number; wall: number; at: number }>();
  const ids = new Set<string>();
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const t = nowMs();
      const wall = Date.now();
      res.writeHead(200).end();
      const id = String(req.headers["webhook-id"] ?? "");
      if (ids.has(id)) return;
      ids.add(id);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
      const event = body["data"]["event"] as { cursor: string; at: string };
      const seq = decodeActivityCursor(event.cursor, a.organizationId).seq;
      receipts.set(seq, { t, wall, at: Date.parse(event.at) });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const head = async () => {
    const [[row]] = (await a.connection.query("SELECT COALESCE(MAX(seq), 0) AS head FROM license_request_event WHERE organizationId = ?", [
      a.organizationId,
    ])) as unknown as [[{ head: number }]];
    return Number(row.head);
  };
  const waitFor = async (seqs: number[], ms: number) => {
    const deadline = Date.now() + ms;
    while (seqs.some((q) => !receipts.has(q)) && Date.now() < deadline) await sleep(5);
    return seqs.filter((q) => receipts.has(q)).length;
  };
  const rows: string[] = [];
  const summary: { rate: number; mutationRate: number; fromAnswer: number[]; fromAt: number[]; backlog: number }[] = [];
  let pacedRow = "";
  const drainRows: string[] = [];
  const drains: { rate: number; ms: number }[] = [];
  try {
    const port = (receiver.address() as { port: number }).port;
    const created = await gql(
      instance.url,
      a.adminToken,
      `mutation ($url: String!) { createWebhookEndpoint(input: { url: $url, description: "bench receiver" }) { endpoint { id } userErrors { message } } }`,
      { url: `http://127.0.0.1:${port}/hook` },
    );
    if (!created["createWebhookEndpoint"]["endpoint"])
      throw new Error(`createWebhookEndpoint: ${JSON.stringify(created["createWebhookEndpoint"]["userErrors"])}`);
    const event = eventSource(a, [instance.url]);
    // Warm-up: a few entries delivered, not counted.
    {
      const h = await head();
      for (let i = 0; i < 10; i++) await event();
      await waitFor(
        Array.from({ length: 10 }, (_, i) => h + i + 1),
        30_000,
      );
    }
    for (let round = 0; round < o.webhookRounds; round++) {
      await sleep(500);
      const h = await head();
      const answers: number[] = [];
      const start = nowMs();
      for (let i = 0; i < o.webhookEvents; i++) {
        await event();
        answers.push(nowMs());
      }
      const lastAnswer = nowMs();
      const seqs = answers.map((_, i) => h + i + 1);
      const delivered = await waitFor(seqs, 120_000);
      const got = seqs.flatMap((q) => (receipts.has(q) ? [receipts.get(q)!] : []));
      const firstReceipt = Math.min(...got.map((r) => r.t));
      const lastReceipt = Math.max(...got.map((r) => r.t));
      const fromAnswer = seqs.flatMap((q, i) => (receipts.has(q) ? [receipts.get(q)!.t - at(answers, i)] : []));
      const fromAt = got.map((r) => r.wall - r.at);
      const rate = (delivered * 1000) / (lastReceipt - firstReceipt);
      const mutationRate = (o.webhookEvents * 1000) / (lastAnswer - start);
      const fa = stats(fromAnswer);
      const ft = stats(fromAt);
      summary.push({ rate, mutationRate, fromAnswer, fromAt, backlog: lastReceipt - lastAnswer });
      rows.push(
        `| ${round + 1} | ${o.webhookEvents} | ${delivered} | ${fmt(rate, 0)} | ${fmt(mutationRate, 0)} | ${fmt(fa.p50)} / ${fmt(fa.p95)} / ${fmt(fa.max ?? Number.NaN)} | ${fmt(ft.p50)} / ${fmt(ft.p95)} | ${fmt(lastReceipt - lastAnswer)} |`,
      );
      process.stdout.write(`${rows[rows.length - 1]}\n`);
    }
    // Paced: one entry at a time, the next after the previous one's receipt.
    const paced: number[] = [];
    const pacedAt: number[] = [];
    for (let i = 0; i < o.webhookPaced; i++) {
      await sleep(20);
      const h = await head();
      await event();
      const answered = nowMs();
      await waitFor([h + 1], 30_000);
      const r = receipts.get(h + 1);
      if (r) {
        paced.push(r.t - answered);
        pacedAt.push(r.wall - r.at);
      }
    }
    const p = stats(paced);
    const pa = stats(pacedAt);
    pacedRow = `| ${o.webhookPaced} | ${paced.length} | ${fmt(p.p50)} / ${fmt(p.p95)} / ${fmt(p.max ?? Number.NaN)} | ${fmt(pa.p50)} / ${fmt(pa.p95)} |`;
    // Backlog: entries appended directly with their deliveries queued (as the outbox's statement queues them) but not yet due;
    // then made due at once and the dispatcher woken by one more mutation: how fast it drains, not how fast one client mutates.
    for (let round = 0; round < o.webhookRounds; round++) {
      await sleep(1_000);
      const h = await head();
      await appendEntries(a, o.webhookEvents);
      const later = Date.now() + 3_600_000;
      await a.connection.query(
        "INSERT INTO webhook_delivery (organizationId, endpointId, eventId, status, attempts, createdAt, nextAttemptAt) " +
          "SELECT e.organizationId, w.id, e.id, 'PENDING', 0, ?, ? FROM license_request_event e " +
          "JOIN webhook_endpoint w ON w.organizationId = e.organizationId AND w.enabled = 1 WHERE e.organizationId = ? AND e.seq > ? AND e.seq <= ?",
        [Date.now(), later, a.organizationId, h, h + o.webhookEvents],
      );
      const seqs = Array.from({ length: o.webhookEvents }, (_, i) => h + i + 1);
      const t0 = nowMs();
      await a.connection.query("UPDATE webhook_delivery SET nextAttemptAt = ? WHERE organizationId = ? AND nextAttemptAt = ?", [
        Date.now(),
        a.organizationId,
        later,
      ]);
      await event();
      const delivered = await waitFor(seqs, 120_000);
      const got = seqs.flatMap((q) => (receipts.has(q) ? [receipts.get(q)!.t] : []));
      const last = Math.max(...got);
      const first = Math.min(...got);
      drains.push({ rate: (delivered * 1000) / (last - t0), ms: last - t0 });
      drainRows.push(
        `| ${round + 1} | ${o.webhookEvents} | ${delivered} | ${fmt(first - t0)} | ${fmt(last - t0)} | ${fmt((delivered * 1000) / (last - t0), 0)} |`,
      );
      process.stdout.write(`${drainRows[drainRows.length - 1]}\n`);
    }
  } finally {
    receiver.close();
    receiver.closeAllConnections();
  }
  say(
    `One instance (the fan-out's first; no subscriber connected), one endpoint registered with \`createWebhookEndpoint\` (WEBHOOK_ALLOW_PRIVATE=true) ` +
      `at a local \`node:http\` receiver answering 200. Each round: ${o.webhookEvents.toLocaleString("en")} entries appended by one client's ` +
      `sequential mutations (a submission and its cancellation in turn), as fast as they go; each delivery matched to its entry by the cursor in ` +
      `its body. “From the answer”: from the mutation's HTTP answer (after the commit) to the receipt; “from \`at\`”: from the entry's ` +
      `timestamp (taken inside the transaction, wall clock, millisecond precision) to the receipt. 10 entries delivered to warm up first, not counted.`,
  );
  say();
  say(
    `| round | events | delivered | deliveries/s (first → last receipt) | mutations/s | from the answer p50 / p95 / max, ms | from \`at\` p50 / p95, ms | last answer → last receipt, ms |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const row of rows) say(row);
  if (summary.length) {
    const m = (f: (r: (typeof summary)[number]) => number) => median(summary.map(f));
    const rates = summary.map((r) => r.rate);
    const answerP50 = summary.map((r) => stats(r.fromAnswer).p50);
    say(
      `| **median** | | | **${fmt(
        m((r) => r.rate),
        0,
      )}** (spread ${spread(rates)}) | ${fmt(
        m((r) => r.mutationRate),
        0,
      )} | **${fmt(median(answerP50))}** (p50 spread ${spread(answerP50)}) / ${fmt(m((r) => stats(r.fromAnswer).p95))} | ${fmt(m((r) => stats(r.fromAt).p50))} / ${fmt(m((r) => stats(r.fromAt).p95))} | ${fmt(m((r) => r.backlog))} |`,
    );
  }
  say();
  if (pacedRow) {
    say(`One entry at a time (the next after the previous one's receipt), no backlog:`);
    say();
    say(`| events | delivered | from the answer p50 / p95 / max, ms | from \`at\` p50 / p95, ms |`);
    say(`| --- | --- | --- | --- |`);
    say(pacedRow);
    say();
  }
  if (drainRows.length) {
    say(
      `A backlog drained: ${o.webhookEvents.toLocaleString("en")} entries appended directly, their deliveries queued (the outbox's ` +
        `INSERT … SELECT, not yet due), then made due in one UPDATE and the dispatcher woken by one more mutation; timed from the UPDATE ` +
        `(the dispatcher's rate, not one client's mutations; each body built at its first attempt as always).`,
    );
    say();
    say(`| round | deliveries | delivered | first receipt, ms | last receipt, ms | deliveries/s |`);
    say(`| --- | --- | --- | --- | --- | --- |`);
    for (const row of drainRows) say(row);
    const rates = drains.map((d) => d.rate);
    say(`| **median** | | | | ${fmt(median(drains.map((d) => d.ms)))} | **${fmt(median(rates), 0)}** (spread ${spread(rates)}) |`);
    say();
  }
}

// ---------------------------------------------------------------- the sections

export async function measureActivity(o: ActivityOptions): Promise<void> {
  const { say } = o;
  say(`# The activity log: statements, replay, fan-out, memory${o.sections.has("activity-webhooks") ? ", webhooks" : ""}`);
  say();
  say(`- date: ${new Date().toISOString()}`);
  say(
    `- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.release()}`,
  );
  say(
    `- open files per process (ulimit -n): ${limitOf("Max open files")}; ephemeral ports: ${readOr("/proc/sys/net/ipv4/ip_local_port_range").replace(/\s+/g, "–")}`,
  );
  say(`- load average (1 / 5 / 15 min) at the start: ${load()}`);
  say();
  const section = async (name: ActivitySection, run: () => Promise<void>) => {
    if (!o.sections.has(name)) return;
    // A section starts on a quiet machine: the 1-minute load average at most 1.5 (waiting up to 5 minutes; else it says so).
    const waitStart = Date.now();
    while ((os.loadavg()[0] ?? 0) > 1.5 && Date.now() - waitStart < 300_000) await sleep(5_000);
    if ((os.loadavg()[0] ?? 0) > 1.5) say(`**This section started with the load average above 1.5 (${load()}): not a result.**`);
    process.stdout.write(`section ${name} starts at load ${load()} after waiting ${((Date.now() - waitStart) / 1000).toFixed(0)} s\n`);
    const before = load();
    await run();
    say(`Load average before → after this section: ${before} → ${load()}.`);
    say();
  };
  await section("activity-statements", () => statementsSection(o));
  const needsServers = ["activity-replay", "activity-fanout", "activity-memory", "activity-webhooks"].some((s) => o.sections.has(s as ActivitySection));
  if (!needsServers) return;
  const databaseUrl = withDatabaseName(o.database, "_activity");
  const database = await freshDatabase(databaseUrl);
  let instances: Instance[] = [];
  let a: Actors | null = null;
  try {
    // The first runs the migrations and the seed; the second starts on them.
    instances.push(await startInstance(databaseUrl, o.redis, false));
    instances.push(await startInstance(databaseUrl, o.redis, false));
    a = await actors(databaseUrl);
    const ready = a;
    await section("activity-replay", () => replaySection(o, at(instances, 0), ready));
    await section("activity-fanout", () => fanOutSection(o, instances, ready));
    await section("activity-webhooks", () => webhooksSection(o, at(instances, 0), ready));
    for (const i of instances) await i.stop();
    instances = [];
    if (o.sections.has("activity-memory")) {
      instances.push(await startInstance(databaseUrl, o.redis, true));
      await section("activity-memory", () => memorySection(o, at(instances, 0), ready));
    }
  } finally {
    for (const i of instances) await i.stop();
    await a?.connection.end();
    await database.drop();
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return "?";
  }
}

function limitOf(name: string): string {
  const line = readOr("/proc/self/limits")
    .split("\n")
    .find((l) => l.startsWith(name));
  return line ? line.slice(name.length).trim().split(/\s+/).slice(0, 2).join(" (hard ") + ")" : "?";
}
