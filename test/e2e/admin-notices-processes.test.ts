/**
 * Admin notices exactly once across instances and restarts (api.md "Admin
 * notices"): two server processes over one database (MariaDB with
 * TEST_DATABASE_URL, else one SQLite file), both sweeping every 100 ms, their
 * clocks moved together through TEST_CLOCK_FILE, against a real SMTP server.
 * A new request's email, the daily digest, the reminders and the expiry emails
 * each arrive once, while both sweep at the same time, and not again after
 * both restart.
 */
import type { DataSource } from "typeorm";
import { OutboxEmailEntity } from "../../src/entities";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { demoIds, DemoIds } from "../helpers/fixtures";
import { postGraphQL, ServiceProcess } from "../helpers/processes";
import { onlyGlobalAdminsDecide } from "../helpers/seed";
import { SweepingPair, sweepingPair } from "../helpers/sweepers";
import { eventually } from "../helpers/ws";

jest.setTimeout(180_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CONTOSO_ADMIN = "admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a notice email is, from its subject. */
const kindOf = (subject: string) =>
  subject.startsWith("New license request:")
    ? "new"
    : subject.startsWith("Daily digest:")
      ? "digest"
      : subject.startsWith("Reminder:")
        ? "reminder"
        : / expired$/.test(subject)
          ? "expired"
          : "decision";

describe("admin notices with two server processes and the clock moved", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let ids: DemoIds;
  let pair: SweepingPair;
  const gql = async (instance: ServiceProcess, as: string, query: string, variables: Record<string, unknown> = {}) => {
    const body = await postGraphQL(instance, await ids.token(as), query, variables);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const rows = () => dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } });
  /** Outbox rows as "kind request to", to count notices per request and person. */
  const notices = async () => (await rows()).filter((r) => kindOf(r.subject) !== "decision").map((r) => `${kindOf(r.subject)} ${r.requestId} ${r.toAddress}`);
  const arrivedOnce = async () => {
    await eventually(async () => (await rows()).every((r) => r.sentAt !== null), 20_000, "every email delivered");
    const written = (await rows()).map((r) => `${r.toAddress} | ${r.subject}`).sort();
    const arrived = pair.sink.received.flatMap((e) => e.to.map((to) => `${to} | ${e.subject}`)).sort();
    expect(arrived).toEqual(written);
  };
  const expectNoNoticeTwice = async () => {
    const all = await notices();
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    pair = await sweepingPair(database.url);
    await pair.startBoth();
    dataSource = await database.open();
    ids = await demoIds(dataSource);
    // One decider per organization, its global admin, so that each notice is one email to count.
    await onlyGlobalAdminsDecide(dataSource);
  });

  afterAll(async () => {
    await pair?.dispose();
    await dataSource?.destroy();
    await database?.drop();
  });

  it("writes and delivers each notice once while both sweep, and none again after both restart", async () => {
    const [a, b] = pair.instances() as [ServiceProcess, ServiceProcess];
    const submit = `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { code message } } }`;
    const digest = `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: false, adminNotification: DAILY_DIGEST }) { userErrors { code } } }`;
    expect((await gql(b, FABRIKAM_ADMIN, digest)).updateRequestProcessSettings.userErrors).toEqual([]);

    // Contoso hears at once (through instance a), Fabrikam waits for its digest (through instance b).
    const adele = await gql(a, "adele@contoso.example", submit, { p: ids.product("VISIO_PLAN2") });
    expect(adele.submitLicenseRequest.userErrors).toEqual([]);
    const diego = await gql(b, "diego@fabrikam.example", submit, { p: ids.product("VISIO_PLAN2", "Fabrikam") });
    expect(diego.submitLicenseRequest.userErrors).toEqual([]);
    const adeleId = (await rows()).find((r) => kindOf(r.subject) === "new")!.requestId;
    await arrivedOnce();
    expect(await notices()).toEqual([`new ${adeleId} ${CONTOSO_ADMIN}`]);

    // 23 days and an hour later, both processes sweep: every pending request is within seven days of its
    // expiry (the demo data's too), and Fabrikam's digest of a past day is due.
    pair.moveClock(23 * DAY + HOUR);
    await eventually(async () => (await notices()).some((n) => n.startsWith("digest")), 20_000, "the digest");
    await eventually(async () => (await notices()).filter((n) => n.startsWith("reminder")).length >= 5, 20_000, "the reminders");
    // Both keep sweeping for a while; nothing is written twice.
    await pause(1_500);
    await arrivedOnce();
    await expectNoNoticeTwice();
    const afterReminders = await notices();
    // Adele's, Diego's and the demo data's three pending requests, each to its organization's admin.
    expect(afterReminders.filter((n) => n.startsWith("reminder")).map((n) => n.split(" ")[2])).toEqual(
      expect.arrayContaining([CONTOSO_ADMIN, CONTOSO_ADMIN, CONTOSO_ADMIN, FABRIKAM_ADMIN, FABRIKAM_ADMIN]),
    );
    expect(afterReminders.filter((n) => n.startsWith("reminder"))).toHaveLength(5);
    expect(afterReminders.filter((n) => n.startsWith("digest"))).toEqual([`digest null ${FABRIKAM_ADMIN}`]);
    const digestRow = (await rows()).find((r) => kindOf(r.subject) === "digest")!;
    expect(digestRow.textBody).toContain("Diego Siciliani asked for Visio Plan 2 for 1 person");
    expect(afterReminders.filter((n) => n.startsWith("new"))).toHaveLength(1);

    // Both restart with the clock past every expiry: each requester hears once, nothing else is written again.
    await pair.stopBoth();
    pair.moveClock(30 * DAY + 2 * HOUR);
    await pair.startBoth();
    await eventually(async () => (await notices()).filter((n) => n.startsWith("expired")).length >= 5, 20_000, "the expiry emails");
    await pause(1_500);
    await arrivedOnce();
    await expectNoNoticeTwice();
    const final = await notices();
    expect(final.filter((n) => !n.startsWith("expired"))).toEqual(afterReminders);
    const expiredTo = final.filter((n) => n.startsWith("expired")).map((n) => n.split(" ")[2]);
    expect(expiredTo).toEqual(
      expect.arrayContaining(["adele@contoso.example", "diego@fabrikam.example", "patti@contoso.example", "joni@contoso.example", "irvin@fabrikam.example"]),
    );
    expect(expiredTo).toHaveLength(5);
  });
});
