/**
 * Concurrent decisions (bench/README.md, "Decisions"): `admins` global admins
 * of one organization decide distinct pending requests at once, all for one
 * product whose pool holds licenses for only three quarters of them. Each
 * admin takes the next undecided request, approves it, and denies it when the
 * pool is empty (the approval's INSUFFICIENT_LICENSES user error). Recorded:
 * decisions per second and the latency of each decision (p50, p99). Checked
 * after the run from the database, and printed: no oversubscription (the
 * pool's assigned count never above its total, and equal to what it was plus
 * the approvals answered), no lost decision (every request in the status its
 * answer said, with exactly one license per approval), no duplicate email
 * (one outbox row per request and recipient).
 *
 * Setup (users, the pool) is written to the database directly; every request
 * and decision goes through the public API, each with an idempotency key, so
 * a call answered 503 (no database connection free in time, on a loaded
 * machine) is sent again as a client would, and the checks cover the retries.
 *
 * `measureDecisions` measures the running service (`npm run bench`, section
 * `decisions`). `measureDecisionsAgainstB2` measures the service beside B2
 * (bench/decisionsBaseline.ts), the same approval and denial written by hand,
 * each in a process of its own on one MySQL/MariaDB database, in rounds that
 * alternate which goes first:
 *
 *   node dist/bench/decisions.js --database mysql://root@127.0.0.1:3306/lr_b2_decisions [--rounds 3] [--requests 500] [--admins 20] [--wait 300] [--out file.md]
 *
 * `--wait`: seconds to wait at most for the 1-minute load average to fall to
 * 1.5 first (default 300); a run that starts above it says it is not a result.
 */
import "reflect-metadata";
import { deepStrictEqual } from "node:assert";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import mysql from "mysql2/promise";
import type { DataSource } from "typeorm";
import { signToken } from "../src/services/access/authentication";
import { localIdOf, toGlobalId } from "../src/services/shared/ids";
import { ProductEntity, UserEntity } from "../src/entities";
import { APPROVE_OPERATION as APPROVE, DENY_OPERATION as DENY } from "./decisionsBaseline";
import { freshDatabase } from "./list";
import {
  BENCH_SECRET,
  cpuSecondsOf,
  databaseServerPid,
  loadAverage,
  median,
  percentile,
  ROOT,
  ServerProcess,
  startProcess,
  startService,
  waitForQuietMachine,
} from "./processes";

