/**
 * Policies under concurrency (api.md "Policies"), on the test database and
 * always on MariaDB (MYSQL_TEST_URL: row locks and waiting transactions are
 * MariaDB's):
 *
 * - 20 submissions at once by different requesters against a pool of 5 free
 *   licenses: exactly 5 approved automatically, 15 PENDING saying why, never
 *   an error, never over the total; the approvers hear of the 15 only;
 * - for requests awaiting their manager, the manager's endorsement (API),
 *   their decline (the /endorse page) and an admin's approval at once: one
 *   decision, an endorsement that ended once and agrees with it, the losers
 *   told why and nothing half-done.
 */
import { IsNull } from "typeorm";
import { LicenseAssignmentEntity, LicenseRequestEntity, LicenseRequestEventEntity, OutboxEmailEntity, ProductEntity, UserEntity } from "../../src/entities";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { createMysqlDatabase, createTestDatabase, databaseKind, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { mailbox } from "../helpers/mailbox";
import { confirmEndorseLink, ENDORSE, endorsementSecretIn, SET_POLICY, setManager, SUBMIT } from "../helpers/policies";
import { seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually } from "../helpers/ws";

jest.setTimeout(120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const DATABASES: [string, () => Promise<TestDatabase>][] = [
  [`the test database (${databaseKind})`, createTestDatabase],
  ["MariaDB", () => createMysqlDatabase(MYSQL_TEST_URL)],
];

describe.each(DATABASES)("policies under concurrency, on %s", (_name, createDatabase) => {
  let database: TestDatabase;
  let server: TestServer;
  const mail = mailbox();
  const ds = () => server.service.dataSource;

  beforeAll(async () => {
    database = await createDatabase();
    // Submissions under an automatic-approval policy queue on the pool's row lock, one after the other: on a busy machine
    // twenty of them wait longer than the service's default bounds (1 s for a connection), which would answer 503 (try
    // again). This suite asks what they decide, not how the service sheds load, so it waits.
    server = await startTestServer({
      database,
      env: { SEED_DEMO_DATA: "false", DB_ACQUIRE_TIMEOUT_MS: "30000", DB_STATEMENT_TIMEOUT_MS: "30000" },
      start: { mailTransport: mail.transport },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const call = async (token: string, query: string, variables: Json) => {
    const res = await server.gql(token, query, variables);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };

  it("20 submissions at once against 5 free licenses: exactly 5 approved automatically, 15 pending saying why", async () => {
    const org = await seedOrganization(ds(), "Contention");
    const admin = await org.user({ role: "GLOBAL_ADMIN" });
    const adminToken = await org.token(admin);
    const product = await org.product({ name: "Scarce", total: 5 });
    const requesters = await Promise.all(Array.from({ length: 20 }, (_, i) => org.user({ displayName: `Requester ${i}` })));
    const tokens = await Promise.all(requesters.map((u) => org.token(u)));
    const set = await call(adminToken, SET_POLICY, { input: { productId: toGlobalId("Product", product.id), autoApprove: { maxRecipients: 1 } } });
    expect(set.setLicenseRequestPolicy.userErrors).toEqual([]);

    const payloads = await Promise.all(
      tokens.map(async (token) => (await call(token, SUBMIT, { input: { productId: toGlobalId("Product", product.id) } })).submitLicenseRequest as Json),
    );
    expect(payloads.flatMap((p) => p.userErrors)).toEqual([]);
    const requests = payloads.map((p) => p.licenseRequest);
    const approved = requests.filter((r) => r.status === "APPROVED");
    const pending = requests.filter((r) => r.status === "PENDING");
    expect(approved).toHaveLength(5);
    expect(pending).toHaveLength(15);
    for (const r of approved) expect(r).toMatchObject({ decisionChannel: "POLICY", autoApproveSkippedReason: null });
    for (const r of pending) expect(r).toMatchObject({ decisionChannel: null, autoApproveSkippedReason: "1 license needed, 0 available" });

    // As stored: the pool full and never over it, one license per approval, the log and the counts agreeing.
    expect(await ds().getRepository(ProductEntity).findOneByOrFail({ id: product.id })).toMatchObject({ totalLicenses: 5, assignedLicenses: 5 });
    expect(await ds().getRepository(LicenseAssignmentEntity).countBy({ productId: product.id })).toBe(5);
    const stored = await ds().getRepository(LicenseRequestEntity).findBy({ productId: product.id });
    expect(stored.filter((r) => r.status === "APPROVED")).toHaveLength(5);
    expect(stored.filter((r) => r.status === "PENDING" && r.autoApproveSkippedReason === "1 license needed, 0 available")).toHaveLength(15);
    const entries = await ds().getRepository(LicenseRequestEventEntity).findBy({ productId: product.id });
    expect(entries.filter((e) => e.kind === "SUBMITTED")).toHaveLength(20);
    expect(entries.filter((e) => e.kind === "APPROVED" && e.actorId === null)).toHaveLength(5);
    const counts = await call(
      adminToken,
      `query($p: ID!) { approved: licenseRequests(filter: { productId: $p, statuses: [APPROVED] }) { totalCount }
        pending: licenseRequests(filter: { productId: $p, state: PENDING }) { totalCount } }`,
      { p: toGlobalId("Product", product.id) },
    );
    expect(counts).toEqual({ approved: { totalCount: 5 }, pending: { totalCount: 15 } });

    // The admin hears of the 15 left to people, and of nothing approved automatically.
    const emails = await ds().getRepository(OutboxEmailEntity).findBy({ organizationId: org.organization.id });
    const notices = emails.filter((e) => e.subject.startsWith("New license request:"));
    expect(notices).toHaveLength(15);
    expect(new Set(notices.map((e) => e.requestId))).toEqual(new Set(pending.map((r) => localIdOf(r.id, "LicenseRequest"))));
    expect(emails.filter((e) => e.subject === "Your request for Scarce was approved")).toHaveLength(5);
  });

  it("the manager's endorsement, their decline and an admin's approval at once: one decision, an endorsement that ended once and agrees with it", async () => {
    const org = await seedOrganization(ds(), "Races");
    const admin = await org.user({ role: "GLOBAL_ADMIN" });
    const adminToken = await org.token(admin);
    const manager = await org.user({ displayName: "Mona" });
    const managerToken = await org.token(manager);
    const product = await org.product({ name: "Endorsed", total: 50 });
    const set = await call(adminToken, SET_POLICY, { input: { productId: toGlobalId("Product", product.id), managerEndorsement: { escalateAfterDays: 5 } } });
    expect(set.setLicenseRequestPolicy.userErrors).toEqual([]);
    const requesters: UserEntity[] = [];
    for (let i = 0; i < 6; i++) {
      const user = await org.user({ displayName: `Staff ${i}` });
      await setManager(ds(), user, manager);
      requesters.push(user);
    }
    const since = mail.delivered.length;
    const ids: string[] = [];
    for (const requester of requesters) {
      const payload = (await call(await org.token(requester), SUBMIT, { input: { productId: toGlobalId("Product", product.id) } })).submitLicenseRequest;
      expect(payload.licenseRequest.endorsement.state).toBe("AWAITING");
      ids.push(payload.licenseRequest.id);
    }
    await eventually(async () => (await ds().getRepository(OutboxEmailEntity).countBy({ sentAt: IsNull() })) === 0, 10_000, "every email delivered");
    const asked = mail.delivered.slice(since).filter((e) => e.to === manager.email);
    expect(asked).toHaveLength(6);

    for (const [index, id] of ids.entries()) {
      const secret = endorsementSecretIn(asked.find((e) => e.text.includes(`Staff ${index}`))!);
      const [endorsed, declined, approved] = await Promise.all([
        call(managerToken, ENDORSE, { input: { requestId: id, endorse: true } }).then((d) => d.endorseLicenseRequest as Json),
        confirmEndorseLink(server, { token: secret, verdict: "DECLINE" }),
        call(adminToken, `mutation($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { userErrors { code message } } }`, { id }).then(
          (d) => d.approveLicenseRequest as Json,
        ),
      ]);
      expect([200, 409]).toContain(declined.status);
      const request = await ds()
        .getRepository(LicenseRequestEntity)
        .findOneByOrFail({ id: localIdOf(id, "LicenseRequest")! });
      const entries = (
        await ds()
          .getRepository(LicenseRequestEventEntity)
          .find({ where: { requestId: request.id }, order: { seq: "ASC" } })
      ).map((e) => e.kind);
      const endorsedOk = endorsed.userErrors.length === 0;
      const declinedOk = declined.status === 200;
      const approvedOk = approved.userErrors.length === 0;
      // One decision: the decline's or the admin's approval, never both.
      expect(Number(declinedOk) + Number(approvedOk)).toBe(1);
      expect(request.status).toBe(declinedOk ? "DENIED" : "APPROVED");
      expect(entries.filter((k) => k === "DENIED" || k === "APPROVED")).toHaveLength(1);
      if (declinedOk) {
        expect(endorsedOk).toBe(false);
        expect(request).toMatchObject({ endorsementState: "DECLINED", decidedById: manager.id, decisionChannel: "EMAIL_LINK" });
      } else if (endorsedOk) {
        // Endorsed first; the approval came after it.
        expect(request.endorsementState).toBe("ENDORSED");
        expect(entries).toEqual(["SUBMITTED", "ENDORSED", "APPROVED"]);
      } else {
        // The approval came first: the endorsement was bypassed, both of the manager's answers refused.
        expect(request.endorsementState).toBe("BYPASSED");
        expect(endorsed.userErrors).toMatchObject([{ code: "CONFLICT" }]);
        expect(entries).toEqual(["SUBMITTED", "APPROVED"]);
      }
      expect(request.endorsementAt).not.toBeNull();
    }
  });
});
