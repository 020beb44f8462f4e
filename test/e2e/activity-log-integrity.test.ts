/**
 * The activity log and the changes it tells of commit together, on MariaDB
 * (api.md "Nothing missed": never an entry without its change, never a
 * change without its entry; entries of an organization ordered by commit; the
 * log pruned without making writers wait):
 *
 * - decisions, a cancellation and a submission wait inside their transactions
 *   (on the organization's newest entry, which another connection holds),
 *   their database connections are killed there: none of them changed
 *   anything, and done again they each append exactly their entry;
 * - two server processes on one database change one organization's requests
 *   at once (200 changes split across both): the entries are numbered 1..200
 *   without a gap or a duplicate, each request's in the order of its history;
 *   then one process is killed (SIGKILL) while both go on changing requests:
 *   every request still has exactly the entries of its changes;
 * - a prune of thousands of old entries held open does not make an append
 *   wait, and an append held open does not make a prune wait.
 *
 * Always on MariaDB (MYSQL_TEST_URL), also in the SQLite run: row locks,
 * connections to kill and processes sharing a server are MariaDB's.
 */
import mysql from "mysql2/promise";
import type { DataSource, EntityManager } from "typeorm";
import type { IsolationLevel } from "typeorm/driver/types/IsolationLevel";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { ServiceProcess, startServiceProcess } from "../helpers/processes";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, within } from "../helpers/ws";
import { ActivityStore } from "../../src/services/activity/store";
import { activityChanges, activityOrganization, ActivityOrganization, churn, logDisagreements, storedEntries } from "../helpers/activity";

jest.setTimeout(60_000);

const DAY = 86_400_000;

/** A promise and the function that settles it. */
function gate() {
  let open: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (open = resolve));
  return { closed, open };
}