export interface DecisionsOptions {
  url: string;
  dataSource: DataSource;
  secret: string;
  organizationId: number;
  admins: number;
  /** Requests decided (default: 10 per admin). */
  requests?: number;
  say: (line?: string) => void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** A statement and its rows, through whichever connection the caller holds (TypeORM's data source, a mysql2 pool). */
type Query = (sql: string, values: unknown[]) => Promise<Json[]>;

/** Calls answered 503 (the database had no connection free in time) and sent again with the same idempotency key. */
let retried = 0;

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Json> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Json; errors?: unknown[] };
    if (response.status === 503 && attempt < 5) {
      retried += 1;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      continue;
    }
    if (body.errors || !body.data) throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(body.errors)}`);
    return body.data;
  }
}

const SUBMIT = `mutation Submit($p: ID!, $key: String) { submitLicenseRequest(input: { productId: $p, idempotencyKey: $key }) { licenseRequest { id } userErrors { message } } }`;

/** One request of each of `requesters` for `productId`, through the API, ten submitters at a time; their global IDs, in order. */
async function submitRequests(
  url: string,
  secret: string,
  requesters: { id: number; organizationId: number }[],
  productId: string,
  key: string,
): Promise<string[]> {
  const requestIds: string[] = [];
  for (let start = 0; start < requesters.length; start += 10) {
    const batch = requesters.slice(start, start + 10);
    const ids = await Promise.all(
      batch.map(async (user) => {
        const data = await graphql(url, await signToken(secret, user), SUBMIT, { p: productId, key });
        const id = data["submitLicenseRequest"].licenseRequest?.id as string | undefined;
        if (!id) throw new Error(`submit refused: ${JSON.stringify(data["submitLicenseRequest"].userErrors)}`);
        return id;
      }),
    );
    requestIds.push(...ids);
  }
  return requestIds;
}

interface Race {
  /** Each request's status as its answer gave it. */
  answered: Map<string, string>;
  /** Milliseconds per decision: the approval, plus the denial where one followed. */
  latencies: number[];
  seconds: number;
  userErrorsOther: number;
  retried: number;
  /** When it started and ended (epoch ms). */
  startedAt: number;
  endedAt: number;
}

/** The race: every admin takes the next undecided request, approves it, and denies it when the pool is empty. */
async function race(url: string, tokens: string[], requestIds: string[], tag: string): Promise<Race> {
  const queue = [...requestIds];
  const answered = new Map<string, string>();
  const latencies: number[] = [];
  let userErrorsOther = 0;
  retried = 0;
  const startedAt = Date.now();
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, admin) => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const t0 = performance.now();
        const key = `bench-${tag}-${admin}-${id}`;
        const approved = (await graphql(url, token, APPROVE, { id, key }))["approveLicenseRequest"];
        let status = approved.licenseRequest?.status as string | undefined;
        if (approved.userErrors.length) {
          if (!approved.userErrors.every((e: Json) => e["code"] === "INSUFFICIENT_LICENSES")) userErrorsOther += 1;
          const denied = (await graphql(url, token, DENY, { id, key: `${key}-deny` }))["denyLicenseRequest"];
          if (denied.userErrors.length) throw new Error(`deny refused: ${JSON.stringify(denied.userErrors)}`);
          status = denied.licenseRequest.status as string;
        }
        latencies.push(performance.now() - t0);
        answered.set(id, status!);
      }
    }),
  );
  return { answered, latencies, seconds: (performance.now() - started) / 1000, userErrorsOther, retried, startedAt, endedAt: Date.now() };
}

interface Checks {
  approvals: number;
  denials: number;
  lost: number;
  assignmentsOff: number;
  duplicateEmails: number;
  missingEmails: number;
  oversubscribed: boolean;
  before: { assigned: number; total: number };
  after: { assigned: number; total: number };
}

/** The checks after a race, from the database: no oversubscription, no lost decision, every decision email once. */
async function checkRace(
  query: Query,
  o: { productId: number; assignedBefore: number; requestIds: string[]; requesterIds: Set<number>; answered: Map<string, string> },
): Promise<Omit<Checks, "before">> {
  const count = o.requestIds.length;
  const local = o.requestIds.map((id) => localIdOf(id, "LicenseRequest")!);
  const placeholders = local.map(() => "?").join(",");
  const [product] = await query("SELECT totalLicenses, assignedLicenses FROM product WHERE id = ?", [o.productId]);
  const after = { assigned: Number(product?.["assignedLicenses"]), total: Number(product?.["totalLicenses"]) };
  const statuses = [...o.answered.values()];
  const approvals = statuses.filter((s) => s === "APPROVED").length;
  const denials = statuses.filter((s) => s === "DENIED").length;
  const stored = await query(`SELECT id, status FROM license_request WHERE id IN (${placeholders})`, local);
  const lost = stored.filter((row) => o.answered.get(toGlobalId("LicenseRequest", Number(row["id"]))) !== row["status"]).length + (count - stored.length);
  const assignmentRows = await query(`SELECT requestId, COUNT(*) AS n FROM license_assignment WHERE requestId IN (${placeholders}) GROUP BY requestId`, local);
  const assignmentsOff = assignmentRows.filter(
    (r) => Number(r["n"]) !== 1 || o.answered.get(toGlobalId("LicenseRequest", Number(r["requestId"]))) !== "APPROVED",
  ).length;
  const emails = await query(
    `SELECT requestId, recipientUserId, COUNT(*) AS n FROM outbox_email WHERE requestId IN (${placeholders}) GROUP BY requestId, recipientUserId`,
    local,
  );
  const duplicateEmails = emails.filter((e) => Number(e["n"]) > 1).length;
  // Each decision emails its requester (the only recipient); the admins' notices of the submissions are the other rows.
  const missingEmails = count - emails.filter((e) => o.requesterIds.has(Number(e["recipientUserId"]))).length;
  const oversubscribed = after.assigned > after.total || after.assigned !== o.assignedBefore + approvals;
  return { approvals, denials, lost, assignmentsOff, duplicateEmails, missingEmails, oversubscribed, after };
}

export async function measureDecisions(options: DecisionsOptions): Promise<void> {
  const { dataSource, url, organizationId, say } = options;
  const count = options.requests ?? options.admins * 10;
  const users = dataSource.getRepository(UserEntity);
  const run = Date.now().toString(36);
  const admins = await users.save(
    Array.from({ length: options.admins }, (_, i) => ({
      organizationId,
      displayName: `Bench Admin ${i}`,
      email: `bench-admin-${run}-${i}@bench.example`,
      role: "GLOBAL_ADMIN" as const,
    })),
  );
  const requesters = await users.save(
    Array.from({ length: count }, (_, i) => ({
      organizationId,
      displayName: `Bench Requester ${i}`,
      email: `bench-user-${run}-${i}@bench.example`,
      role: "USER" as const,
    })),
  );
  const products = dataSource.getRepository(ProductEntity);
  const product = await products.findOneByOrFail({ organizationId, skuPartNumber: "SPE_E5" });
  const available = Math.floor((count * 3) / 4);
  await products.update({ id: product.id }, { totalLicenses: product.assignedLicenses + available });
  const before = await products.findOneByOrFail({ id: product.id });

  // The requests, through the API, ten submitters at a time.
  const requestIds = await submitRequests(url, options.secret, requesters, toGlobalId("Product", product.id), `bench-${run}-submit`);

  // The race.
  const tokens = await Promise.all(admins.map((a) => signToken(options.secret, a)));
  const { answered, latencies, seconds, userErrorsOther } = await race(url, tokens, requestIds, run);

  // The checks, from the database.
  const checked = await checkRace((sql, values) => dataSource.query<Json[]>(sql, values), {
    productId: product.id,
    assignedBefore: before.assignedLicenses,
    requestIds,
    requesterIds: new Set(requesters.map((u) => u.id)),
    answered,
  });
  const { approvals, denials, lost, assignmentsOff, duplicateEmails, missingEmails, oversubscribed, after } = checked;

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p);
  say(`## Decisions: ${options.admins} admins deciding ${count} distinct requests at once, one pool of ${available}`);
  say();
  say(`Each admin approves the next undecided request and denies it when the pool is empty (latency: approval, plus the denial where one followed).`);
  say();
  say(`| decisions | seconds | decisions/s | p50 ms | p99 ms | approved | denied | other user errors |`);
  say(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  say(
    `| ${answered.size} | ${seconds.toFixed(2)} | ${(answered.size / seconds).toFixed(1)} | ${at(50).toFixed(1)} | ${at(99).toFixed(1)} | ${approvals} | ${denials} | ${userErrorsOther} |`,
  );
  say();
  say(`Checked after the run:`);
  say();
  say(
    `- oversubscription: ${oversubscribed ? "YES" : "none"} (pool ${after.assigned} assigned of ${after.total}; ${before.assignedLicenses} before + ${approvals} approvals)`,
  );
  say(`- lost decisions: ${lost} (every request's stored status is the one its answer gave); licenses not matching an approval: ${assignmentsOff}`);
  say(
    `- duplicate emails: ${duplicateEmails} (outbox rows per request and recipient above one); decision emails missing: ${missingEmails} (each requester is emailed once; the other rows are the admins' notices of the submissions)`,
  );
  say(`- calls answered 503 and sent again with the same idempotency key: ${retried}`);
  say();
  if (oversubscribed || lost || assignmentsOff || duplicateEmails || missingEmails || approvals !== available) {
    throw new Error("the decisions benchmark found an inconsistency (see above)");
  }
}

