/**
 * Email through the outbox (issue 3, point 9), against a real SMTP server
 * (`smtp-server` on a loopback port): one email per recipient per decision;
 * an SMTP server that is down during a decision gets the emails when it is
 * back, once, after retries with backoff; several dispatchers, in one process
 * or in two server processes, never send an email twice; without SMTP_URL
 * the log says who was written to and about what, never the body.
 */
import type { DataSource } from "typeorm";
import { OutboxEmailEntity } from "../../src/entities";
import { Database } from "../../src/services/shared/unitOfWork";
import { smtpTransport } from "../../src/infra/mailTransport";
import { OutboxDispatcher } from "../../src/infra/outbox";
import { DIST_ENTRY, requireBuild } from "../helpers/built";
import { createTestDatabase, TestDatabase, usingMysql } from "../helpers/database";
import { demoIds, TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, startServiceProcess, ServiceProcess } from "../helpers/processes";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { SmtpSink, startSmtpSink, ReceivedEmail } from "../helpers/smtp";
import { eventually } from "../helpers/ws";

jest.setTimeout(120_000);

const ADMIN = "admin@contoso.example";
const MAIL_FROM = "Contoso licenses <licenses@contoso.example>";

/** (address, subject) pairs, sorted: what was owed or what arrived, comparable as multisets. */
const owed = (rows: OutboxEmailEntity[]) => rows.map((r) => `${r.toAddress} | ${r.subject}`).sort();
const arrived = (emails: ReceivedEmail[]) => emails.flatMap((e) => e.to.map((to) => `${to} | ${e.subject}`)).sort();
const allRows = (dataSource: DataSource) => dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } });
const NOTICES_OFF = `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: false, adminNotification: OFF }) { userErrors { code } } }`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("decision emails over SMTP", () => {
  let sink: SmtpSink;
  let server: TestServer;
  let api: RequestsApi;

  beforeEach(async () => {
    sink = await startSmtpSink();
    server = await startTestServer({ env: { SMTP_URL: sink.url, MAIL_FROM, OUTBOX_POLL_INTERVAL_MS: "50" } });
    api = requestsApi(server);
    // Decision emails only here: the admins' notices of new requests are test/e2e/admin-notices*.test.ts's.
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
  });

  afterEach(async () => {
    await server?.stop();
    await sink?.stop();
  });

  it("sends one email per recipient per decision, to that recipient, from MAIL_FROM, and marks each sent once", async () => {
    const partial = await api.submitted("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example", "megan@contoso.example"]);
    const denied = await api.submitted("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example"]);
    const approval = await api.approve(ADMIN, partial, {
      productId: server.ids.product("SPE_E5"),
      excludedUserIds: [server.ids.user("megan@contoso.example")],
      disabledServicePlanIds: [server.ids.plan("TEAMS1")],
      message: "From our E5 pool.",
    });
    expect(approval.userErrors).toEqual([]);
    expect((await api.deny(ADMIN, denied, { message: "Use Visio online." })).userErrors).toEqual([]);

    await eventually(() => sink.received.length >= 5, 10_000, "five emails at the SMTP server");
    // A few more delivery rounds: nothing is sent again.
    await pause(400);
    const rows = await allRows(server.service.dataSource);
    expect(rows).toHaveLength(5);
    expect(arrived(sink.received)).toEqual(owed(rows));
    expect(arrived(sink.received)).toEqual(
      [
        "adele@contoso.example | Your request for Power BI Pro was approved",
        "alex@contoso.example | Your request for Power BI Pro was approved",
        "megan@contoso.example | Your request for Power BI Pro was denied",
        "lee@contoso.example | Your request for Visio Plan 2 was denied",
        "nestor@contoso.example | Your request for Visio Plan 2 was denied",
      ].sort(),
    );
    for (const email of sink.received) {
      expect(email.to).toHaveLength(1);
      expect(email.from).toBe("licenses@contoso.example");
      expect(email.raw).toMatch(/^From: Contoso licenses <licenses@contoso\.example>/m);
      expect(email.raw).toContain("Content-Type: multipart/alternative");
    }
    const adele = sink.received.find((e) => e.to[0] === "adele@contoso.example")!;
    expect(adele.raw).toContain("From our E5 pool.");
    expect(adele.raw).toContain("Microsoft 365 E5");
    for (const row of rows) {
      expect(row.sentAt).not.toBeNull();
      expect(row.attempts).toBe(1);
      expect(row.lockedBy).toBeNull();
    }
    expect(await server.service.dispatcher.backlog()).toBe(0);
  });

  it("names the group in the approval email when the licenses come through one, and no group otherwise", async () => {
    const groups = (await server.gql(ADMIN, `{ groups { nodes { id name } } }`)).body.data!.groups.nodes as { id: string; name: string }[];
    const e5Group = groups.find((g) => g.name === "Microsoft 365 E5 users")!.id;
    const through = await api.submitted("adele@contoso.example", "POWER_BI_PRO");
    const direct = await api.submitted("alex@contoso.example", "POWER_BI_PRO");
    expect((await api.approve(ADMIN, through, { assignThrough: { groupId: e5Group } })).userErrors).toEqual([]);
    expect((await api.approve(ADMIN, direct)).userErrors).toEqual([]);

    await eventually(() => sink.received.length >= 2, 10_000, "two emails at the SMTP server");
    // The delivered message as its reader sees it: quoted-printable soft breaks and escapes undone.
    const textTo = (address: string) =>
      sink.received
        .find((e) => e.to[0] === address)!
        .raw.replace(/=\r?\n/g, "")
        .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    expect(textTo("adele@contoso.example")).toContain("You now have a license of Microsoft 365 E5 through the group Microsoft 365 E5 users.");
    expect(textTo("alex@contoso.example")).toContain("You now have a license of Power BI Pro.");
    expect(textTo("alex@contoso.example")).not.toContain("through the group");
  });

  it("keeps the emails while the SMTP server is down, retries with growing backoff, and delivers each once when it is back", async () => {
    await sink.stop();
    const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"]);
    expect((await api.deny(ADMIN, id, { message: "Not this quarter." })).userErrors).toEqual([]);
    const emailsOf = async () => (await api.stored(id)).emails;

    // The first attempt fails; the next waits one second of the service's clock.
    await eventually(async () => (await emailsOf()).every((e) => e.attempts === 1), 10_000, "a failed first attempt");
    let emails = await emailsOf();
    const now = server.clock.now().getTime();
    for (const email of emails) {
      expect(email.sentAt).toBeNull();
      expect(email.lastError).toBeTruthy();
      expect(email.lastError).not.toContain("Not this quarter");
      expect(email.nextAttemptAt.getTime()).toBe(now + 1_000);
    }
    // Without the clock moving, polling does not hammer the SMTP server.
    await pause(300);
    expect((await emailsOf()).map((e) => e.attempts)).toEqual([1, 1]);

    // Still down a second later: the second attempt fails, the wait doubles.
    server.clock.advance(1_000);
    await eventually(async () => (await emailsOf()).every((e) => e.attempts === 2), 10_000, "a failed second attempt");
    emails = await emailsOf();
    for (const email of emails) expect(email.nextAttemptAt.getTime()).toBe(server.clock.now().getTime() + 2_000);
    expect(await server.service.dispatcher.backlog()).toBe(2);

    await sink.start();
    server.clock.advance(2_000);
    await eventually(() => sink.received.length >= 2, 10_000, "the two emails after the SMTP server is back");
    server.clock.advance(10 * 60_000);
    await pause(400);
    emails = await emailsOf();
    expect(arrived(sink.received)).toEqual(owed(emails));
    expect(emails.map((e) => [e.attempts, e.sentAt !== null, e.lastError])).toEqual([
      [3, true, null],
      [3, true, null],
    ]);
    expect(await server.service.dispatcher.backlog()).toBe(0);
  });

  it("lets several dispatchers race over one outbox without sending any email twice", async () => {
    // A backlog accumulates while the SMTP server is down...
    await sink.stop();
    for (const sku of ["POWER_BI_PRO", "VISIO_PLAN2"]) {
      for (const requester of ["adele@contoso.example", "alex@contoso.example", "megan@contoso.example", "lee@contoso.example"]) {
        const id = await api.submitted(requester, sku);
        expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);
      }
    }
    await eventually(async () => (await allRows(server.service.dataSource)).every((r) => r.attempts >= 1), 10_000, "failed first attempts");
    await server.service.dispatcher.stop();
    // ... and, when it is back (slow to accept, so deliveries overlap), five dispatchers take it on at once.
    const slowSink = await startSmtpSink({ acceptDelayMs: 25 });
    // On MySQL each has a connection pool of its own. Embedded SQLite is one process's database: its
    // driver is synchronous, so the dispatchers share the service's connection (two processes on one
    // file are the next test).
    const connections = usingMysql ? await Promise.all([1, 2, 3, 4].map(() => server.database.open({ poolSize: 2 }))) : [];
    const databases = usingMysql ? connections.map((c) => new Database(c)) : [1, 2, 3, 4].map(() => server.service.services.db);
    try {
      const racers = databases.map((db) => new OutboxDispatcher(db, smtpTransport(slowSink.url), server.clock, { from: MAIL_FROM, pollIntervalMs: 60_000 }));
      server.clock.advance(60_000);
      const sent = await Promise.all(racers.map((d) => d.deliverDue()));
      const rows = await allRows(server.service.dataSource);
      expect(rows).toHaveLength(8);
      expect(sent.reduce((a, b) => a + b, 0)).toBe(8);
      // They did race: the rows were shared out, not taken by whoever came first.
      expect(sent.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(arrived(slowSink.received)).toEqual(owed(rows));
      expect(rows.every((r) => r.sentAt !== null && r.attempts === 2)).toBe(true);
      // Nothing is left for anyone.
      expect(await Promise.all(racers.map((d) => d.deliverDue()))).toEqual([0, 0, 0, 0]);
      await Promise.all(racers.map((d) => d.stop()));
    } finally {
      await Promise.all(connections.map((c) => c.destroy()));
      await slowSink.stop();
    }
  });
});

