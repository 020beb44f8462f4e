/**
 * The activity log as tests see it (api.md "Nothing missed"): an
 * organization of the test's own with people and products enough for many
 * changes, the changes made over HTTP against any instance, the log read
 * straight from the database, the invariant that ties every request's
 * changes to its entries, and readers of the log over HTTP and graphql-ws.
 */
import { randomUUID } from "node:crypto";
import { createClient as createSseClient } from "graphql-sse";
import type { DataSource } from "typeorm";
import type { ProductEntity, UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { OrganizationSeed, seedOrganization } from "./seed";
import { Json, postGraphQL } from "./processes";
import { liveClient, LiveClient, LiveSubscription } from "./ws";

export const cursorOf = (organizationId: number, seq: number) => Buffer.from(`ev1:${organizationId}:${seq}`).toString("base64url");
export const seqOf = (cursor: string) => Number(Buffer.from(cursor, "base64url").toString("utf8").split(":")[2]);

/** What a test reads of an entry, over any transport. */
export const EVENT_FIELDS = "cursor kind status licenseRequest { id }";
export interface EventSeen {
  cursor: string;
  kind: string;
  status: string;
  licenseRequest: { id: string } | null;
}

export const EVENTS_QUERY = `query($after: String, $first: Int, $filter: LicenseRequestEventFilter) {
  licenseRequestEvents(after: $after, first: $first, filter: $filter) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;
export const EVENTS_SUBSCRIPTION = `subscription($after: String, $filter: LicenseRequestEventFilter) {
  licenseRequestEvents(after: $after, filter: $filter) { ${EVENT_FIELDS} }
}`;

/** One stored entry. */
export interface StoredEntry {
  id: number;
  seq: number;
  requestId: number;
  kind: string;
  status: string;
}

/** The organization's entries as stored, oldest first. */
export async function storedEntries(ds: DataSource, organizationId: number): Promise<StoredEntry[]> {
  const rows = await ds.query<Record<string, unknown>[]>(
    'SELECT "id", "seq", "requestId", "kind", "status" FROM "license_request_event" WHERE "organizationId" = ? ORDER BY "seq"'.replace(
      /"/g,
      ds.options.type === "better-sqlite3" ? '"' : "`",
    ),
    [organizationId],
  );
  return rows.map((r) => ({ id: Number(r.id), seq: Number(r.seq), requestId: Number(r.requestId), kind: String(r.kind), status: String(r.status) }));
}

/**
 * Every way the log and the changes it tells of disagree, for one organization
 * (none: []). Each request has exactly the entries its stored state says it
 * went through (SUBMITTED, then the entry of its status when it is no longer
 * pending, and one RECOMMENDED per second opinion stored), in that order; no
 * entry names a request that is not stored; the entries are numbered 1..N
 * without a gap or a duplicate (when `fromSeq` is 1: nothing was pruned).
 */