// ------------------------------------------------------------------ against B2

export interface DecisionsAgainstB2Options {
  /** A MySQL/MariaDB URL; the database it names is dropped and created again. */
  database: string;
  /** Rounds, each deciding a fresh batch with each server, alternating which goes first (default 3). */
  rounds?: number;
  /** Requests per batch (default 500). */
  requests?: number;
  /** Admins deciding at once (default 20). */
  admins?: number;
  /** How long to wait at most for the 1-minute load average to fall to 1.5 (default 300 s); a run that starts above it is not a result. */
  waitSeconds?: number;
  say(line?: string): void;
}

/**
 * The service's environment for this benchmark, besides processes.ts's
 * serviceEnvironment (production, info logs, fair-use bounds out of the way):
 * the email dispatcher polls once an hour instead of every 2 s. It still
 * delivers after every commit that wrote emails (a nudge), so the service's
 * own race is unchanged; what it no longer does is wake up during B2's race
 * and deliver B2's emails on the same two cores.
 */
const SERVICE_EXTRA_ENV = { OUTBOX_POLL_INTERVAL_MS: "3600000" };

type Server = "service" | "B2";

interface Measured {
  server: Server;
  round: number;
  decisions: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** The server process's CPU time per decision (user + system, ms). */
  cpuMs: number;
  /** The database server's CPU time per decision (ms; null when its process is not visible here). Shared: other load on it counts too. */
  dbCpuMs: number | null;
  retried: number;
  userErrorsOther: number;
  /** Decision emails of this batch the server delivered during its race (the service's dispatcher; B2 sends none). */
  delivered: number;
  load1: number;
  checks: Checks;
  available: number;
}

