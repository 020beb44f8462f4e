/**
 * Resuming the activity log without a gap or a duplicate (api.md "Nothing
 * missed"), with two real server processes on one database (MariaDB with
 * TEST_DATABASE_URL, else one SQLite file) sharing events through a Redis of
 * the test's own: changes are made on instance A, read on instance B.
 *
 * - A dashboard on B subscribes from a cursor while changes commit on A
 *   (during its replay), its connection is cut mid-stream (a TCP proxy
 *   between it and B closes), 1,000 changes commit while it is away, and it
 *   subscribes again with the last cursor it saw: what it received in all
 *   is exactly the log's entries after the first cursor, each once, in order.
 *   The query, paged with endCursor while changes commit, gives the same.
 * - 50 subscribers spread over both instances (global admins and requesters)
 *   each get every entry they may see exactly once, in order.
 * - Another organization's cursor is BAD_USER_INPUT, over HTTP and over
 *   graphql-ws; once the clock moved past EVENT_RETENTION_DAYS and both
 *   instances pruned, the first cursor is CURSOR_EXPIRED over both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DataSource } from "typeorm";
import { signToken } from "../../src/services/access/authentication";
import { fromGlobalId, toGlobalId } from "../../src/services/shared/ids";
import {
  activityChanges,
  activityOrganization,
  ActivityOrganization,
  churn,
  cursorOf,
  EventSeen,
  EVENTS_QUERY,
  EVENTS_SUBSCRIPTION,
  openFeed,
  OpenFeed,
  readAllOverHttp,
  seqOf,
  storedEntries,
  StoredEntry,
} from "../helpers/activity";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, RedisServer, ServiceProcess, startRedis, startServiceProcess } from "../helpers/processes";
import { startTcpProxy } from "../helpers/tcpProxy";
import { eventually, liveClient, LiveClient, within } from "../helpers/ws";

jest.setTimeout(90_000);

const DAY = 86_400_000;

describe("resuming the activity log across two server instances over Redis", () => {
  let database: TestDatabase;
  let redis: RedisServer;
  let clockFile: string;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let ds: DataSource;
  let org: ActivityOrganization;
  /** The cursor the dashboard of the first test started from. */
  let firstCursor: string;
  const clients: LiveClient[] = [];

  /** The entries a global admin sees after `seq`: all of them (no internal kinds are written here). */
  const expectedAfter = async (seq: number) => (await storedEntries(ds, org.id)).filter((e) => e.seq > seq);
  const asSeen = (entries: StoredEntry[]) => entries.map((e) => [e.seq, e.kind, toGlobalId("LicenseRequest", e.requestId)]);
  const asReceived = (events: EventSeen[]) => events.map((e) => [seqOf(e.cursor), e.kind, e.licenseRequest?.id]);

  beforeAll(async () => {
    requireBuild();
    [database, redis] = await Promise.all([createTestDatabase(), startRedis()]);
    clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "activity-resume-")), "clock");
    fs.writeFileSync(clockFile, "0");
    const env = {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: redis.url,
      SEED_DEMO_DATA: "false",
      TEST_CLOCK_FILE: clockFile,
      EVENT_RETENTION_DAYS: "1",
      EXPIRY_SWEEP_INTERVAL_MS: "100",
      RATE_LIMIT_BUCKET_SIZE: "1000000000",
      RATE_LIMIT_RESTORE_RATE: "100000000",
    };
    // One after the other: the first migrates the fresh database.
    a = await startServiceProcess(DIST_ENTRY, env);
    b = await startServiceProcess(DIST_ENTRY, env);
    ds = await database.open();
    org = await activityOrganization(ds, { people: 10, products: 10 });
  });

  /** Closes the sockets a test opened (the server allows each user a few at once). */
  const disposeClients = async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  };

  afterEach(disposeClients);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await ds?.destroy();
    await database?.drop();
    if (clockFile) fs.rmSync(path.dirname(clockFile), { recursive: true, force: true });
  });

  it("gives a dashboard on B that was cut off mid-stream every entry written on A after its first cursor exactly once, in order, when it resumes from the last cursor it saw", async () => {
    expect(await churn(a, org, 40)).toBe(40);
    firstCursor = cursorOf(org.id, 10);

    // The dashboard reaches B through a proxy, the way a network between them would be cut.
    const port = Number(new URL(b.url).port);
    const proxy = await startTcpProxy({ host: "127.0.0.1", port });
    const first = liveClient(`ws://127.0.0.1:${proxy.port}/graphql`, org.adminToken);
    clients.push(first);
    const before = openFeed(b, org.adminToken, firstCursor, first);
    // Changes commit on A while B replays the 30 entries after the cursor.
    const during = churn(a, org, 100, 4);
    await eventually(() => before.subscription.inbox.all.length >= 60, 30_000, "the dashboard to receive 60 entries");
    await proxy.close();
    await eventually(() => first.closes.all.length > 0, 10_000, "the dashboard to see its socket close");
    expect(await during).toBe(100);
    // What it received before the cut, then the cut itself.
    const cut = before.subscription.inbox.all.pop();
    expect(cut).toMatchObject({ kind: "error", errors: [{ message: expect.stringMatching(/^socket closed/) }] });
    const seenBefore = before.received();
    const last = seenBefore[seenBefore.length - 1].cursor;

    // 1,000 changes while it is away.
    expect(await churn(a, org, 1_000, 10)).toBe(1_000);
    const head = (await storedEntries(ds, org.id)).length;
    expect(seqOf(last)).toBeLessThan(head - 1_000);

    const again = liveClient(b.wsUrl, org.adminToken);
    clients.push(again);
    const after = openFeed(b, org.adminToken, last, again);
    // And a few more, live, once it is back.
    expect(await churn(a, org, 20, 2)).toBe(20);
    const total = head + 20;
    await eventually(() => seenBefore.length + after.subscription.inbox.all.length >= total - 10, 30_000, `the dashboard to catch up to entry ${total}`);
    const union = [...seenBefore, ...after.received()];
    expect(asReceived(union)).toEqual(asSeen(await expectedAfter(10)));
    expect(union.length).toBe(total - 10);

    // The query over HTTP, paged with endCursor from the same cursor, on either instance.
    expect(asReceived(await readAllOverHttp(b, org.adminToken, firstCursor, 100))).toEqual(asSeen(await expectedAfter(10)));
    expect(asReceived(await readAllOverHttp(a, org.adminToken, last, 37))).toEqual(asSeen(await expectedAfter(seqOf(last))));
  });

  it("gives the query, paged with endCursor on B while changes commit on A, every entry once, in order", async () => {
    const from = (await storedEntries(ds, org.id)).length;
    const writing = churn(a, org, 200, 4);
    let done = false;
    void writing.then(() => (done = true));
    const seen: EventSeen[] = [];
    let cursor = cursorOf(org.id, from);
    for (;;) {
      // Whether the writes ended is read before the page: a page read after they ended holds the last of them.
      const ended = done;
      const body = await postGraphQL(b, org.adminToken, EVENTS_QUERY, { after: cursor, first: 23 });
      expect(body.errors).toBeUndefined();
      const page = body.data!.licenseRequestEvents as { nodes: EventSeen[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      seen.push(...page.nodes);
      cursor = page.pageInfo.endCursor;
      if (ended && !page.pageInfo.hasNextPage) break;
    }
    expect(await writing).toBe(200);
    expect(asReceived(seen)).toEqual(asSeen(await expectedAfter(from)));
    expect(seen).toHaveLength(200);
  });

  it("gives each of 50 subscribers spread over both instances every entry it may see exactly once, in order", async () => {
    const from = (await storedEntries(ds, org.id)).length;
    const start = cursorOf(org.id, from);
    const viewers = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? org.admin : org.people[i % org.people.length]));
    const feeds: { viewer: (typeof viewers)[number]; feed: OpenFeed }[] = viewers.map((viewer, i) => {
      const client = liveClient((i % 2 ? a : b).wsUrl, org.tokens.get(viewer.id)!);
      clients.push(client);
      // From the cursor of now: nothing committed after it is missed, however long the subscription takes to start.
      return { viewer, feed: openFeed(i % 2 ? a : b, org.tokens.get(viewer.id)!, start, client) };
    });
    const [onA, onB] = await Promise.all([
      churn(a, { ...org, people: org.people.slice(0, 5) }, 100, 5),
      churn(b, { ...org, people: org.people.slice(5) }, 100, 5),
    ]);
    expect(onA + onB).toBe(200);
    // Last, a request naming everyone: each subscriber's next entry after the others must be this one.
    const sentinel = await activityChanges(b).submit(org.adminToken, await org.seed.product({ total: 100 }), org.people);
    expect(sentinel.acted).toBe(true);
    const sentinelId = fromGlobalId(sentinel.id!)!.localId;

    const entries = await expectedAfter(from);
    const requesters = new Map(
      (await ds.query<{ id: number; requesterId: number }[]>("SELECT id, requesterId FROM license_request WHERE organizationId = ?", [org.id])).map((r) => [
        Number(r.id),
        Number(r.requesterId),
      ]),
    );
    for (const { viewer, feed } of feeds) {
      const visible = entries.filter((e) => viewer.id === org.admin.id || requesters.get(e.requestId) === viewer.id || e.requestId === sentinelId);
      await eventually(() => feed.subscription.inbox.all.length >= visible.length, 30_000, `a subscriber to receive ${visible.length} entries`);
      expect(asReceived(feed.received())).toEqual(asSeen(visible));
    }
  });

  it("refuses another organization's cursor over HTTP and graphql-ws, and answers CURSOR_EXPIRED once both instances pruned past retention", async () => {
    const other = await activityOrganization(ds, { people: 1, products: 1 });
    expect((await activityChanges(a).submit(other.tokens.get(other.people[0].id)!, other.products[0])).acted).toBe(true);
    const codeOver = async (instance: ServiceProcess, token: string, after: string) => {
      const http = await postGraphQL(instance, token, EVENTS_QUERY, { after });
      const live = liveClient(instance.wsUrl, token);
      const ws = await live.subscribe(EVENTS_SUBSCRIPTION, { after }).nextError();
      await live.dispose();
      return { http: (http.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code, ws: ws[0]?.extensions?.["code"] ?? ws };
    };
    // Org's cursor given by another organization's admin, and the other's own cursor given to org's admin.
    expect(await codeOver(a, other.adminToken, firstCursor)).toEqual({ http: "BAD_USER_INPUT", ws: "BAD_USER_INPUT" });
    expect(await codeOver(b, org.adminToken, cursorOf(other.id, 0))).toEqual({ http: "BAD_USER_INPUT", ws: "BAD_USER_INPUT" });

    // Two days later, with one day kept: both instances' sweeps prune all but each organization's newest entry.
    const head = (await storedEntries(ds, org.id)).length;
    fs.writeFileSync(clockFile, String(2 * DAY));
    await eventually(async () => (await storedEntries(ds, org.id)).length === 1, 20_000, "the sweeps to prune the log");
    // A token good on the moved clock.
    const adminToken = await signToken(TEST_JWT_SECRET, org.admin, { expiresIn: "7d" });
    expect(await codeOver(b, adminToken, firstCursor)).toEqual({ http: "CURSOR_EXPIRED", ws: "CURSOR_EXPIRED" });
    expect(await codeOver(a, adminToken, cursorOf(org.id, head - 2))).toEqual({ http: "CURSOR_EXPIRED", ws: "CURSOR_EXPIRED" });
    // The newest entry's cursor goes on: nothing is missed from there.
    const fresh = await within(readAllOverHttp(b, adminToken, cursorOf(org.id, head)), 10_000, "a read from the newest cursor");
    expect(fresh).toEqual([]);
  });
});
