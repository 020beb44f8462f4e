/**
 * Decisions under concurrency (issue 3, points 6-8), over real HTTP with
 * operations in flight at once (on MariaDB each on its own pooled connection):
 * one winner per request, license pools never overdrawn, idempotent retries
 * that act once even when they race, and expiry read and swept.
 */
import { DecisionRecordEntity, LicenseAssignmentEntity, ProductEntity, UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("decisions under concurrency", () => {
  let server: TestServer;
  let api: RequestsApi;
  let adminTokens: string[];
  let contosoId: number;

  /** Adds users of Contoso for this file; returns their tokens (emails `<prefix>N@contoso.example`). */
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
    adminTokens = (await addUsers("racing-admin", 8, "GLOBAL_ADMIN")).map((a) => a.token);
    // These tests count the emails decisions write; the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
  });
  afterAll(async () => {
    await server.stop();
  });

  describe("one request, many admins at once", () => {
    it.each(["approve", "deny"] as const)("lets exactly one of 8 admins %s it; the other 7 get CONFLICT naming the status", async (decision) => {
      const [requester] = await addUsers(`${decision}-requester`, 1, "USER");
      const submitted = await api.submit(requester.token, "SPE_E5");
      const id = submitted.licenseRequest.id as string;
      const pool = await api.pool("SPE_E5");
      const answers = await Promise.all(adminTokens.map((token) => (decision === "approve" ? api.approve(token, id) : api.deny(token, id))));
      const winners = answers.filter((a) => a.userErrors.length === 0);
      const losers = answers.filter((a) => a.userErrors.length > 0);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(7);
      const status = decision === "approve" ? "APPROVED" : "DENIED";
      for (const loser of losers) {
        expect(loser.userErrors).toEqual([{ code: "CONFLICT", message: expect.stringContaining(status), field: ["input", "requestId"] }]);
        expect(loser.licenseRequest).toBeNull();
      }
      const requestId = localIdOf(id, "LicenseRequest")!;
      expect(await server.service.dataSource.getRepository(DecisionRecordEntity).countBy({ requestId, action: status })).toBe(1);
      expect(await server.service.dataSource.getRepository(LicenseAssignmentEntity).countBy({ requestId })).toBe(decision === "approve" ? 1 : 0);
      expect(await api.pool("SPE_E5")).toEqual({ total: pool.total, assigned: pool.assigned + (decision === "approve" ? 1 : 0) });
      expect((await api.stored(id)).emails).toHaveLength(1);
    });
  });

  describe("one license pool, many approvals at once", () => {
    it("never assigns more than the pool holds; each loser gets INSUFFICIENT_LICENSES saying how many are available", async () => {
      const products = server.service.dataSource.getRepository(ProductEntity);
      const visio = server.ids.productRow("VISIO_PLAN2");
      for (const round of [0, 1, 2]) {
        // Three licenses free, six single-recipient requests approved at once by different admins.
        await products.update({ id: visio.id }, { totalLicenses: (await products.findOneByOrFail({ id: visio.id })).assignedLicenses + 3 });
        const requesters = await addUsers(`pool-${round}-`, 6, "USER");
        const ids = await Promise.all(requesters.map(async (r) => (await api.submit(r.token, "VISIO_PLAN2")).licenseRequest.id as string));
        const answers = await Promise.all(ids.map((id, i) => api.approve(adminTokens[i % adminTokens.length], id)));
        const approved = answers.filter((a) => a.userErrors.length === 0);
        const refused = answers.filter((a) => a.userErrors.length > 0);
        expect(approved).toHaveLength(3);
        for (const answer of refused) {
          expect(answer.userErrors).toEqual([
            { code: "INSUFFICIENT_LICENSES", message: expect.stringMatching(/has 0 available licenses; 1 is needed/), field: ["input", "productId"] },
          ]);
        }
        const pool = await api.pool("VISIO_PLAN2");
        expect(pool.assigned).toBe(pool.total);
        expect(await server.service.dataSource.getRepository(LicenseAssignmentEntity).countBy({ productId: visio.id })).toBe(pool.assigned);
      }
    });
  });

  describe("idempotency keys", () => {
    it("answers a repeated approval as the first call did and acts once, also when the two calls race", async () => {
      const [requester] = await addUsers("idem-requester", 1, "USER");
      const id = (await api.submit(requester.token, "SPE_E5")).licenseRequest.id as string;
      const pool = await api.pool("SPE_E5");
      const input = { idempotencyKey: "approve-once-1", message: "Welcome aboard." };
      const [a, b, c] = await Promise.all([
        api.approve(adminTokens[0], id, { ...input, clientMutationId: "a" }),
        api.approve(adminTokens[0], id, { ...input, clientMutationId: "b" }),
        api.approve(adminTokens[0], id, { ...input, clientMutationId: "c" }),
      ]);
      for (const [answer, clientMutationId] of [
        [a, "a"],
        [b, "b"],
        [c, "c"],
      ] as const) {
        expect(answer.userErrors).toEqual([]);
        expect(answer.clientMutationId).toBe(clientMutationId);
        expect(answer.licenseRequest).toMatchObject({ id, status: "APPROVED", decisionMessage: "Welcome aboard." });
      }
      expect(await api.pool("SPE_E5")).toEqual({ total: pool.total, assigned: pool.assigned + 1 });
      expect((await api.stored(id)).emails).toHaveLength(1);
      // A retry long after still answers the same (within 24 hours) ...
      server.clock.advance(23 * HOUR);
      try {
        expect((await api.approve(adminTokens[0], id, input)).userErrors).toEqual([]);
        // ... another admin with the same key is another key: the request is decided already.
        expect((await api.approve(adminTokens[1], id, input)).userErrors[0].code).toBe("CONFLICT");
        // ... the same key with other input is refused.
        const other = await api.approve(adminTokens[0], id, { ...input, message: "Something else." });
        expect(other.userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: ["input", "idempotencyKey"] })]);
        // After 24 hours the key is forgotten: the call runs again and finds the request decided.
        server.clock.advance(2 * HOUR);
        expect((await api.approve(adminTokens[0], id, input)).userErrors[0].code).toBe("CONFLICT");
      } finally {
        server.clock.advance(-25 * HOUR);
      }
    });

    it("submits once for a repeated key, and runs again after userErrors (which changed nothing)", async () => {
      const [requester] = await addUsers("idem-submit", 1, "USER");
      const input = { idempotencyKey: "submit-1" };
      const [first, second] = await Promise.all([
        api.submit(requester.token, "POWER_BI_PRO", [], input),
        api.submit(requester.token, "POWER_BI_PRO", [], input),
      ]);
      expect(first.userErrors).toEqual([]);
      expect(second.licenseRequest.id).toBe(first.licenseRequest.id);
      const mine = await server.gql(requester.token, `{ licenseRequests { totalCount } }`);
      expect(mine.body.data?.licenseRequests.totalCount).toBe(1);

      const refused = await api.submit(requester.token, "PROJECT_PLAN3", [], { idempotencyKey: "submit-2" });
      expect(refused.userErrors[0].code).toBe("INVALID_INPUT");
      const retried = await api.submit(requester.token, "PROJECT_PLAN3", [], { idempotencyKey: "submit-2" });
      expect(retried.userErrors).toEqual(refused.userErrors);
      const tooLong = await server.gql(
        requester.token,
        `mutation($p: ID!) { submitLicenseRequest(input: { productId: $p, idempotencyKey: "${"k".repeat(65)}" }) { userErrors { code } } }`,
        {
          p: server.ids.product("VISIO_PLAN2"),
        },
      );
      expect(tooLong.body.errors?.[0].extensions?.code ?? tooLong.body.data?.submitLicenseRequest.userErrors[0].code).toMatch(/BAD_USER_INPUT|INVALID_INPUT/);
    });
  });

  describe("expiry", () => {
    it("reads a pending request past expiresAt as EXPIRED everywhere, refuses to decide it, and the sweep stores, records and publishes it once", async () => {
      const [requester] = await addUsers("expiring", 1, "USER");
      const id = (await api.submit(requester.token, "SPE_E5")).licenseRequest.id as string;
      // The dashboard stays connected across the 30 days the clock jumps: its token must outlive them.
      const dashboard = liveClient(server.wsUrl, await server.ids.token(ADMIN, { expiresIn: "90d" }));
      const listening = server.service.services.tails.listenerCount();
      const updates = dashboard.subscribe(`subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id status } }`, { id });
      await eventually(() => server.service.services.tails.listenerCount() > listening);
      try {
        server.clock.advance(30 * DAY + 1);
        expect((await api.read(ADMIN, id))?.status).toBe("EXPIRED");
        const expiredList = await server.gql(
          ADMIN,
          `query($p: ID) { pending: licenseRequests(filter: { state: PENDING, requesterId: $p }) { totalCount } expired: licenseRequests(filter: { statuses: [EXPIRED], requesterId: $p }) { nodes { id status } } completed: licenseRequests(filter: { state: COMPLETED, requesterId: $p }) { totalCount } }`,
          {
            p: requester.id,
          },
        );
        expect(expiredList.body.data).toEqual({ pending: { totalCount: 0 }, expired: { nodes: [{ id, status: "EXPIRED" }] }, completed: { totalCount: 1 } });
        for (const answer of [await api.approve(ADMIN, id), await api.deny(ADMIN, id), await api.cancel(requester.token, id)]) {
          expect(answer.userErrors).toEqual([{ code: "REQUEST_EXPIRED", message: expect.any(String), field: ["input", "requestId"] }]);
        }
        expect((await api.stored(id)).request.status).toBe("PENDING");

        expect(await server.service.services.requests.expireDue(server.clock.now())).toBeGreaterThanOrEqual(1);
        expect(await server.service.services.requests.expireDue(server.clock.now())).toBe(0);
        const { request } = await api.stored(id);
        expect(request.status).toBe("EXPIRED");
        expect(request.decidedAt?.getTime()).toBe(request.expiresAt.getTime());
        const requestId = localIdOf(id, "LicenseRequest")!;
        expect(await server.service.dataSource.getRepository(DecisionRecordEntity).countBy({ requestId, action: "EXPIRED" })).toBe(1);
        expect(await updates.nextData()).toEqual({ licenseRequestUpdated: { id, status: "EXPIRED" } });
        // A requester may ask again once the old request expired.
        expect((await api.submit(requester.token, "SPE_E5")).userErrors).toEqual([]);
      } finally {
        server.clock.advance(-(30 * DAY + 1));
        await dashboard.dispose();
      }
    });
  });
});