/** Settles the outbox: every email not yet delivered is marked delivered, as the dispatcher marks a sent row, so no race starts with a backlog for the service's dispatcher. */
async function settleOutbox(pool: mysql.Pool): Promise<number> {
  let settled = 0;
  // A dispatcher's round in flight skips what was settled meanwhile (its claim needs `sentAt IS NULL`); a second pass after it catches stragglers.
  for (let pass = 0; pass < 2; pass++) {
    const [result] = await pool.query<mysql.ResultSetHeader>(
      "UPDATE outbox_email SET sentAt = ?, attempts = attempts + 1, lockedBy = NULL, lockedUntil = NULL, lastError = NULL, secret = NULL WHERE sentAt IS NULL",
      [Date.now()],
    );
    settled += result.affectedRows;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A moment of quiet before a race: what the writes before it left to the database's background work.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return settled;
}

/** What a decision wrote, comparable between two requests of same-named requesters decided by one admin: every row the decision wrote or changed, IDs and times left out, references checked. */
async function decisionRows(query: Query, requestId: number, idempotencyKeys: string[]): Promise<Json> {
  const without = (row: Json, keys: string[]) => Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
  const [request] = await query("SELECT * FROM license_request WHERE id = ?", [requestId]);
  if (!request) throw new Error(`no request ${requestId}`);
  const requesterId = request["requesterId"] as number;
  const [requester] = await query("SELECT email FROM app_user WHERE id = ?", [requesterId]);
  const licenses = await query("SELECT * FROM license_assignment WHERE requestId = ? ORDER BY id", [requestId]);
  const licenseIds = licenses.map((l) => l["id"] as number);
  const history = await query("SELECT * FROM decision_record WHERE requestId = ? ORDER BY id", [requestId]);
  const people = history.length
    ? await query(
        `SELECT * FROM decision_record_user WHERE decisionId IN (${history.map(() => "?").join(",")}) ORDER BY decisionId, position`,
        history.map((h) => h["id"]),
      )
    : [];
  const emails = await query("SELECT * FROM outbox_email WHERE requestId = ? AND createdAt = ? ORDER BY id", [requestId, request["decidedAt"]]);
  const events = await query("SELECT * FROM license_request_event WHERE requestId = ? AND kind <> 'SUBMITTED' ORDER BY id", [requestId]);
  const remembered = await query(
    `SELECT mutation, outcome FROM idempotency_record WHERE idempotencyKey IN (${idempotencyKeys.map(() => "?").join(",")}) ORDER BY mutation`,
    idempotencyKeys,
  );
  const times = (row: Json, keys: string[]) => keys.every((k) => row[k] === request["decidedAt"]);
  return {
    request: { ...without(request, ["id", "requesterId", "requestedAt", "expiresAt", "decidedAt"]), decidedAtSet: request["decidedAt"] !== null },
    recipients: (await query("SELECT * FROM license_request_recipient WHERE requestId = ? ORDER BY position", [requestId])).map((r) => ({
      ...without(r, ["requestId", "userId", "assignmentId"]),
      isRequester: r["userId"] === requesterId,
      assignment: r["assignmentId"] === null ? null : licenseIds.indexOf(r["assignmentId"] as number),
    })),
    licenses: licenses.map((l) => ({
      ...without(l, ["id", "userId", "requestId", "assignedAt"]),
      toRequester: l["userId"] === requesterId,
      atDecision: times(l, ["assignedAt"]),
    })),
    history: history.map((h) => ({
      ...without(h, ["id", "requestId", "at"]),
      atDecision: times(h, ["at"]),
      people: people
        .filter((p) => p["decisionId"] === h["id"])
        .map((p) => ({ ...without(p, ["decisionId", "userId"]), isRequester: p["userId"] === requesterId })),
    })),
    // Delivery columns left out: the service's dispatcher may have sent its email already.
    emails: emails.map((e) => ({
      ...without(e, [
        "id",
        "requestId",
        "recipientUserId",
        "toAddress",
        "createdAt",
        "nextAttemptAt",
        "attempts",
        "sentAt",
        "lockedBy",
        "lockedUntil",
        "lastError",
      ]),
      toRequester: e["recipientUserId"] === requesterId && e["toAddress"] === requester?.["email"],
      dueAtDecision: times(e, ["createdAt", "nextAttemptAt"]),
    })),
    activity: events.map((e) => ({ ...without(e, ["id", "seq", "requestId", "at"]), atDecision: times(e, ["at"]) })),
    idempotency: remembered.map((r) => ({ mutation: r["mutation"], outcome: String(r["outcome"]).replace(/\d+/g, "N") })),
  };
}

/**
 * Before anything is measured: the same approval, refusal for want of
 * licenses and denial, once through the service and once through B2, on
 * requests of two requesters of the same name, by the same admin. Their
 * answers must be equal, and so must every row each decision wrote.
 */
async function checkParity(
  pool: mysql.Pool,
  query: Query,
  o: { service: ServerProcess; b2: ServerProcess; token: string; organizationId: number; productId: number; run: string },
): Promise<void> {
  const requesters = await insertUsers(pool, o.organizationId, 4, `${o.run}-parity`, () => "Bench Parity");
  const ids = await submitRequests(o.service.url, BENCH_SECRET, requesters, toGlobalId("Product", o.productId), `bench-${o.run}-parity`);
  await settleOutbox(pool);
  const [a, b, c, d] = ids as [string, string, string, string];
  const strip = (data: Json, field: string) => {
    const answer = data[field];
    return { ...answer, licenseRequest: answer.licenseRequest ? { ...answer.licenseRequest, id: "ID" } : null };
  };
  const decide = async (server: ServerProcess, operation: string, field: string, id: string, key: string) =>
    strip(await graphql(server.url, o.token, operation, { id, key }), field);
  // Two licenses: one approval each.
  await pool.query("UPDATE product SET totalLicenses = assignedLicenses + 2 WHERE id = ?", [o.productId]);
  const keys = (id: string): [string, string] => [`parity-${o.run}-${id}`, `parity-${o.run}-${id}-deny`];
  deepStrictEqual(
    await decide(o.b2, APPROVE, "approveLicenseRequest", b, keys(b)[0]),
    await decide(o.service, APPROVE, "approveLicenseRequest", a, keys(a)[0]),
    "B2's approval answers otherwise than the service's",
  );
  // None left: both refuse with INSUFFICIENT_LICENSES, then deny.
  await pool.query("UPDATE product SET totalLicenses = assignedLicenses WHERE id = ?", [o.productId]);
  deepStrictEqual(
    await decide(o.b2, APPROVE, "approveLicenseRequest", d, keys(d)[0]),
    await decide(o.service, APPROVE, "approveLicenseRequest", c, keys(c)[0]),
    "B2's refusal answers otherwise than the service's",
  );
  deepStrictEqual(
    await decide(o.b2, DENY, "denyLicenseRequest", d, keys(d)[1]),
    await decide(o.service, DENY, "denyLicenseRequest", c, keys(c)[1]),
    "B2's denial answers otherwise than the service's",
  );
  for (const [ours, theirs, what] of [
    [a, b, "approval"],
    [c, d, "denial"],
  ] as const) {
    deepStrictEqual(
      await decisionRows(query, localIdOf(theirs, "LicenseRequest")!, keys(theirs)),
      await decisionRows(query, localIdOf(ours, "LicenseRequest")!, keys(ours)),
      `B2's ${what} wrote other rows than the service's`,
    );
  }
  // Replays: the same call again answers the same, and changes nothing.
  deepStrictEqual(
    await decide(o.b2, APPROVE, "approveLicenseRequest", b, keys(b)[0]),
    await decide(o.service, APPROVE, "approveLicenseRequest", a, keys(a)[0]),
    "B2's replay answers otherwise than the service's",
  );
}

/** `count` users of `organizationId`, written in one statement; their IDs. */
async function insertUsers(
  pool: mysql.Pool,
  organizationId: number,
  count: number,
  tag: string,
  name: (i: number) => string,
  role = "USER",
): Promise<{ id: number; organizationId: number }[]> {
  const values = Array.from({ length: count }, (_, i) => [organizationId, name(i), `bench-${tag}-${i}@bench.example`, role]);
  const [result] = await pool.query<mysql.ResultSetHeader>("INSERT INTO app_user (organizationId, displayName, email, role) VALUES ?", [values]);
  // One multi-row INSERT takes consecutive IDs (innodb_autoinc_lock_mode 1 or 2 with a single statement): checked.
  const ids = Array.from({ length: count }, (_, i) => result.insertId + i);
  const [found] = await pool.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM app_user WHERE id IN (?) AND email LIKE ?", [ids, `bench-${tag}-%`]);
  if (Number(found[0]?.["n"]) !== count) throw new Error("the users' IDs are not consecutive");
  return ids.map((id) => ({ id, organizationId }));
}

/**
 * The service and B2 side by side, each in a process of its own against one
 * fresh MySQL/MariaDB database (the demo seed): after a parity check and a
 * warm-up race each, `rounds` rounds; each round submits a fresh batch of
 * `requests` pending requests per server through the service's API (every
 * request as a user submits it: notices, decision links, activity entry),
 * settles the outbox, and races `admins` admins over each batch, the pool
 * set to three quarters of the batch before each race, alternating which
 * server goes first. Per round and as medians: decisions/s, p50, p99, CPU
 * per decision of the server and of the database, and the ratios; the
 * checks after every race, for both.
 */
export async function measureDecisionsAgainstB2(options: DecisionsAgainstB2Options): Promise<void> {
  const { say } = options;
  const rounds = options.rounds ?? 3;
  const count = options.requests ?? 500;
  const adminCount = options.admins ?? 20;
  const available = Math.floor((count * 3) / 4);
  const warmUpCount = Math.min(count, adminCount * 2);

  const quiet = await waitForQuietMachine({ maxWaitMs: (options.waitSeconds ?? 300) * 1000 });
  process.stdout.write(`decisions against B2: starting at load ${quiet.load} after waiting ${quiet.waitedSeconds.toFixed(0)} s\n`);
  const database = await freshDatabase(options.database, "lr_b2_decisions");
  const pool = mysql.createPool({ uri: options.database, connectionLimit: 4, supportBigNumbers: true, bigNumberStrings: false });
  const query: Query = async (sql, values) => (await pool.query<mysql.RowDataPacket[]>(sql, values))[0];
  let service: ServerProcess | null = null;
  let b2: ServerProcess | null = null;
  const measured: Measured[] = [];
  const warmUps: Measured[] = [];
  const seeding = { requests: 0, seconds: 0 };
  const startedAt = new Date();
  try {
    // The service runs the migrations and the demo seed as it starts.
    service = await startService(options.database, { extra: SERVICE_EXTRA_ENV });
    b2 = await startProcess(path.join(ROOT, "dist/bench/decisionsBaseline.js"), { DATABASE_URL: options.database, JWT_SECRET: BENCH_SECRET });
    const servers: Record<Server, ServerProcess> = { service, B2: b2 };
    const [[contoso]] = (await pool.query("SELECT organizationId FROM app_user WHERE email = 'admin@contoso.example'")) as unknown as [
      [{ organizationId: number }],
    ];
    const organizationId = contoso.organizationId;
    const [[product]] = (await pool.query("SELECT id FROM product WHERE organizationId = ? AND skuPartNumber = 'SPE_E5'", [organizationId])) as unknown as [
      [{ id: number }],
    ];
    const run = Date.now().toString(36);
    const admins = await insertUsers(pool, organizationId, adminCount, `${run}-admin`, (i) => `Bench Admin ${i}`, "GLOBAL_ADMIN");
    const tokens = await Promise.all(admins.map((a) => signToken(BENCH_SECRET, a, { expiresIn: "2h" })));
    const dbPid = databaseServerPid();

    const [parityToken] = tokens;
    if (!parityToken) throw new Error("no admin");
    await checkParity(pool, query, { service, b2, token: parityToken, organizationId, productId: product.id, run });

    /** A batch of `n` pending requests of fresh requesters, submitted through the service's API. */
    let batches = 0;
    const batch = async (n: number) => {
      const tag = `${run}-${batches++}`;
      const t0 = performance.now();
      const requesters = await insertUsers(pool, organizationId, n, tag, (i) => `Bench Requester ${i}`);
      const requestIds = await submitRequests(service!.url, BENCH_SECRET, requesters, toGlobalId("Product", product.id), `bench-${tag}`);
      seeding.requests += n;
      seeding.seconds += (performance.now() - t0) / 1000;
      process.stdout.write(`submitted ${n} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      return { requestIds, requesterIds: new Set(requesters.map((r) => r.id)) };
    };
    const measure = async (server: Server, round: number, work: { requestIds: string[]; requesterIds: Set<number> }): Promise<Measured> => {
      const poolSize = Math.floor((work.requestIds.length * 3) / 4);
      await pool.query("UPDATE product SET totalLicenses = assignedLicenses + ? WHERE id = ?", [poolSize, product.id]);
      await settleOutbox(pool);
      const [[before]] = (await pool.query("SELECT assignedLicenses, totalLicenses FROM product WHERE id = ?", [product.id])) as unknown as [
        [{ assignedLicenses: number; totalLicenses: number }],
      ];
      const target = servers[server];
      const cpu0 = target.cpuSeconds();
      const db0 = dbPid === null ? null : cpuSecondsOf(dbPid);
      const load1 = os.loadavg()[0] ?? 0;
      const result = await race(target.url, tokens, work.requestIds, `${run}${round}${server === "service" ? "s" : "b"}`);
      const cpu = target.cpuSeconds() - cpu0;
      const db = dbPid === null || db0 === null ? null : cpuSecondsOf(dbPid) - db0;
      const local = work.requestIds.map((id) => localIdOf(id, "LicenseRequest")!);
      const [[delivered]] = (await pool.query(
        "SELECT COUNT(*) AS n FROM outbox_email WHERE requestId IN (?) AND recipientUserId IN (?) AND sentAt BETWEEN ? AND ?",
        [local, [...work.requesterIds], result.startedAt, result.endedAt],
      )) as unknown as [[{ n: number }]];
      const checked = await checkRace(query, {
        productId: product.id,
        assignedBefore: before.assignedLicenses,
        requestIds: work.requestIds,
        requesterIds: work.requesterIds,
        answered: result.answered,
      });
      const sorted = [...result.latencies].sort((a, b) => a - b);
      const decisions = result.answered.size;
      return {
        server,
        round,
        decisions,
        seconds: result.seconds,
        perSecond: decisions / result.seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        cpuMs: (cpu * 1000) / decisions,
        dbCpuMs: db === null ? null : (db * 1000) / decisions,
        retried: result.retried,
        userErrorsOther: result.userErrorsOther,
        delivered: Number(delivered.n),
        load1,
        checks: { ...checked, before: { assigned: before.assignedLicenses, total: before.totalLicenses } },
        available: poolSize,
      };
    };

    // Warm-up: a small race each (JIT, pools, caches), checked, not counted.
    for (const server of ["service", "B2"] as const) warmUps.push(await measure(server, 0, await batch(warmUpCount)));

    for (let round = 1; round <= rounds; round++) {
      const order: Server[] = round % 2 === 1 ? ["service", "B2"] : ["B2", "service"];
      // Both batches first, then the two races back to back.
      const work = { service: await batch(count), B2: await batch(count) };
      for (const server of order) {
        const m = await measure(server, round, work[server]);
        measured.push(m);
        process.stdout.write(`round ${round} ${server}: ${m.perSecond.toFixed(1)} decisions/s, p99 ${m.p99.toFixed(1)} ms\n`);
      }
    }
  } finally {
    await b2?.stop();
    await service?.stop();
    await pool.end();
    await database.drop();
  }

  // ---------------------------------------------------------- the report
  const loadAfter = loadAverage();
  const f = (n: number, digits = 1) => n.toFixed(digits);
  const of = (server: Server) => measured.filter((m) => m.server === server);
  const notAResult = !quiet.quiet || rounds < 3;
  say(`## Decisions against B2 (hand-written node:http + mysql2 approval and denial), one run`);
  say();
  if (!quiet.quiet) {
    say(`**The run started with the 1-minute load average above 1.5 (${quiet.load}) after waiting ${quiet.waitedSeconds.toFixed(0)} s: not a result.**`);
  }
  if (rounds < 3) say(`**Fewer than 3 rounds: not a result.**`);
  if (notAResult) say();
  say(`- date: ${startedAt.toISOString()}`);
  say(`- database: MySQL protocol (${database.version}), one fresh database for both; the demo seed`);
  say(`- machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
  say(`- load average (1 / 5 / 15 min): before ${quiet.load} (after waiting ${quiet.waitedSeconds.toFixed(0)} s), after ${loadAfter}`);
  say(
    `- each race: ${adminCount} global admins deciding ${count} distinct pending requests of one product (Microsoft 365 E5), its pool holding ${available}; each admin approves the next undecided request and denies it on INSUFFICIENT_LICENSES (latency: the approval, plus the denial where one followed)`,
  );
  say(
    `- each round: a fresh batch per server, submitted through the service's API (notices, decision links, activity entries as for any request), the outbox settled, then the two races back to back, alternating which server goes first; ${rounds} rounds after a warm-up race of ${warmUpCount} each`,
  );
  say(
    `- submitted through the API: ${seeding.requests.toLocaleString("en")} requests in ${f(seeding.seconds)} s (${f(seeding.requests / seeding.seconds)}/s, ten submitters at a time), not measured`,
  );
  say(
    `- B2's answers and every row it writes checked equal to the service's before the races (an approval, a refusal for want of licenses, a denial, a replay)`,
  );
  say(
    `- both servers in processes of their own with \`npm start\`'s Node flags; the service in production mode, logging every operation at info, its email dispatcher polling hourly (it still delivers after every commit that wrote emails)`,
  );
  say();
  say(
    `| round | server | decisions | seconds | decisions/s | p50 ms | p99 ms | server CPU ms/decision | DB CPU ms/decision | approved | denied | 503 retried | emails delivered during the race | load (1 min) |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const m of measured) {
    say(
      `| ${m.round} | ${m.server} | ${m.decisions} | ${f(m.seconds, 2)} | ${f(m.perSecond)} | ${f(m.p50)} | ${f(m.p99)} | ${f(m.cpuMs, 2)} | ${m.dbCpuMs === null ? "n/a" : f(m.dbCpuMs, 2)} | ${m.checks.approvals} | ${m.checks.denials} | ${m.retried} | ${m.delivered} | ${f(m.load1, 2)} |`,
    );
  }
  say();
  say(`| round | throughput ratio service / B2 (≥ 0.5) | p99 ratio service / B2 (≤ 2) |`);
  say(`| --- | --- | --- |`);
  const ratios: { throughput: number; p99: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const s = measured.find((m) => m.round === round && m.server === "service");
    const b = measured.find((m) => m.round === round && m.server === "B2");
    if (!s || !b) continue;
    const r = { throughput: s.perSecond / b.perSecond, p99: s.p99 / b.p99 };
    ratios.push(r);
    say(`| ${round} | ${f(r.throughput, 2)} | ${f(r.p99, 2)} |`);
  }
  say();
  const mid = (server: Server, pick: (m: Measured) => number) => median(of(server).map(pick));
  say(`Medians over the rounds:`);
  say();
  say(`| server | decisions/s | p50 ms | p99 ms | server CPU ms/decision | DB CPU ms/decision |`);
  say(`| --- | --- | --- | --- | --- | --- |`);
  for (const server of ["service", "B2"] as const) {
    const db = of(server).every((m) => m.dbCpuMs !== null)
      ? f(
          mid(server, (m) => m.dbCpuMs!),
          2,
        )
      : "n/a";
    say(
      `| ${server} | ${f(mid(server, (m) => m.perSecond))} | ${f(mid(server, (m) => m.p50))} | ${f(mid(server, (m) => m.p99))} | ${f(
        mid(server, (m) => m.cpuMs),
        2,
      )} | ${db} |`,
    );
  }
  say();
  const throughputRatio = median(ratios.map((r) => r.throughput));
  const p99Ratio = median(ratios.map((r) => r.p99));
  say(
    `- throughput ratio service / B2, median of the rounds: **${f(throughputRatio, 2)}** (target ≥ 0.5: ${throughputRatio >= 0.5 ? "met" : "not met"}); ratio of the medians ${f(mid("service", (m) => m.perSecond) / mid("B2", (m) => m.perSecond), 2)}`,
  );
  say(
    `- p99 ratio service / B2, median of the rounds: **${f(p99Ratio, 2)}** (target ≤ 2: ${p99Ratio <= 2 ? "met" : "not met"}); ratio of the medians ${f(mid("service", (m) => m.p99) / mid("B2", (m) => m.p99), 2)}`,
  );
  say();
  say(`Checked after every race (warm-up included), from the database:`);
  say();
  say(
    `| race | server | oversubscription | pool after (assigned / total; before + approvals) | lost decisions | licenses not matching an approval | duplicate emails | decision emails missing | approvals = pool | other user errors |`,
  );
  say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  let inconsistent = false;
  for (const m of [...warmUps, ...measured]) {
    const c = m.checks;
    const bad = c.oversubscribed || c.lost || c.assignmentsOff || c.duplicateEmails || c.missingEmails || c.approvals !== m.available;
    if (bad) inconsistent = true;
    say(
      `| ${m.round === 0 ? "warm-up" : `round ${m.round}`} | ${m.server} | ${c.oversubscribed ? "YES" : "none"} | ${c.after.assigned} / ${c.after.total}; ${c.before.assigned} + ${c.approvals} | ${c.lost} | ${c.assignmentsOff} | ${c.duplicateEmails} | ${c.missingEmails} | ${c.approvals === m.available ? "yes" : `NO (${c.approvals} of ${m.available})`} | ${m.userErrorsOther} |`,
    );
  }
  say();
  say(
    `Duplicate emails: outbox rows per request and recipient above one. Decision emails missing: requests whose requester has no outbox row (each is emailed once; the other rows are the admins' notices of the submissions). Emails delivered during the race: the batch's decision emails the service's dispatcher sent while its race ran (B2 writes the outbox and sends nothing; the outbox is settled before every race).`,
  );
  say();
  if (inconsistent) throw new Error("the decisions benchmark against B2 found an inconsistency (see above)");
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const integer = (name: string, least: number): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < least) throw new Error(`--${name} must be an integer of at least ${least}`);
    return n;
  };
  const positive = (name: string) => integer(name, 1);
  const lines: string[] = [];
  const rounds = positive("rounds");
  const requests = positive("requests");
  const admins = positive("admins");
  const waitSeconds = integer("wait", 0);
  measureDecisionsAgainstB2({
    database: value("database") ?? "mysql://root@127.0.0.1:3306/lr_b2_decisions",
    ...(rounds ? { rounds } : {}),
    ...(requests ? { requests } : {}),
    ...(admins ? { admins } : {}),
    ...(waitSeconds !== undefined ? { waitSeconds } : {}),
    say: (line = "") => {
      lines.push(line);
      process.stdout.write(`${line}\n`);
    },
  })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      const out = value("out");
      if (out && lines.length) fs.writeFileSync(path.resolve(ROOT, out), `${lines.join("\n")}\n`);
    });
}
