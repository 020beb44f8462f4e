/**
 * Requests and decisions (issue 3, points 1-5, 10-12) over real HTTP: every
 * mutation with the rules of api.md; failures as userErrors after which nothing
 * changed; roles as FORBIDDEN; other organizations as NOT_FOUND.
 */
import { OutboxEmailEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";
const DAY = 86_400_000;

describe("license request decisions", () => {
  let server: TestServer;
  let api: RequestsApi;

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
    // These tests count the emails decisions write; the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
    for (const admin of [ADMIN, FABRIKAM_ADMIN])
      expect((await api.settings(admin, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Runs `act` and proves that nothing about the request, the pools or the outbox changed. */
  async function unchangedBy(requestId: string, act: () => Promise<unknown>) {
    // The outbox dispatcher works in the background: compare which emails exist, not their delivery state.
    const snapshot = async () => {
      const { request, assignments, emails } = await api.stored(requestId);
      return { request, assignments, emails: emails.map((e) => [e.id, e.toAddress, e.subject]) };
    };
    const before = await snapshot();
    const pools = await Promise.all(["POWER_BI_PRO", "SPE_E5", "VISIO_PLAN2"].map((sku) => api.pool(sku)));
    const outbox = await server.service.dataSource.getRepository(OutboxEmailEntity).count();
    await act();
    expect(await snapshot()).toEqual(before);
    expect(await Promise.all(["POWER_BI_PRO", "SPE_E5", "VISIO_PLAN2"].map((sku) => api.pool(sku)))).toEqual(pools);
    expect(await server.service.dataSource.getRepository(OutboxEmailEntity).count()).toBe(outbox);
  }

  describe("the seed document's story", () => {
    it("approves Power BI Pro from Microsoft 365 E5 with one app off, leaving one colleague out: two licenses, two approval emails, one denial email", async () => {
      const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO", ["alex@contoso.example", "megan@contoso.example"]);
      const e5Before = await api.pool("SPE_E5");
      const payload = await api.approve(ADMIN, id, {
        productId: server.ids.product("SPE_E5"),
        excludedUserIds: [server.ids.user("megan@contoso.example")],
        disabledServicePlanIds: [server.ids.plan("TEAMS1")],
        message: "Approved from our E5 pool <for the Q3 reports>.",
      });
      expect(payload.userErrors).toEqual([]);
      const request = payload.licenseRequest;
      expect(request.status).toBe("PARTIALLY_APPROVED");
      expect(request.assignedProduct).toEqual({ skuPartNumber: "SPE_E5" });
      expect(request.disabledServicePlans).toEqual([{ servicePlanName: "TEAMS1" }]);
      expect(request.decidedBy).toEqual({ email: ADMIN });
      expect(request.recipients.map((r: { user: { email: string }; decision: string }) => [r.user.email, r.decision])).toEqual([
        ["adele@contoso.example", "APPROVED"],
        ["alex@contoso.example", "APPROVED"],
        ["megan@contoso.example", "DENIED"],
      ]);
      expect(request.recipients[0].assignment).toEqual({ product: { skuPartNumber: "SPE_E5" }, disabledServicePlans: [{ servicePlanName: "TEAMS1" }] });
      expect(request.recipients[2].assignment).toBeNull();
      expect(payload.assignments.map((a: { user: { email: string } }) => a.user.email).sort()).toEqual(["adele@contoso.example", "alex@contoso.example"]);
      expect(await api.pool("SPE_E5")).toEqual({ total: e5Before.total, assigned: e5Before.assigned + 2 });

      // Each approved user sees the license among their own.
      const adele = await server.gql("adele@contoso.example", `{ me { licenses { product { skuPartNumber } disabledServicePlans { servicePlanName } } } }`);
      expect(adele.body.data?.me.licenses).toContainEqual({ product: { skuPartNumber: "SPE_E5" }, disabledServicePlans: [{ servicePlanName: "TEAMS1" }] });

      const { emails } = await api.stored(id);
      expect(emails.map((e) => e.toAddress)).toEqual(["adele@contoso.example", "alex@contoso.example", "megan@contoso.example"]);
      for (const approved of emails.slice(0, 2)) {
        expect(approved.subject).toMatch(/approved/i);
        expect(approved.textBody).toContain("Microsoft 365 E5");
        expect(approved.textBody).toContain("Contoso");
        expect(approved.textBody).toContain("Approved from our E5 pool <for the Q3 reports>.");
        expect(approved.htmlBody).toContain("&lt;for the Q3 reports&gt;");
        expect(approved.htmlBody).not.toContain("<for the Q3 reports>");
      }
      expect(emails[2].subject).toMatch(/denied|not approved/i);
      expect(emails[2].textBody).toContain("Power BI Pro");
    });
  });

  describe("submitLicenseRequest", () => {
    it("puts the requester first, then the named users in order, each once, and expires 30 days later", async () => {
      const payload = await api.submit("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example", "lee@contoso.example", "nestor@contoso.example"], {
        justification: "Diagrams for the migration.",
        clientMutationId: "c-1",
      });
      expect(payload.userErrors).toEqual([]);
      expect(payload.clientMutationId).toBe("c-1");
      const request = payload.licenseRequest;
      expect(request.recipients.map((r: { user: { email: string } }) => r.user.email)).toEqual(["lee@contoso.example", "nestor@contoso.example"]);
      expect(request.recipientCount).toBe(2);
      expect(request.status).toBe("PENDING");
      expect(Date.parse(request.expiresAt) - Date.parse(request.requestedAt)).toBe(30 * DAY);
      expect(request.viewerCanCancel).toBe(true);
      expect(request.viewerCanDecide).toBe(false);
      expect((await api.cancel("lee@contoso.example", request.id)).userErrors).toEqual([]);
    });

    it("refuses a product whose self-service purchase is allowed", async () => {
      const payload = await api.submit("lee@contoso.example", "PROJECT_PLAN3");
      expect(payload.licenseRequest).toBeNull();
      expect(payload.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining("self-service"), field: ["input", "productId"] }]);
    });

    it("refuses more than 50 recipients (the requester included), and counts a user named twice once", async () => {
      const fifty = Array.from({ length: 50 }, (_, i) => toGlobalId("User", 900_000 + i));
      const tooMany = await api.submit("lee@contoso.example", "VISIO_PLAN2", [], { additionalUserIds: fifty });
      expect(tooMany.licenseRequest).toBeNull();
      expect(tooMany.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining("at most 50"), field: ["input", "additionalUserIds"] }]);
      // 49 named users make 50 recipients: past the bound, the unknown IDs are what is wrong.
      const atBound = await api.submit("lee@contoso.example", "VISIO_PLAN2", [], { additionalUserIds: fifty.slice(0, 49) });
      expect(atBound.userErrors[0]).toMatchObject({ code: "NOT_FOUND", field: ["input", "additionalUserIds", "0"] });
      const repeated = await api.submit("lee@contoso.example", "VISIO_PLAN2", [], {
        additionalUserIds: Array(60).fill(server.ids.user("nestor@contoso.example")),
      });
      expect(repeated.userErrors).toEqual([]);
      expect(repeated.licenseRequest.recipients.map((r: { user: { email: string } }) => r.user.email)).toEqual([
        "lee@contoso.example",
        "nestor@contoso.example",
      ]);
      expect((await api.cancel("lee@contoso.example", repeated.licenseRequest.id)).userErrors).toEqual([]);
    });

    it("answers another organization's user exactly like a user that does not exist", async () => {
      const foreign = await api.submit("lee@contoso.example", "VISIO_PLAN2", [], { additionalUserIds: [server.ids.user("diego@fabrikam.example")] });
      const missing = await api.submit("lee@contoso.example", "VISIO_PLAN2", [], { additionalUserIds: [toGlobalId("User", 999_999)] });
      expect(foreign.userErrors).toEqual([{ code: "NOT_FOUND", message: "No such user.", field: ["input", "additionalUserIds", "0"] }]);
      expect(missing).toEqual(foreign);
    });

    it("refuses a recipient who holds the product or is named in another pending request for it, naming them", async () => {
      const first = await api.submitted("nestor@contoso.example", "VISIO_PLAN2");
      const again = await api.submit("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example"]);
      expect(again.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining("Nestor"), field: ["input", "additionalUserIds", "0"] }]);
      expect((await api.approve(ADMIN, first)).userErrors).toEqual([]);
      const holder = await api.submit("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example"]);
      expect(holder.userErrors).toEqual([
        {
          code: "INVALID_INPUT",
          message: expect.stringMatching(/Nestor.*already has a license|Nestor.*license of Visio/),
          field: ["input", "additionalUserIds", "0"],
        },
      ]);
    });

    it("creates nothing while the organization uses its own request process, and hands back its message and link", async () => {
      const on = await api.settings(ADMIN, {
        useOwnRequestProcess: true,
        message: "Ask the service desk.",
        documentationUrl: "https://contoso.example/licenses",
      });
      expect(on.userErrors).toEqual([]);
      try {
        const count = await server.gql(ADMIN, `{ licenseRequests { totalCount } }`);
        const payload = await api.submit("megan@contoso.example", "VISIO_PLAN2");
        expect(payload.userErrors).toEqual([]);
        expect(payload.licenseRequest).toBeNull();
        expect(payload.ownRequestProcess).toEqual({ message: "Ask the service desk.", documentationUrl: "https://contoso.example/licenses" });
        expect((await server.gql(ADMIN, `{ licenseRequests { totalCount } }`)).body.data).toEqual(count.body.data);
      } finally {
        expect((await api.settings(ADMIN, { useOwnRequestProcess: false })).userErrors).toEqual([]);
      }
    });
  });

  describe("approveLicenseRequest", () => {
    it("refuses a product outside eligibleProducts, plans of another product, excluding everyone, a long message, and a non-recipient; nothing changes", async () => {
      const id = await api.submitted("megan@contoso.example", "POWER_BI_PRO", ["lee@contoso.example"]);
      const cases: [Record<string, unknown>, { code: string; field: string[] }][] = [
        [{ productId: server.ids.product("VISIO_PLAN2") }, { code: "INVALID_INPUT", field: ["input", "productId"] }],
        [{ disabledServicePlanIds: [server.ids.plan("VISIOONLINE")] }, { code: "INVALID_INPUT", field: ["input", "disabledServicePlanIds", "0"] }],
        [
          { excludedUserIds: [server.ids.user("megan@contoso.example"), server.ids.user("lee@contoso.example")] },
          { code: "INVALID_INPUT", field: ["input", "excludedUserIds"] },
        ],
        [{ message: "x".repeat(1001) }, { code: "INVALID_INPUT", field: ["input", "message"] }],
        [{ excludedUserIds: [server.ids.user("alex@contoso.example")] }, { code: "INVALID_INPUT", field: ["input", "excludedUserIds", "0"] }],
        [{ productId: server.ids.product("SPE_E5", "Fabrikam") }, { code: "NOT_FOUND", field: ["input", "productId"] }],
      ];
      for (const [input, expected] of cases) {
        await unchangedBy(id, async () => {
          const payload = await api.approve(ADMIN, id, input);
          expect(payload.licenseRequest).toBeNull();
          expect(payload.userErrors).toEqual([expect.objectContaining(expected)]);
        });
      }
      const denied = await api.deny(ADMIN, id, { message: "m".repeat(1000) });
      expect(denied.userErrors).toEqual([]);
      expect(denied.licenseRequest.status).toBe("DENIED");
    });

    it("approves everyone with the requested product by default, one assignment each, and the pool drops by that many", async () => {
      const before = await api.pool("VISIO_PLAN2");
      const id = await api.submitted("alex@contoso.example", "VISIO_PLAN2", ["lee@contoso.example"]);
      const payload = await api.approve(ADMIN, id);
      expect(payload.userErrors).toEqual([]);
      expect(payload.licenseRequest.status).toBe("APPROVED");
      expect(payload.licenseRequest.viewerCanDecide).toBe(false);
      expect((await api.stored(id)).assignments).toHaveLength(2);
      expect(await api.pool("VISIO_PLAN2")).toEqual({ total: before.total, assigned: before.assigned + 2 });
      const available = await server.gql(ADMIN, `query($id: ID!) { product(id: $id) { availableLicenses } }`, { id: server.ids.product("VISIO_PLAN2") });
      expect(available.body.data?.product.availableLicenses).toBe(before.total - before.assigned - 2);
    });

    it("answers a second decision with CONFLICT naming the status, and a plain user with FORBIDDEN", async () => {
      const id = await api.submitted("lee@contoso.example", "SPE_E5");
      const forbidden = await server.gql(
        "megan@contoso.example",
        `mutation($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`,
        { id },
      );
      expect(forbidden.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);
      await unchangedBy(id, async () => {
        const second = await api.approve(ADMIN, id);
        expect(second.userErrors).toEqual([{ code: "CONFLICT", message: expect.stringContaining("DENIED"), field: ["input", "requestId"] }]);
      });
    });

    it("answers another organization's admin exactly as for a request that does not exist", async () => {
      const id = await api.submitted("nestor@contoso.example", "POWER_BI_PRO");
      const foreign = await api.approve(FABRIKAM_ADMIN, id);
      const missing = await api.approve(FABRIKAM_ADMIN, toGlobalId("LicenseRequest", 999_999));
      expect(foreign).toEqual({ ...missing });
      expect(foreign.userErrors).toEqual([{ code: "NOT_FOUND", message: "No such license request.", field: ["input", "requestId"] }]);
      expect(await api.read(FABRIKAM_ADMIN, id)).toBeNull();
      expect((await api.cancel("nestor@contoso.example", id)).userErrors).toEqual([]);
    });
  });

  describe("denyLicenseRequest and cancelLicenseRequest", () => {
    it("denies every recipient with the message and writes one denial email each", async () => {
      const id = await api.submitted("megan@contoso.example", "POWER_BI_PRO", ["lee@contoso.example"]);
      const payload = await api.deny(ADMIN, id, { message: "Budget is frozen." });
      expect(payload.userErrors).toEqual([]);
      expect(payload.licenseRequest).toMatchObject({ status: "DENIED", decisionMessage: "Budget is frozen.", decidedBy: { email: ADMIN } });
      expect(payload.licenseRequest.recipients.map((r: { decision: string }) => r.decision)).toEqual(["DENIED", "DENIED"]);
      const { emails, assignments } = await api.stored(id);
      expect(assignments).toEqual([]);
      expect(emails.map((e) => e.toAddress)).toEqual(["megan@contoso.example", "lee@contoso.example"]);
      expect(emails.every((e) => e.textBody.includes("Budget is frozen."))).toBe(true);
    });

    it("lets only the requester cancel a pending request: a named recipient and an admin are FORBIDDEN, others see NOT_FOUND", async () => {
      const id = await api.submitted("lee@contoso.example", "SPE_E5", ["megan@contoso.example"]);
      for (const who of ["megan@contoso.example", ADMIN]) {
        const res = await server.gql(who, `mutation($id: ID!) { cancelLicenseRequest(input: { requestId: $id }) { userErrors { code } } }`, { id });
        expect(res.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      }
      const stranger = await api.cancel("alex@contoso.example", id);
      expect(stranger.userErrors).toEqual([{ code: "NOT_FOUND", message: "No such license request.", field: ["input", "requestId"] }]);
      const cancelled = await api.cancel("lee@contoso.example", id);
      expect(cancelled.userErrors).toEqual([]);
      expect(cancelled.licenseRequest).toMatchObject({ status: "CANCELLED", decidedBy: { email: "lee@contoso.example" }, viewerCanCancel: false });
      expect(cancelled.licenseRequest.recipients.map((r: { decision: string }) => r.decision)).toEqual(["PENDING", "PENDING"]);
      expect((await api.stored(id)).emails).toEqual([]);
      expect((await api.cancel("lee@contoso.example", id)).userErrors[0].code).toBe("CONFLICT");
      // Cancelled, the product can be asked for again.
      expect((await api.cancel("lee@contoso.example", await api.submitted("lee@contoso.example", "SPE_E5", ["megan@contoso.example"]))).userErrors).toEqual([]);
    });
  });

  describe("updateRequestProcessSettings", () => {
    it("needs a message to turn on, an absolute http(s) link, admins only; off keeps the last message; earlier requests stay decidable", async () => {
      const id = await api.submitted("megan@contoso.example", "VISIO_PLAN2");
      const bad: [Record<string, unknown>, string[]][] = [
        [{ useOwnRequestProcess: true, message: "   " }, ["input", "message"]],
        [{ useOwnRequestProcess: true, message: "Ask IT.", documentationUrl: "javascript:alert(1)" }, ["input", "documentationUrl"]],
        [{ useOwnRequestProcess: true, message: "Ask IT.", documentationUrl: "/licenses" }, ["input", "documentationUrl"]],
      ];
      for (const [input, field] of bad) {
        const payload = await api.settings(ADMIN, input);
        expect(payload.settings).toBeNull();
        expect(payload.userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field })]);
      }
      const user = await server.gql(
        "alex@contoso.example",
        `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: false }) { userErrors { code } } }`,
      );
      expect(user.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");

      const on = await api.settings(ADMIN, {
        useOwnRequestProcess: true,
        message: "Use the service desk form.",
        documentationUrl: "https://contoso.example/form",
      });
      expect(on.settings).toEqual({
        useOwnRequestProcess: true,
        message: "Use the service desk form.",
        documentationUrl: "https://contoso.example/form",
        updatedBy: { email: ADMIN },
      });
      const asUser = await server.gql("megan@contoso.example", `{ requestProcessSettings { useOwnRequestProcess message documentationUrl } }`);
      expect(asUser.body.data?.requestProcessSettings).toEqual({
        useOwnRequestProcess: true,
        message: "Use the service desk form.",
        documentationUrl: "https://contoso.example/form",
      });
      // A request made before stays listed and decidable.
      expect((await api.read(ADMIN, id))?.viewerCanDecide).toBe(true);
      expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);

      const off = await api.settings(ADMIN, { useOwnRequestProcess: false });
      expect(off.settings).toMatchObject({ useOwnRequestProcess: false, message: "Use the service desk form." });
    });
  });

  describe("viewer fields and history", () => {
    it("computes viewerCanDecide and viewerCanCancel per viewer and status, expired included", async () => {
      const id = await api.submitted("megan@contoso.example", "POWER_BI_PRO", ["alex@contoso.example"]);
      const flags = async (who: string) => {
        const r = await api.read(who, id);
        return r && [r.viewerCanDecide, r.viewerCanCancel];
      };
      expect(await flags(ADMIN)).toEqual([true, false]);
      expect(await flags("megan@contoso.example")).toEqual([false, true]);
      expect(await flags("alex@contoso.example")).toEqual([false, false]);
      expect(await flags("lee@contoso.example")).toBeNull();
      server.clock.advance(31 * DAY);
      try {
        expect((await api.read(ADMIN, id))?.status).toBe("EXPIRED");
        expect(await flags(ADMIN)).toEqual([false, false]);
        expect(await flags("megan@contoso.example")).toEqual([false, false]);
      } finally {
        server.clock.advance(-31 * DAY);
      }
      expect((await api.cancel("megan@contoso.example", id)).userErrors).toEqual([]);
    });

    it("records who decided what, when, from which product, with which apps off and which message; for admins only", async () => {
      const id = await api.submitted("nestor@contoso.example", "POWER_BI_PRO", ["lee@contoso.example"]);
      await api.approve(ADMIN, id, {
        productId: server.ids.product("SPE_E5"),
        excludedUserIds: [server.ids.user("lee@contoso.example")],
        disabledServicePlanIds: [server.ids.plan("SHAREPOINTENTERPRISE")],
        message: "For the dashboards.",
      });
      const HISTORY = `query($id: ID!) { licenseRequest(id: $id) { history { action actor { email } at product { skuPartNumber } disabledServicePlans { servicePlanName } message approvedUsers { email } deniedUsers { email } } } }`;
      const history = (await server.gql(ADMIN, HISTORY, { id })).body.data?.licenseRequest.history;
      expect(history).toEqual(
        [
          expect.objectContaining({ action: expect.any(String), actor: { email: "nestor@contoso.example" } }),
          {
            action: "PARTIALLY_APPROVED",
            actor: { email: ADMIN },
            at: server.clock.now().toISOString(),
            product: { skuPartNumber: "SPE_E5" },
            disabledServicePlans: [{ servicePlanName: "SHAREPOINTENTERPRISE" }],
            message: "For the dashboards.",
            approvedUsers: [{ email: "nestor@contoso.example" }],
            deniedUsers: [{ email: "lee@contoso.example" }],
          },
        ].slice(history.length === 1 ? 1 : 0),
      );
      expect((await server.gql("nestor@contoso.example", HISTORY, { id })).body.data?.licenseRequest.history).toBeNull();
      const list = await server.gql(ADMIN, `{ licenseRequestDecisions(first: 1) { nodes { action request { id } } } }`);
      expect(list.body.data?.licenseRequestDecisions.nodes).toEqual([{ action: "PARTIALLY_APPROVED", request: { id } }]);
      const asUser = await server.gql("nestor@contoso.example", `{ licenseRequestDecisions(first: 1) { totalCount } }`);
      expect(asUser.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      // Kept beyond the request's 30 days.
      server.clock.advance(90 * DAY);
      try {
        expect((await server.gql(ADMIN, HISTORY, { id })).body.data?.licenseRequest.history).toHaveLength(history.length);
      } finally {
        server.clock.advance(-90 * DAY);
      }
    });
  });
});
