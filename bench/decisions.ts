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
 */
import { performance } from "node:perf_hooks";
import type { DataSource } from "typeorm";
import { signToken } from "../src/services/access/authentication";
import { localIdOf, toGlobalId } from "../src/services/shared/ids";
import { ProductEntity, UserEntity } from "../src/entities";

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

const APPROVE = `mutation Approve($id: ID!, $key: String) { approveLicenseRequest(input: { requestId: $id, idempotencyKey: $key }) { licenseRequest { id status } userErrors { code message } } }`;
const DENY = `mutation Deny($id: ID!, $key: String) { denyLicenseRequest(input: { requestId: $id, idempotencyKey: $key, message: "The pool is empty." }) { licenseRequest { id status } userErrors { code message } } }`;
const SUBMIT = `mutation Submit($p: ID!, $key: String) { submitLicenseRequest(input: { productId: $p, idempotencyKey: $key }) { licenseRequest { id } userErrors { message } } }`;

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
  const productId = toGlobalId("Product", product.id);
  const requestIds: string[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = requesters.slice(start, start + 10);
    const ids = await Promise.all(
      batch.map(async (user) => {
        const data = await graphql(url, await signToken(options.secret, user), SUBMIT, { p: productId, key: `bench-${run}-submit` });
        const id = data["submitLicenseRequest"].licenseRequest?.id as string | undefined;
        if (!id) throw new Error(`submit refused: ${JSON.stringify(data["submitLicenseRequest"].userErrors)}`);
        return id;
      }),
    );
    requestIds.push(...ids);
  }

  // The race.
  const tokens = await Promise.all(admins.map((a) => signToken(options.secret, a)));
  const queue = [...requestIds];
  const answered = new Map<string, string>();
  const latencies: number[] = [];
  let userErrorsOther = 0;
  retried = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, admin) => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const t0 = performance.now();
        const key = `bench-${run}-${admin}-${id}`;
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
  const seconds = (performance.now() - started) / 1000;

  // The checks, from the database.
  const local = requestIds.map((id) => localIdOf(id, "LicenseRequest")!);
  const placeholders = local.map(() => "?").join(",");
  const after = await products.findOneByOrFail({ id: product.id });
  const approvals = [...answered.values()].filter((s) => s === "APPROVED").length;
  const denials = [...answered.values()].filter((s) => s === "DENIED").length;
  const stored = await dataSource.query<{ id: number; status: string }[]>(`SELECT id, status FROM license_request WHERE id IN (${placeholders})`, local);
  const lost = stored.filter((row) => answered.get(toGlobalId("LicenseRequest", Number(row.id))) !== row.status).length + (count - stored.length);
  const assignmentRows = await dataSource.query<{ requestId: number; n: number | string }[]>(
    `SELECT requestId, COUNT(*) AS n FROM license_assignment WHERE requestId IN (${placeholders}) GROUP BY requestId`,
    local,
  );
  const assignmentsOff = assignmentRows.filter(
    (r) => Number(r.n) !== 1 || answered.get(toGlobalId("LicenseRequest", Number(r.requestId))) !== "APPROVED",
  ).length;
  const emails = await dataSource.query<{ recipientUserId: number | string; n: number | string }[]>(
    `SELECT requestId, recipientUserId, COUNT(*) AS n FROM outbox_email WHERE requestId IN (${placeholders}) GROUP BY requestId, recipientUserId`,
    local,
  );
  const duplicateEmails = emails.filter((e) => Number(e.n) > 1).length;
  // Each decision emails its requester (the only recipient); the admins' notices of the submissions are the other rows.
  const requesterIds = new Set(requesters.map((u) => u.id));
  const missingEmails = count - emails.filter((e) => requesterIds.has(Number(e.recipientUserId))).length;
  const oversubscribed = after.assignedLicenses > after.totalLicenses || after.assignedLicenses !== before.assignedLicenses + approvals;

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
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
    `- oversubscription: ${oversubscribed ? "YES" : "none"} (pool ${after.assignedLicenses} assigned of ${after.totalLicenses}; ${before.assignedLicenses} before + ${approvals} approvals)`,
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
