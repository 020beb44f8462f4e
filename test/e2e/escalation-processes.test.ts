/**
 * Escalation exactly once across instances and restarts (api.md "Policies"):
 * two server processes over one database (the test database, and always
 * MariaDB), both sweeping every 100 ms, their clocks moved together through
 * TEST_CLOCK_FILE, against a real SMTP server. Requests awaiting their
 * manager escalate once the clock passes their escalation: exactly one
 * ESCALATED entry each, one notice per decider noting "not endorsed", and
 * nothing again after both restart. Before that moment nothing escalates, and
 * the approvers have heard of nothing.
 */
import type { DataSource } from "typeorm";
import { LicenseRequestEntity, LicenseRequestEventEntity, OutboxEmailEntity, ProductApproverEntity } from "../../src/entities";
import { createMysqlDatabase, createTestDatabase, databaseKind, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { demoIds, DemoIds } from "../helpers/fixtures";
import { SET_POLICY, SUBMIT } from "../helpers/policies";
import { postGraphQL, ServiceProcess } from "../helpers/processes";
import { onlyGlobalAdminsDecide } from "../helpers/seed";
import { SweepingPair, sweepingPair } from "../helpers/sweepers";
import { eventually } from "../helpers/ws";

jest.setTimeout(240_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ADMIN = "admin@contoso.example";
/** Visio's approver here, besides the global admin: the two people who decide its requests. */
const APPROVER = "lee@contoso.example";
/** Miriam Graham manages all three. */
const REQUESTERS = ["adele@contoso.example", "alex@contoso.example", "megan@contoso.example"];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DATABASES: [string, () => Promise<TestDatabase>][] = [
  [`the test database (${databaseKind})`, createTestDatabase],
  ["MariaDB", () => createMysqlDatabase(MYSQL_TEST_URL)],
];

describe.each(DATABASES)("escalation with two server processes and the clock moved, on %s", (_name, createDatabase) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let ids: DemoIds;
  let pair: SweepingPair;
  const gql = async (instance: ServiceProcess, as: string, query: string, variables: Record<string, unknown>) => {
    const body = await postGraphQL(instance, await ids.token(as), query, variables);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  const notices = async () =>
    (await dataSource.getRepository(OutboxEmailEntity).find({ order: { id: "ASC" } }))
      .filter((r) => r.subject.startsWith("New license request:"))
      .map((r) => `${r.requestId} ${r.toAddress}`);
  const escalations = async (requestIds: number[]) =>
    (await dataSource.getRepository(LicenseRequestEventEntity).findBy({ kind: "ESCALATED" })).filter((e) => requestIds.includes(e.requestId));

  beforeAll(async () => {
    database = await createDatabase();
    pair = await sweepingPair(database.url);
    await pair.startBoth();
    dataSource = await database.open();
    ids = await demoIds(dataSource);
    await onlyGlobalAdminsDecide(dataSource);
    const visio = ids.productRow("VISIO_PLAN2");
    await dataSource
      .getRepository(ProductApproverEntity)
      .insert({ productId: visio.id, userId: ids.userRow(APPROVER).id, organizationId: visio.organizationId, position: 0 });
  });

  afterAll(async () => {
    await pair?.dispose();
    await dataSource?.destroy();
    await database?.drop();
  });

  it("escalates each request once while both sweep, tells each decider once that it was not endorsed, and writes nothing again after both restart", async () => {
    const [a, b] = pair.instances() as [ServiceProcess, ServiceProcess];
    const policy = await gql(a, ADMIN, SET_POLICY, { input: { productId: ids.product("VISIO_PLAN2"), managerEndorsement: { escalateAfterDays: 2 } } });
    expect(policy.setLicenseRequestPolicy.userErrors).toEqual([]);
    const requestIds: number[] = [];
    for (const [index, requester] of REQUESTERS.entries()) {
      const submitted = (await gql(index % 2 ? b : a, requester, SUBMIT, { input: { productId: ids.product("VISIO_PLAN2") } })).submitLicenseRequest;
      expect(submitted.userErrors).toEqual([]);
      expect(submitted.licenseRequest.endorsement.state).toBe("AWAITING");
      requestIds.push((await dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ requesterId: ids.userRow(requester).id, status: "PENDING" })).id);
    }

    // A day later both have swept many times: nothing is due yet, the approvers heard of nothing.
    pair.moveClock(DAY);
    await pause(1_000);
    expect(await escalations(requestIds)).toEqual([]);
    expect(await notices()).toEqual([]);

    // Past the escalation (two days), both sweep at once, again and again.
    pair.moveClock(2 * DAY + HOUR);
    await eventually(async () => (await escalations(requestIds)).length >= REQUESTERS.length, 20_000, "the escalations");
    await eventually(async () => (await notices()).length >= 2 * REQUESTERS.length, 20_000, "the approvers' notices");
    await pause(1_500);
    const escalated = await escalations(requestIds);
    expect(escalated.map((e) => e.requestId).sort((x, y) => x - y)).toEqual([...requestIds].sort((x, y) => x - y));
    expect(escalated.every((e) => e.actorId === null && e.status === "PENDING")).toBe(true);
    const expected = requestIds.flatMap((id) => [`${id} ${ADMIN}`, `${id} ${APPROVER}`]).sort();
    expect((await notices()).sort()).toEqual(expected);
    for (const id of requestIds) {
      expect(await dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id })).toMatchObject({ status: "PENDING", endorsementState: "ESCALATED" });
    }
    await eventually(async () => (await dataSource.getRepository(OutboxEmailEntity).find()).every((r) => r.sentAt !== null), 20_000, "every email delivered");
    const delivered = pair.sink.received.filter((e) => e.subject.startsWith("New license request:"));
    expect(delivered.flatMap((e) => e.to).sort()).toEqual(expected.map((n) => n.split(" ")[1]).sort());
    for (const row of await dataSource.getRepository(OutboxEmailEntity).find()) {
      if (row.subject.startsWith("New license request:"))
        expect(row.textBody).toContain("Not endorsed: Miriam Graham, the requester's manager, did not answer in time.");
    }

    // Both restart later: nothing is escalated or told again.
    await pair.stopBoth();
    pair.moveClock(3 * DAY);
    await pair.startBoth();
    await pause(1_500);
    expect(await escalations(requestIds)).toHaveLength(REQUESTERS.length);
    expect((await notices()).sort()).toEqual(expected);
  });
});