describe("two server processes dispatching one outbox", () => {
  let database: TestDatabase;
  let sink: SmtpSink;
  let a: ServiceProcess;
  let b: ServiceProcess;

  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
    sink = await startSmtpSink({ acceptDelayMs: 20 });
    const env = { NODE_ENV: "test", DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, SMTP_URL: sink.url, MAIL_FROM, OUTBOX_POLL_INTERVAL_MS: "20" };
    // One after the other: the first migrates and seeds.
    a = await startServiceProcess(DIST_ENTRY, env);
    b = await startServiceProcess(DIST_ENTRY, env);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await sink?.stop();
    await database?.drop();
  });

  it("delivers every email exactly once while both processes poll, retry and race for the same rows", async () => {
    const dataSource = await database.open();
    try {
      const ids = await demoIds(dataSource);
      const gql = async (instance: ServiceProcess, email: string, query: string, variables: Record<string, unknown>) => {
        const body = await postGraphQL(instance, await ids.token(email), query, variables);
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      // Decision emails only here: the admins' notices of new requests are test/e2e/admin-notices*.test.ts's.
      await gql(a, ADMIN, NOTICES_OFF, {});
      // Decisions through both instances while the SMTP server is down: every email fails once, then both retry at about the same time.
      await sink.stop();
      const requesters = ["adele@contoso.example", "alex@contoso.example", "megan@contoso.example", "lee@contoso.example", "nestor@contoso.example"];
      for (const [i, requester] of requesters.entries()) {
        const instance = i % 2 ? b : a;
        const submitted = await gql(
          instance,
          requester,
          `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { code } } }`,
          {
            p: ids.product("VISIO_PLAN2"),
          },
        );
        expect(submitted.submitLicenseRequest.userErrors).toEqual([]);
        const decided = await gql(instance, ADMIN, `mutation($id: ID!) { denyLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, {
          id: submitted.submitLicenseRequest.licenseRequest.id,
        });
        expect(decided.denyLicenseRequest.userErrors).toEqual([]);
      }
      await eventually(async () => (await allRows(dataSource)).every((r) => r.attempts >= 1), 10_000, "failed first attempts");
      await sink.start();
      await eventually(async () => (await allRows(dataSource)).every((r) => r.sentAt !== null), 20_000, "every email sent");
      // Both keep polling; nothing more arrives.
      await pause(500);
      const rows = await allRows(dataSource);
      expect(rows).toHaveLength(5);
      expect(arrived(sink.received)).toEqual(owed(rows));
    } finally {
      await dataSource.destroy();
    }
  });
});

describe("without SMTP_URL", () => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
    service = await startServiceProcess(DIST_ENTRY, {
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      OUTBOX_POLL_INTERVAL_MS: "50",
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it("writes each email to the log by recipient and subject, never its body or the admin's message", async () => {
    const dataSource = await database.open();
    try {
      const ids = await demoIds(dataSource);
      const call = async (email: string, query: string, variables: Record<string, unknown>) => {
        const body = await postGraphQL(service, await ids.token(email), query, variables);
        expect(body.errors).toBeUndefined();
        return body.data!;
      };
      await call(ADMIN, NOTICES_OFF, {});
      const submitted = await call(
        "adele@contoso.example",
        `mutation($p: ID!, $u: ID!) { submitLicenseRequest(input: { productId: $p, additionalUserIds: [$u] }) { licenseRequest { id } } }`,
        {
          p: ids.product("POWER_BI_PRO"),
          u: ids.user("alex@contoso.example"),
        },
      );
      const secretMessage = "Personal note: the budget code is 4711-XYZ";
      await call(ADMIN, `mutation($id: ID!, $m: String) { denyLicenseRequest(input: { requestId: $id, message: $m }) { userErrors { code } } }`, {
        id: submitted.submitLicenseRequest.licenseRequest.id,
        m: secretMessage,
      });
      const first = await service.waitForLog(/^email \(no SMTP_URL/);
      await eventually(() => service.logs.all.filter((l) => /^email \(no SMTP_URL/.test(String(l.msg))).length === 2, 10_000, "two email log lines");
      const lines = service.logs.all.filter((l) => /^email \(no SMTP_URL/.test(String(l.msg)));
      expect(lines.map((l) => l.to).sort()).toEqual(["adele@contoso.example", "alex@contoso.example"]);
      expect(first.subject).toBe("Your request for Power BI Pro was denied");
      for (const line of lines) expect(Object.keys(line)).not.toEqual(expect.arrayContaining(["text"]));
      expect(service.output()).not.toContain("4711-XYZ");
      expect(service.output()).not.toContain("Hello ");
      // A row is marked sent just after its line is logged.
      await eventually(async () => (await allRows(dataSource)).every((r) => r.sentAt !== null), 10_000, "every row marked sent");
    } finally {
      await dataSource.destroy();
    }
  });
});
