/**
 * A decision link decides once under concurrent clicks (api.md "Decisions
 * from the email"): the same link confirmed many times at once, through
 * POST /decide and the mutation together, decides exactly once; two deciders'
 * links of one request confirmed at once give exactly one decision, the other
 * "already decided". Always on MariaDB (MYSQL_TEST_URL), also in the SQLite
 * run: row locks and waiting transactions are MariaDB's.
 */
import { DecisionLinkEntity, LicenseRequestEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import { createMysqlDatabase, MYSQL_TEST_URL, TestDatabase } from "../helpers/database";
import { confirmLink, DECIDE_BY_LINK, decisionSecretsIn } from "../helpers/decisionLinks";
import { mailbox } from "../helpers/mailbox";
import { requestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually } from "../helpers/ws";

jest.setTimeout(60_000);

const ADMIN = "admin@contoso.example";
const SECOND_ADMIN = "second.admin@contoso.example";

describe("decision links under concurrent clicks (MariaDB)", () => {
  let database: TestDatabase;
  let server: TestServer;
  const mail = mailbox();

  beforeAll(async () => {
    database = await createMysqlDatabase(MYSQL_TEST_URL);
    server = await startTestServer({ database, start: { mailTransport: mail.transport } });
    await server.service.dataSource.query("INSERT INTO app_user (organizationId, displayName, email, role) VALUES (?, 'Second Admin', ?, 'GLOBAL_ADMIN')", [
      server.ids.userRow(ADMIN).organizationId,
      SECOND_ADMIN,
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const secretsFor = async (requester: string, sku: string) => {
    const since = mail.delivered.length;
    const id = await requestsApi(server).submitted(requester, sku);
    await eventually(() => [ADMIN, SECOND_ADMIN].every((a) => mail.delivered.slice(since).some((e) => e.to === a)), 10_000, "both admins' notices");
    const secretOf = (address: string) => decisionSecretsIn(mail.delivered.slice(since).find((e) => e.to === address)!)[0];
    return { id, first: secretOf(ADMIN), second: secretOf(SECOND_ADMIN) };
  };
  const stored = (id: string) => server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: localIdOf(id, "LicenseRequest")! });

  it("one link confirmed eight times at once, by the page and the mutation, decides once", async () => {
    const { id, first } = await secretsFor("adele@contoso.example", "VISIO_PLAN2");
    const clicks = await Promise.all([
      ...Array.from({ length: 4 }, () => confirmLink(server, { token: first, verdict: "DENY" }).then((r) => r.status)),
      ...Array.from({ length: 4 }, () =>
        server
          .gql(null, DECIDE_BY_LINK, { input: { decisionToken: first, decision: "DENY" } })
          .then((r) => (r.body.data!.decideLicenseRequestByLink.userErrors.length ? 409 : 200)),
      ),
    ]);
    expect(clicks.filter((s) => s === 200)).toHaveLength(1);
    expect(clicks.filter((s) => s === 409)).toHaveLength(7);
    expect(await stored(id)).toMatchObject({ status: "DENIED", decisionChannel: "EMAIL_LINK" });
    const links = await server.service.dataSource.getRepository(DecisionLinkEntity).findBy({ requestId: localIdOf(id, "LicenseRequest")! });
    expect(links.filter((l) => l.usedAt !== null)).toHaveLength(1);
  });

  it("two deciders' links confirmed at once: exactly one decides, the other is told it was already decided", async () => {
    const { id, first, second } = await secretsFor("alex@contoso.example", "POWER_BI_PRO");
    const [a, b] = await Promise.all([confirmLink(server, { token: first, verdict: "APPROVE" }), confirmLink(server, { token: second, verdict: "DENY" })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(await loser.text()).toContain("already decided");
    const request = await stored(id);
    expect(request.status).toBe(a.status === 200 ? "APPROVED" : "DENIED");
    const links = await server.service.dataSource.getRepository(DecisionLinkEntity).findBy({ requestId: localIdOf(id, "LicenseRequest")! });
    expect(links.filter((l) => l.usedAt !== null)).toHaveLength(1);
  });
});