export async function logDisagreements(ds: DataSource, organizationId: number, fromSeq = 1): Promise<string[]> {
  const q = (sql: string) => (ds.options.type === "better-sqlite3" ? sql : sql.replace(/"/g, "`"));
  const requests = await ds.query<{ id: number | string; status: string }[]>(q('SELECT "id", "status" FROM "license_request" WHERE "organizationId" = ?'), [
    organizationId,
  ]);
  const recommendations = await ds.query<{ requestId: number | string; n: number | string }[]>(
    q('SELECT "requestId", COUNT(*) AS n FROM "license_request_recommendation" WHERE "organizationId" = ? GROUP BY "requestId"'),
    [organizationId],
  );
  const recommended = new Map(recommendations.map((r) => [Number(r.requestId), Number(r.n)]));
  const entries = (await storedEntries(ds, organizationId)).filter((e) => e.kind !== "SHARED" && e.kind !== "SHARE_REVOKED");
  const all = await storedEntries(ds, organizationId);
  const problems: string[] = [];
  all.forEach((entry, i) => {
    if (entry.seq !== fromSeq + i) problems.push(`entry ${entry.id} is number ${entry.seq}, not ${fromSeq + i}`);
  });
  const byRequest = new Map<number, StoredEntry[]>();
  for (const entry of entries) byRequest.set(entry.requestId, [...(byRequest.get(entry.requestId) ?? []), entry]);
  const stored = new Set(requests.map((r) => Number(r.id)));
  for (const requestId of byRequest.keys()) if (!stored.has(requestId)) problems.push(`entries of request ${requestId}, which is not stored`);
  for (const request of requests) {
    const id = Number(request.id);
    const kinds = (byRequest.get(id) ?? []).map((e) => e.kind);
    const terminal = request.status === "PENDING" ? [] : [request.status];
    const expected = ["SUBMITTED", ...terminal].sort();
    const withoutRecommendations = kinds.filter((k) => k !== "RECOMMENDED");
    if (
      JSON.stringify(withoutRecommendations) !== JSON.stringify(["SUBMITTED", ...terminal]) ||
      JSON.stringify([...withoutRecommendations].sort()) !== JSON.stringify(expected)
    )
      problems.push(`request ${id} is ${request.status} with the entries ${JSON.stringify(kinds)}`);
    if (kinds.length - withoutRecommendations.length !== (recommended.get(id) ?? 0))
      problems.push(`request ${id} has ${recommended.get(id) ?? 0} second opinions and ${kinds.length - withoutRecommendations.length} RECOMMENDED entries`);
    const last = (byRequest.get(id) ?? []).filter((e) => e.kind !== "RECOMMENDED").pop();
    if (last && last.status !== request.status) problems.push(`request ${id} is ${request.status}, its last entry says ${last.status}`);
  }
  return problems;
}

/** An organization with `people` users, `products` products (licenses plenty) and a global admin, and tokens for all. */
export interface ActivityOrganization {
  seed: OrganizationSeed;
  id: number;
  admin: UserEntity;
  adminToken: string;
  people: UserEntity[];
  tokens: Map<number, string>;
  products: ProductEntity[];
}

export async function activityOrganization(ds: DataSource, options: { people?: number; products?: number; name?: string } = {}): Promise<ActivityOrganization> {
  const seed = await seedOrganization(ds, options.name);
  const admin = await seed.user({ role: "GLOBAL_ADMIN" });
  const people: UserEntity[] = [];
  for (let i = 0; i < (options.people ?? 10); i++) people.push(await seed.user());
  const products: ProductEntity[] = [];
  for (let i = 0; i < (options.products ?? 10); i++) products.push(await seed.product({ total: 100_000, plans: 1 }));
  const tokens = new Map<number, string>();
  for (const user of [admin, ...people]) tokens.set(user.id, await seed.token(user));
  return { seed, id: seed.organization.id, admin, adminToken: tokens.get(admin.id)!, people, tokens, products };
}

/** Attempts of one change answered SERVICE_UNAVAILABLE before it counts as failed. */
const UNAVAILABLE_ATTEMPTS = 5;

/**
 * Mutations against one instance (`{ url }`), each answering whether it acted
 * (userErrors empty) and the request's ID. Each is sent as a careful client
 * sends it: with an idempotency key, and again with the same key when the
 * answer is SERVICE_UNAVAILABLE (an organization's changes queue on its log's
 * head; on a busy machine the last in a queue can wait past the service's
 * statement bound, and the service sheds it with "retry shortly"). The key
 * makes the retry act at most once, so the suites' exactly-once checks hold.
 * `retryUnavailable: false` answers the first SERVICE_UNAVAILABLE as it came
 * (a suite that kills a change's connection asks for that answer).
 */
export function activityChanges(instance: { url: string }, options: { retryUnavailable?: boolean } = {}) {
  const attempts = options.retryUnavailable === false ? 1 : UNAVAILABLE_ATTEMPTS;
  const mutate = async (token: string, field: string, inputType: string, fields: Json) => {
    const input = { ...fields, idempotencyKey: randomUUID() };
    let body: Awaited<ReturnType<typeof postGraphQL>>;
    for (let attempt = 1; ; attempt++) {
      body = await postGraphQL(
        instance,
        token,
        `mutation($input: ${inputType}!) { ${field}(input: $input) { licenseRequest { id status } userErrors { code message } } }`,
        { input },
      );
      const unavailable = body.errors?.some((e) => (e as { extensions?: { code?: string } }).extensions?.code === "SERVICE_UNAVAILABLE");
      if (!unavailable || attempt >= attempts) break;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
    if (body.errors) throw new Error(`${field}: ${JSON.stringify(body.errors)}`);
    const payload = body.data![field] as { licenseRequest: { id: string; status: string } | null; userErrors: { code: string }[] };
    return { acted: payload.userErrors.length === 0, id: payload.licenseRequest?.id ?? null, errors: payload.userErrors };
  };
  return {
    submit: (token: string, product: { id: number }, others: { id: number }[] = []) =>
      mutate(token, "submitLicenseRequest", "SubmitLicenseRequestInput", {
        productId: toGlobalId("Product", product.id),
        additionalUserIds: others.map((u) => toGlobalId("User", u.id)),
      }),
    approve: (token: string, requestId: string, excluded: { id: number }[] = []) =>
      mutate(token, "approveLicenseRequest", "ApproveLicenseRequestInput", { requestId, excludedUserIds: excluded.map((u) => toGlobalId("User", u.id)) }),
    deny: (token: string, requestId: string) => mutate(token, "denyLicenseRequest", "DenyLicenseRequestInput", { requestId }),
    cancel: (token: string, requestId: string) => mutate(token, "cancelLicenseRequest", "CancelLicenseRequestInput", { requestId }),
    /** The request as `token`'s viewer reads it (null when not visible): its state and how it was decided. */
    read: async (token: string, requestId: string) => {
      const body = await postGraphQL(
        instance,
        token,
        `query($id: ID!) { licenseRequest(id: $id) { id status decidedAt decidedBy { id } decidedOnBehalfOf { id } decisionChannel recipients { decision user { id } } } }`,
        { id: requestId },
      );
      if (body.errors) throw new Error(`licenseRequest: ${JSON.stringify(body.errors)}`);
      return body.data!.licenseRequest as Json | null;
    },
  };
}

/** Runs `tasks` with at most `parallel` at a time; their results in order. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]();
      }
    }),
  );
  return results;
}

/**
 * `count` changes (an even number) of `org` against `instance`, `parallel`
 * at a time: each pair of a person and a product is submitted, then cancelled
 * by its requester or denied by the admin (so nothing is left pending and the
 * pair can be submitted again). Answers how many changes acted.
 */
export async function churn(instance: { url: string }, org: ActivityOrganization, count: number, parallel = 4): Promise<number> {
  if (count % 2) throw new Error("churn makes changes in pairs: ask for an even number");
  const changes = activityChanges(instance);
  const lanes = Math.min(parallel, org.people.length);
  let started = 0;
  let made = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const person = org.people[lane];
      const token = org.tokens.get(person.id)!;
      for (let i = 0; started < count; i++) {
        started += 2;
        const submitted = await changes.submit(token, org.products[i % org.products.length]);
        if (!submitted.acted) throw new Error(`submit: ${JSON.stringify(submitted.errors)}`);
        const ended = i % 2 ? await changes.cancel(token, submitted.id!) : await changes.deny(org.adminToken, submitted.id!);
        if (!ended.acted) throw new Error(`end: ${JSON.stringify(ended.errors)}`);
        made += 2;
      }
    }),
  );
  return made;
}

/** A subscription opened on an instance, and what it received. */
export interface OpenFeed {
  subscription: LiveSubscription;
  received(): EventSeen[];
  close(): Promise<void>;
}

export function openFeed(instance: { wsUrl: string }, token: string, after: string | null, client?: LiveClient): OpenFeed {
  const live = client ?? liveClient(instance.wsUrl, token);
  const subscription = live.subscribe(EVENTS_SUBSCRIPTION, { after });
  return {
    subscription,
    received: () =>
      subscription.inbox.all.map((m) => {
        if (m.kind !== "next" || m.payload.errors) throw new Error(`the subscription answered ${JSON.stringify(m)}`);
        return (m.payload.data as { licenseRequestEvents: EventSeen }).licenseRequestEvents;
      }),
    close: async () => {
      subscription.unsubscribe();
      if (!client) await live.dispose();
    },
  };
}

/** The same feed over Server-Sent Events (graphql-sse's client, distinct connections mode, never retrying). */
export function openSseFeed(instance: { url: string }, token: string, after: string | null): Omit<OpenFeed, "subscription"> {
  const client = createSseClient({ url: `${instance.url}/graphql/stream`, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  const seen: EventSeen[] = [];
  let failure: unknown = null;
  const dispose = client.subscribe<{ licenseRequestEvents: EventSeen }>(
    { query: EVENTS_SUBSCRIPTION, variables: { after } },
    {
      next: (result) => {
        if (result.errors || !result.data) failure ??= result.errors ?? "no data";
        else seen.push(result.data.licenseRequestEvents);
      },
      error: (error) => (failure ??= error),
      complete: () => undefined,
    },
  );
  return {
    received: () => {
      if (failure) throw new Error(`the stream answered ${JSON.stringify(failure)}`);
      return seen;
    },
    close: async () => {
      dispose();
      client.dispose();
    },
  };
}

/** Pages through the query from `after` until hasNextPage is false. */
export async function readAllOverHttp(instance: { url: string }, token: string, after: string | null, first = 100): Promise<EventSeen[]> {
  const seen: EventSeen[] = [];
  let cursor = after;
  for (;;) {
    const body = await postGraphQL(instance, token, EVENTS_QUERY, { after: cursor, first });
    if (body.errors) throw new Error(`licenseRequestEvents: ${JSON.stringify(body.errors)}`);
    const page = body.data!.licenseRequestEvents as { nodes: EventSeen[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    seen.push(...page.nodes);
    cursor = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage) return seen;
  }
}