describe("the activity log and its changes commit together (MariaDB)", () => {
  let database: TestDatabase;
  let server: TestServer;
  let ds: DataSource;
  let admin: mysql.Connection;

  const connect = () => {
    const url = new URL(database.url);
    return mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      database: url.pathname.slice(1),
    });
  };
  /**
   * The connections of this database whose statement has been waiting for a while (a lock held by the test), by
   * thread. Read from the process list: MariaDB lists a transaction waiting for a row's lock in
   * information_schema.innodb_trx only from its first lock, and a change whose first locking statement is the wait
   * would not be there.
   */
  const waiting = async () =>
    (
      (await admin.query(
        "SELECT id AS thread FROM information_schema.processlist WHERE db = DATABASE() AND command = 'Query' AND id <> CONNECTION_ID() AND time_ms > 300",
      )) as unknown as [{ thread: number }[]]
    )[0].map((r) => Number(r.thread));

  beforeAll(async () => {
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    // The changes this suite holds on purpose wait on a lock for as long as it takes a loaded machine to line all of
    // them up: past DB_STATEMENT_TIMEOUT_MS (3 s) the service would give up on them first.
    server = await startTestServer({ database, env: { SEED_DEMO_DATA: "false", DB_STATEMENT_TIMEOUT_MS: "120000" } });
    ds = server.service.dataSource;
    admin = await connect();
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    await database?.drop();
  });

  it("keeps no change whose connection was killed while it waited inside its transaction, and appends exactly its entry when done again", async () => {
    const org = await activityOrganization(ds, { people: 4, products: 4 });
    // The killed changes answer 503 (their connection was lost): the test reads that answer, not a retry.
    const changes = activityChanges(server, { retryUnavailable: false });
    const [p0, p1, p2, p3] = org.people;
    const token = (user: { id: number }) => org.tokens.get(user.id)!;
    const toDeny = (await changes.submit(token(p0), org.products[0])).id!;
    const toApprove = (await changes.submit(token(p1), org.products[1])).id!;
    const toCancel = (await changes.submit(token(p3), org.products[3])).id!;
    expect(await logDisagreements(ds, org.id)).toEqual([]);
    const before = await storedEntries(ds, org.id);

    // Another connection holds the organization's head row: every append of the organization waits for it.
    const holder = await connect();
    await holder.query("BEGIN");
    await holder.query("SELECT seq FROM license_request_event_head WHERE organizationId = ? FOR UPDATE", [org.id]);
    const release = async () => {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end().catch(() => undefined);
    };
    const attempts = [
      () => changes.deny(org.adminToken, toDeny),
      () => changes.approve(org.adminToken, toApprove),
      () => changes.cancel(token(p3), toCancel),
      () => changes.submit(token(p2), org.products[2]),
    ];
    const answers = attempts.map((attempt) => attempt().catch((error: unknown) => ({ failed: String(error) })));
    let answered: unknown[];
    try {
      // Each has written its change (status, history, emails) and now waits in its append, inside its transaction.
      await eventually(async () => (await waiting()).length === attempts.length, 60_000, "the four changes to wait inside their transactions");
      for (const thread of await waiting()) await admin.query(`KILL ${thread}`);
      answered = await within(Promise.all(answers), 20_000, "the answers of the killed changes");
    } finally {
      await release();
    }
    for (const answer of answered) expect(answer).not.toMatchObject({ acted: true });

    // Nothing of them is kept: no status changed, no entry, no request.
    expect(await storedEntries(ds, org.id)).toEqual(before);
    const statuses = await ds.query<{ status: string }[]>("SELECT status FROM license_request WHERE organizationId = ? ORDER BY id", [org.id]);
    expect(statuses.map((r) => r.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
    expect(await logDisagreements(ds, org.id)).toEqual([]);

    // Done again, each acts and appends its entry, numbered on from the last.
    for (const attempt of attempts) expect(await attempt()).toMatchObject({ acted: true });
    const after = await storedEntries(ds, org.id);
    expect(after.slice(before.length).map((e) => e.kind)).toEqual(["DENIED", "APPROVED", "CANCELLED", "SUBMITTED"]);
    expect(await logDisagreements(ds, org.id)).toEqual([]);
  }, 150_000);

  describe("with two server processes on the database", () => {
    let a: ServiceProcess;
    let b: ServiceProcess;
    let org: ActivityOrganization;

    beforeAll(async () => {
      requireBuild();
      // Every change of the organization queues on its log's head, one after the other: on a busy machine the last of twelve
      // waits for that row's lock longer than the service's statement bound (3 s), which answers 503 (try again). This suite
      // asks for the log's order and integrity, not how the service sheds load, so its statements wait.
      const env = {
        NODE_ENV: "test",
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        SEED_DEMO_DATA: "false",
        DB_STATEMENT_TIMEOUT_MS: "30000",
        DB_ACQUIRE_TIMEOUT_MS: "30000",
      };
      [a, b] = await Promise.all([startServiceProcess(DIST_ENTRY, env), startServiceProcess(DIST_ENTRY, env)]);
      org = await activityOrganization(ds, { people: 12, products: 10 });
    });

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    it("numbers 200 changes made at once through both 1..200 in commit order, each request's entries in the order of its changes", async () => {
      const [onA, onB] = await Promise.all([
        churn(a, { ...org, people: org.people.slice(0, 6) }, 100, 6),
        churn(b, { ...org, people: org.people.slice(6) }, 100, 6),
      ]);
      expect(onA + onB).toBe(200);
      const entries = await storedEntries(ds, org.id);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await logDisagreements(ds, org.id)).toEqual([]);
    });

    it("keeps every request's changes and entries together when a process is killed (SIGKILL) while both change requests", async () => {
      const acted = { a: 0, b: 0 };
      let killed = false;
      /** Changes against `instance` until it is killed (a) or enough were made after the kill (b). */
      const work = async (instance: ServiceProcess, lane: number, count: keyof typeof acted) => {
        const changes = activityChanges(instance);
        const person = org.people[lane];
        const token = org.tokens.get(person.id)!;
        for (let i = 0; i < 400; i++) {
          if (count === "b" && killed && acted.b > 40) return;
          try {
            const submitted = await changes.submit(token, org.products[i % org.products.length]);
            if (submitted.acted) acted[count] += 1;
            if (!submitted.id) continue;
            const ended = i % 2 ? await changes.cancel(token, submitted.id) : await changes.deny(org.adminToken, submitted.id);
            if (ended.acted) acted[count] += 1;
          } catch (error) {
            if (count === "a" && killed) return;
            throw error;
          }
        }
      };
      const lanes = [0, 1, 2, 3, 4, 5].map((lane) => work(a, lane, "a")).concat([6, 7, 8, 9, 10, 11].map((lane) => work(b, lane, "b")));
      await eventually(() => acted.a >= 60, 30_000, "instance A to make 60 changes");
      killed = true;
      a.child.kill("SIGKILL");
      await within(Promise.all(lanes), 40_000, "the changes to end");
      expect(a.child.signalCode).toBe("SIGKILL");
      expect(acted.b).toBeGreaterThan(40);
      // A change whose transaction was cut short by the kill is rolled back with its entry; none is half kept.
      expect(await logDisagreements(ds, org.id)).toEqual([]);
      const entries = await storedEntries(ds, org.id);
      expect(entries.length).toBeGreaterThanOrEqual(200 + acted.a + acted.b);
    });
  });

  describe("pruning", () => {
    let org: ActivityOrganization;
    let store: ActivityStore;
    let other: DataSource;
    const OLD = 6_000;

    beforeAll(async () => {
      org = await activityOrganization(ds, { people: 2, products: 2 });
      // Entries from 40 days ago, past the 30 days kept.
      const at = server.clock.now().getTime() - 40 * DAY;
      for (let from = 1; from <= OLD; from += 1_000) {
        const rows = Array.from({ length: 1_000 }, (_, i) => `(${org.id}, ${from + i}, 1, 1, 'SUBMITTED', 'PENDING', NULL, ${at})`);
        await ds.query(`INSERT INTO license_request_event (organizationId, seq, requestId, productId, kind, status, actorId, at) VALUES ${rows.join(", ")}`);
      }
      // The organization's count goes on from them, as if appends had written them.
      await ds.query("INSERT INTO license_request_event_head (organizationId, seq) VALUES (?, ?) ON DUPLICATE KEY UPDATE seq = VALUES(seq)", [org.id, OLD]);
      other = await database.open();
      store = new ActivityStore(other);
    });

    afterAll(async () => {
      await other?.destroy();
    });

    it("does not make an append wait while a prune of thousands of old entries is held open", async () => {
      const held = gate();
      const deleted = gate();
      // The prune's transaction stays open after its delete until the test lets it go.
      const original = other.transaction;
      other.transaction = ((level: IsolationLevel, work: (manager: EntityManager) => Promise<unknown>) =>
        original.call(other, level, async (manager: EntityManager) => {
          const query = manager.query.bind(manager);
          manager.query = (async (sql: string, parameters?: unknown[]) => {
            const result: unknown = await query(sql, parameters);
            if (/^DELETE/.test(sql)) {
              deleted.open();
              await held.closed;
            }
            return result;
          }) as EntityManager["query"];
          return work(manager);
        })) as DataSource["transaction"];
      const before = new Date(server.clock.now().getTime() - 30 * DAY);
      const pruning = store.prune(before, 5_000);
      try {
        await within(deleted.closed, 20_000, "the prune's delete");
        const changes = activityChanges(server);
        const token = org.tokens.get(org.people[0].id)!;
        const started = Date.now();
        const submitted = await within(changes.submit(token, org.products[0]), 5_000, "a submission while the prune is held");
        expect(submitted.acted).toBe(true);
        expect((await within(changes.deny(org.adminToken, submitted.id!), 5_000, "a denial while the prune is held")).acted).toBe(true);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(await waiting()).toEqual([]);
      } finally {
        held.open();
        other.transaction = original;
      }
      expect(await pruning).toBe(5_000);
      const entries = await storedEntries(ds, org.id);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: OLD + 2 - 5_000 }, (_, i) => 5_001 + i));
      expect(entries.slice(-2).map((e) => e.kind)).toEqual(["SUBMITTED", "DENIED"]);
    });

    it("does not wait for an append held open", async () => {
      const held = gate();
      const appended = gate();
      const services = server.service.services;
      const writing = services.db.transaction(async (unit) => {
        const [{ id: request }] = await ds.query<{ id: number }[]>("SELECT id FROM license_request WHERE organizationId = ? LIMIT 1", [org.id]);
        await services.activity.append(unit, {
          organizationId: org.id,
          requestId: request,
          productId: org.products[1].id,
          kind: "CANCELLED",
          status: "CANCELLED",
          actorId: null,
          at: server.clock.now(),
        });
        appended.open();
        await held.closed;
        // Rolled back: the held append was only there to hold its locks.
        throw new Error("rolled back");
      });
      writing.catch(() => undefined);
      try {
        await within(appended.closed, 10_000, "the held append");
        const pruned = await within(store.prune(new Date(server.clock.now().getTime() - 30 * DAY), 5_000), 5_000, "a prune while an append is held");
        expect(pruned).toBe(OLD - 5_000);
      } finally {
        held.open();
      }
      await expect(writing).rejects.toThrow("rolled back");
      expect((await storedEntries(ds, org.id)).map((e) => e.seq)).toEqual([OLD + 1, OLD + 2]);
    });
  });
});
