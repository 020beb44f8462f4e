/**
 * Group approvals and bulk decisions under concurrency, over real HTTP with
 * operations in flight at once (on MariaDB each on its own pooled
 * connection): approvals through a licensed group take the group's product
 * from the same pool as direct ones, so it is never overdrawn, and two bulk
 * calls over the same requests give each request exactly one winner.
 */
import { DecisionRecordEntity, LicenseAssignmentEntity, ProductEntity, UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";

describe("group approvals and bulk decisions under concurrency", () => {
  let server: TestServer;
  let api: RequestsApi;
  let adminTokens: string[];
  let contosoId: number;
  let e5Group: string;

  async function addUsers(prefix: string, count: number, role: "USER" | "GLOBAL_ADMIN"): Promise<{ token: string; id: string }[]> {
    const repository = server.service.dataSource.getRepository(UserEntity);
    const rows = await repository.save(
      Array.from({ length: count }, (_, i) =>
        repository.create({ organizationId: contosoId, displayName: `${prefix} ${i}`, email: `${prefix}${i}@contoso.example`, role }),
      ),
    );
    return Promise.all(rows.map(async (row) => ({ token: await signToken(TEST_JWT_SECRET, row), id: toGlobalId("User", row.id) })));
  }

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
    contosoId = server.ids.userRow(ADMIN).organizationId;
    // These tests count the emails decisions write; the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
    adminTokens = (await addUsers("group-admin", 6, "GLOBAL_ADMIN")).map((a) => a.token);
    const groups = await server.gql(ADMIN, `{ groups { nodes { id name } } }`);
    e5Group = (groups.body.data?.groups.nodes as { id: string; name: string }[]).find((g) => g.name === "Microsoft 365 E5 users")!.id;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("never assigns more than the group's product pool holds, approvals through the group and direct ones racing together", async () => {
    const products = server.service.dataSource.getRepository(ProductEntity);
    const e5 = server.ids.productRow("SPE_E5");
    for (const round of [0, 1]) {
      // Three E5 licenses free; six Power BI requests approved at once, four through the E5 group, two directly from E5.
      await products.update({ id: e5.id }, { totalLicenses: (await products.findOneByOrFail({ id: e5.id })).assignedLicenses + 3 });
      const requesters = await addUsers(`group-pool-${round}-`, 6, "USER");
      const ids = await Promise.all(requesters.map(async (r) => (await api.submit(r.token, "POWER_BI_PRO")).licenseRequest.id as string));
      const answers = await Promise.all(
        ids.map((id, i) =>
          api.approve(adminTokens[i % adminTokens.length], id, i < 4 ? { assignThrough: { groupId: e5Group } } : { productId: server.ids.product("SPE_E5") }),
        ),
      );
      expect(answers.filter((a) => a.userErrors.length === 0)).toHaveLength(3);
      for (const answer of answers.filter((a) => a.userErrors.length > 0)) {
        expect(answer.userErrors).toEqual([
          {
            code: "INSUFFICIENT_LICENSES",
            message: expect.stringMatching(/Microsoft 365 E5 has 0 available licenses; 1 is needed/),
            field: ["input", "productId"],
          },
        ]);
      }
      const pool = await api.pool("SPE_E5");
      expect(pool.assigned).toBe(pool.total);
      expect(await server.service.dataSource.getRepository(LicenseAssignmentEntity).countBy({ productId: e5.id })).toBe(pool.assigned);
    }
  });

  it("gives each request of two racing bulk calls exactly one winner; the loser's results say CONFLICT", async () => {
    const requesters = await addUsers("bulk-race-", 4, "USER");
    const ids = await Promise.all(requesters.map(async (r) => (await api.submit(r.token, "VISIO_PLAN2")).licenseRequest.id as string));
    const decide = (token: string, decision: "APPROVE" | "DENY", order: string[]) =>
      server.gql(
        token,
        `mutation($input: DecideLicenseRequestsInput!) { decideLicenseRequests(input: $input) { results { requestId userErrors { code } licenseRequest { status } } } }`,
        {
          input: { decisions: order.map((requestId) => ({ requestId, decision })) },
        },
      );
    const visio = server.ids.productRow("VISIO_PLAN2");
    const products = server.service.dataSource.getRepository(ProductEntity);
    await products.update({ id: visio.id }, { totalLicenses: (await products.findOneByOrFail({ id: visio.id })).assignedLicenses + 4 });
    const [approving, denying] = await Promise.all([decide(adminTokens[0], "APPROVE", ids), decide(adminTokens[1], "DENY", [...ids].reverse())]);
    type Result = { requestId: string; userErrors: { code: string }[]; licenseRequest: { status: string } | null };
    const results = [...(approving.body.data?.decideLicenseRequests.results as Result[]), ...(denying.body.data?.decideLicenseRequests.results as Result[])];
    for (const id of ids) {
      const mine = results.filter((r) => r.requestId === id);
      expect(mine).toHaveLength(2);
      expect(mine.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
      expect(mine.filter((r) => r.userErrors.length > 0).map((r) => r.userErrors[0].code)).toEqual(["CONFLICT"]);
      const requestId = localIdOf(id, "LicenseRequest")!;
      expect(await server.service.dataSource.getRepository(DecisionRecordEntity).countBy({ requestId })).toBe(1);
      expect((await api.stored(id)).emails).toHaveLength(1);
    }
    const approved = results.filter((r) => r.userErrors.length === 0 && r.licenseRequest?.status === "APPROVED").length;
    const assigned = await Promise.all(ids.map(async (id) => (await api.stored(id)).assignments.length));
    expect(assigned.reduce((a, b) => a + b, 0)).toBe(approved);
  });
});
