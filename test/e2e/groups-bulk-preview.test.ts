/**
 * Security groups, approval through a group, the decision preview and bulk
 * decisions (api.md "The admin center today": Groups, Bulk, Preview), over
 * real HTTP against the demo data: who may read groups, eligibleGroups, the
 * group's product taken from its pool and the approved people made members,
 * a preview that answers what the real call would and leaves every table as
 * it was, and decisions in bulk, each on its own, idempotent as a whole.
 */
import { GroupMemberEntity, LicenseAssignmentEntity, UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { snapshot, snapshotDiff } from "../helpers/attacks";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe("groups, the preview and bulk decisions", () => {
  let server: TestServer;
  let api: RequestsApi;
  let contosoId: number;
  let e5Group: string;
  let unlicensedGroup: string;
  let fabrikamGroup: string;
  let sequence = 0;

  /** A new Contoso user for one test: its token and global ID. */
  async function newUser(role: "USER" | "GLOBAL_ADMIN" = "USER"): Promise<{ token: string; id: string; row: UserEntity }> {
    sequence += 1;
    const repository = server.service.dataSource.getRepository(UserEntity);
    const row = await repository.save(
      repository.create({
        organizationId: contosoId,
        displayName: `Person ${String(sequence).padStart(3, "0")}`,
        email: `person${sequence}@contoso.example`,
        role,
      }),
    );
    return { token: await signToken(TEST_JWT_SECRET, row), id: toGlobalId("User", row.id), row };
  }

  /** Submits a request of `sku` for `as` naming `others` (global IDs); its ID. */
  const submit = async (as: string, sku: string, others: string[] = []): Promise<string> => {
    const payload = await api.submit(as, sku, [], { additionalUserIds: others });
    if (payload.userErrors.length) throw new Error(JSON.stringify(payload.userErrors));
    return payload.licenseRequest.id as string;
  };

  const gql = async (as: string, query: string, variables?: Json): Promise<Json> => {
    const res = await server.gql(as, query, variables);
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data as Json;
  };

  const DECIDE = `mutation($input: DecideLicenseRequestsInput!) {
    decideLicenseRequests(input: $input) {
      clientMutationId userErrors { code message field }
      results { requestId userErrors { code message field } licenseRequest { id status assignedProduct { skuPartNumber } } assignments { id group { id } } }
    } }`;
  const decide = async (as: string, input: Json) => (await gql(as, DECIDE, { input })).decideLicenseRequests;

  const PREVIEW = `query($input: LicenseRequestDecisionInput!) {
    previewLicenseRequestDecision(input: $input) {
      licenseRequest { id status } approvedUsers { email } deniedUsers { email } product { skuPartNumber availableLicenses }
      group { id name } availableLicensesAfter emails { to subject } userErrors { code message field }
    } }`;
  const preview = async (input: Json) => (await gql(ADMIN, PREVIEW, { input })).previewLicenseRequestDecision;

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
    contosoId = server.ids.userRow(ADMIN).organizationId;
    // These tests count the emails decisions write; the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
    const groups = (await gql(ADMIN, `{ groups { nodes { id name } } }`)).groups.nodes as Json[];
    e5Group = groups.find((g) => g.name === "Microsoft 365 E5 users")!.id;
    unlicensedGroup = groups.find((g) => g.name === "Project managers")!.id;
    fabrikamGroup = (await gql(FABRIKAM_ADMIN, `{ groups { nodes { id name } } }`)).groups.nodes[0].id;
  });
  afterAll(async () => {
    await server.stop();
  });

  describe("reading groups", () => {
    it("lists the organization's groups by name for admins, with members, counts and licensed products", async () => {
      const data = await gql(
        ADMIN,
        `{ groups(first: 10) { totalCount edges { cursor node { id name memberCount licensedProducts { skuPartNumber } members(first: 2) { totalCount nodes { email } pageInfo { hasNextPage } } } } } }`,
      );
      expect(data.groups.totalCount).toBe(2);
      expect(data.groups.edges.map((e: Json) => e.node)).toEqual([
        {
          id: e5Group,
          name: "Microsoft 365 E5 users",
          memberCount: 4,
          licensedProducts: [{ skuPartNumber: "SPE_E5" }],
          members: { totalCount: 4, nodes: [{ email: "joni@contoso.example" }, { email: "lynne@contoso.example" }], pageInfo: { hasNextPage: true } },
        },
        {
          id: unlicensedGroup,
          name: "Project managers",
          memberCount: 3,
          licensedProducts: [],
          members: { totalCount: 3, nodes: [{ email: "grady@contoso.example" }, { email: "johanna@contoso.example" }], pageInfo: { hasNextPage: true } },
        },
      ]);
      const searched = await gql(ADMIN, `{ groups(search: "project") { nodes { name } } }`);
      expect(searched.groups.nodes).toEqual([{ name: "Project managers" }]);
      const second = await gql(ADMIN, `query($after: String) { groups(first: 1, after: $after) { nodes { name } } }`, {
        after: data.groups.edges[0].cursor,
      });
      expect(second.groups.nodes).toEqual([{ name: "Project managers" }]);
    });

    it("answers FORBIDDEN to a user, resolves a group node for admins of its organization only, and shows where a seeded E5 license comes from", async () => {
      const forbidden = await server.gql("adele@contoso.example", `{ groups { totalCount } }`);
      expect(forbidden.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      const node = `query($id: ID!) { node(id: $id) { ... on Group { id name } } }`;
      expect((await gql(ADMIN, node, { id: e5Group })).node).toEqual({ id: e5Group, name: "Microsoft 365 E5 users" });
      expect((await gql("adele@contoso.example", node, { id: e5Group })).node).toBeNull();
      expect((await gql(FABRIKAM_ADMIN, node, { id: e5Group })).node).toBeNull();
      const lynne = await gql(ADMIN, `query($id: ID!) { node(id: $id) { ... on User { licenses { product { skuPartNumber } group { name } } } } }`, {
        id: server.ids.user("lynne@contoso.example"),
      });
      expect(lynne.node.licenses).toEqual([{ product: { skuPartNumber: "SPE_E5" }, group: { name: "Microsoft 365 E5 users" } }]);
    });

    it("lists as eligibleGroups the groups licensed with an eligible product, for admins only", async () => {
      const requester = await newUser();
      const pbi = await api.submitted(requester.token, "POWER_BI_PRO");
      const visio = await api.submitted((await newUser()).token, "VISIO_PLAN2");
      const eligible = `query($a: ID!, $b: ID!) { a: licenseRequest(id: $a) { eligibleGroups { id name } } b: licenseRequest(id: $b) { eligibleGroups { id } } }`;
      expect(await gql(ADMIN, eligible, { a: pbi, b: visio })).toEqual({
        a: { eligibleGroups: [{ id: e5Group, name: "Microsoft 365 E5 users" }] },
        b: { eligibleGroups: [] },
      });
      expect((await gql(requester.token, `query($a: ID!) { licenseRequest(id: $a) { eligibleGroups { id } } }`, { a: pbi })).licenseRequest).toEqual({
        eligibleGroups: [],
      });
    });
  });

  describe("approving through a group", () => {
    it("assigns the group's product from its pool, with the group on each license, and makes the approved people members", async () => {
      const requester = await newUser();
      const other = await newUser();
      const left = await newUser();
      const id = await submit(requester.token, "POWER_BI_PRO", [other.id, left.id]);
      const e5 = await api.pool("SPE_E5");
      const pbi = await api.pool("POWER_BI_PRO");
      const res = await gql(
        ADMIN,
        `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) {
          userErrors { code message field } licenseRequest { id status assignedProduct { skuPartNumber } }
          assignments { user { email } product { skuPartNumber } group { id name } } } }`,
        { input: { requestId: id, assignThrough: { groupId: e5Group }, excludedUserIds: [left.id] } },
      );
      const payload = res.approveLicenseRequest;
      expect(payload.userErrors).toEqual([]);
      expect(payload.licenseRequest).toEqual({ id, status: "PARTIALLY_APPROVED", assignedProduct: { skuPartNumber: "SPE_E5" } });
      expect(payload.assignments).toEqual(
        [requester, other].map((u) => ({
          user: { email: u.row.email },
          product: { skuPartNumber: "SPE_E5" },
          group: { id: e5Group, name: "Microsoft 365 E5 users" },
        })),
      );
      expect(await api.pool("SPE_E5")).toEqual({ total: e5.total, assigned: e5.assigned + 2 });
      expect(await api.pool("POWER_BI_PRO")).toEqual(pbi);
      const groupRow = localIdOf(e5Group, "Group")!;
      const members = await server.service.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: groupRow });
      expect(members.map((m) => m.userId)).toEqual(expect.arrayContaining([requester.row.id, other.row.id]));
      expect(members.map((m) => m.userId)).not.toContain(left.row.id);
      const stored = await server.service.dataSource.getRepository(LicenseAssignmentEntity).findBy({ requestId: localIdOf(id, "LicenseRequest")! });
      expect(stored.map((a) => a.groupId)).toEqual([groupRow, groupRow]);
      expect((await api.stored(id)).emails).toHaveLength(3);
    });

    it("records the group in the history and names it in the approval email; a direct approval records and names none", async () => {
      const [a, b] = [await newUser(), await newUser()];
      const through = await api.submitted(a.token, "POWER_BI_PRO");
      const direct = await api.submitted(b.token, "POWER_BI_PRO");
      expect((await api.approve(ADMIN, through, { assignThrough: { groupId: e5Group } })).userErrors).toEqual([]);
      expect((await api.approve(ADMIN, direct)).userErrors).toEqual([]);
      const HISTORY = `query($a: ID!, $b: ID!) {
        a: licenseRequest(id: $a) { history { action product { skuPartNumber } group { id name } } }
        b: licenseRequest(id: $b) { history { action product { skuPartNumber } group { id name } } } }`;
      expect(await gql(ADMIN, HISTORY, { a: through, b: direct })).toEqual({
        a: { history: [{ action: "APPROVED", product: { skuPartNumber: "SPE_E5" }, group: { id: e5Group, name: "Microsoft 365 E5 users" } }] },
        b: { history: [{ action: "APPROVED", product: { skuPartNumber: "POWER_BI_PRO" }, group: null }] },
      });
      const newest = await gql(ADMIN, `{ licenseRequestDecisions(first: 2) { nodes { request { id } group { name } } } }`);
      expect(newest.licenseRequestDecisions.nodes).toEqual([
        { request: { id: direct }, group: null },
        { request: { id: through }, group: { name: "Microsoft 365 E5 users" } },
      ]);
      // The history, and with it the group, stays the global admins'.
      expect((await gql(a.token, `query($a: ID!) { licenseRequest(id: $a) { history { group { id } } } }`, { a: through })).licenseRequest).toEqual({
        history: null,
      });
      const [throughEmail] = (await api.stored(through)).emails;
      const [directEmail] = (await api.stored(direct)).emails;
      expect(throughEmail.textBody).toContain("You now have a license of Microsoft 365 E5 through the group Microsoft 365 E5 users.");
      expect(directEmail.textBody).toContain("You now have a license of Power BI Pro.");
      expect(directEmail.textBody).not.toContain("through the group");
    });

    it("refuses an unlicensed group, a productId the group is not licensed with, and another organization's group, changing nothing", async () => {
      const requester = await newUser();
      const id = await api.submitted(requester.token, "POWER_BI_PRO");
      const before = await snapshot(server.service.dataSource, contosoId);
      const field = ["input", "assignThrough", "groupId"];
      expect((await api.approve(ADMIN, id, { assignThrough: { groupId: unlicensedGroup } })).userErrors).toEqual([
        { code: "INVALID_INPUT", message: expect.stringContaining("Project managers is not licensed with any product"), field },
      ]);
      expect((await api.approve(ADMIN, id, { assignThrough: { groupId: e5Group }, productId: server.ids.product("POWER_BI_PRO") })).userErrors).toEqual([
        { code: "INVALID_INPUT", message: expect.stringContaining("productId and assignThrough must name the same product"), field },
      ]);
      for (const groupId of [fabrikamGroup, "junk", toGlobalId("Group", 99999)]) {
        expect((await api.approve(ADMIN, id, { assignThrough: { groupId } })).userErrors).toEqual([{ code: "NOT_FOUND", message: "No such group.", field }]);
      }
      expect(snapshotDiff(before, await snapshot(server.service.dataSource, contosoId))).toEqual({});
    });
  });

  describe("the preview", () => {
    it("says who gets which license from which product and group, the pool after and the emails, and changes nothing: no row, email, event or idempotency record", async () => {
      const requester = await newUser();
      const other = await newUser();
      const id = await submit(requester.token, "POWER_BI_PRO", [other.id]);
      const dashboard = liveClient(server.wsUrl, await server.ids.token(ADMIN));
      const listening = server.service.services.tails.listenerCount();
      const updates = dashboard.subscribe(`subscription($id: ID) { licenseRequestUpdated(requestId: $id) { id status } }`, { id });
      await eventually(() => server.service.services.tails.listenerCount() > listening);
      try {
        const e5 = await api.pool("SPE_E5");
        const before = await snapshot(server.service.dataSource);
        const answer = await preview({
          requestId: id,
          decision: "APPROVE",
          assignThrough: { groupId: e5Group },
          excludedUserIds: [other.id],
          message: "Welcome.",
        });
        expect(answer).toEqual({
          licenseRequest: { id, status: "PENDING" },
          approvedUsers: [{ email: requester.row.email }],
          deniedUsers: [{ email: other.row.email }],
          product: { skuPartNumber: "SPE_E5", availableLicenses: e5.total - e5.assigned },
          group: { id: e5Group, name: "Microsoft 365 E5 users" },
          availableLicensesAfter: e5.total - e5.assigned - 1,
          emails: [
            { to: requester.row.email, subject: expect.stringContaining("approved") },
            { to: other.row.email, subject: expect.stringContaining("denied") },
          ],
          userErrors: [],
        });
        const denial = await preview({ requestId: id, decision: "DENY" });
        expect(denial).toMatchObject({
          approvedUsers: [],
          deniedUsers: [{ email: requester.row.email }, { email: other.row.email }],
          product: null,
          group: null,
        });
        expect(denial.emails).toHaveLength(2);
        expect(snapshotDiff(before, await snapshot(server.service.dataSource))).toEqual({});

        // The first event the request publishes is the real decision's: the previews published none.
        expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);
        expect(await updates.nextData()).toEqual({ licenseRequestUpdated: { id, status: "DENIED" } });
      } finally {
        await dashboard.dispose();
      }
    });

    it("uses up no ID: what a decision writes after previews gets the IDs it would have got without them (MariaDB keeps a rolled-back ID used)", async () => {
      const [first, second] = [await newUser(), await newUser()];
      const a = await api.submitted(first.token, "POWER_BI_PRO");
      const b = await api.submitted(second.token, "POWER_BI_PRO");
      const newest = async () => {
        const [row] = await server.service.dataSource.query<Record<string, unknown>[]>(
          "SELECT (SELECT MAX(id) FROM license_assignment) AS assignment, (SELECT MAX(id) FROM decision_record) AS decision, (SELECT MAX(id) FROM outbox_email) AS email",
        );
        return { assignment: Number(row["assignment"]), decision: Number(row["decision"]), email: Number(row["email"]) };
      };
      expect((await api.approve(ADMIN, a)).userErrors).toEqual([]);
      const before = await newest();
      expect(await preview({ requestId: b, decision: "APPROVE", assignThrough: { groupId: e5Group } })).toMatchObject({
        approvedUsers: [{ email: second.row.email }],
        emails: [{ to: second.row.email }],
        userErrors: [],
      });
      expect(await preview({ requestId: b, decision: "DENY" })).toMatchObject({ emails: [{ to: second.row.email }], userErrors: [] });
      expect((await api.approve(ADMIN, b)).userErrors).toEqual([]);
      expect(await newest()).toEqual({ assignment: before.assignment + 1, decision: before.decision + 1, email: before.email + 1 });
    });

    it("gives every userError the real call would give, the pool's shortage and a decided request included", async () => {
      const requester = await newUser();
      const id = await api.submitted(requester.token, "VISIO_PLAN2");
      const products = server.service.dataSource.getRepository("ProductEntity");
      const visio = server.ids.productRow("VISIO_PLAN2");
      const pool = await api.pool("VISIO_PLAN2");
      await products.update({ id: visio.id }, { totalLicenses: pool.assigned });
      try {
        const short = await preview({ requestId: id, decision: "APPROVE" });
        const real = await api.approve(ADMIN, id);
        expect(real.userErrors[0].code).toBe("INSUFFICIENT_LICENSES");
        expect(short.userErrors).toEqual(real.userErrors);
        expect(short).toMatchObject({
          approvedUsers: [{ email: requester.row.email }],
          product: { skuPartNumber: "VISIO_PLAN2" },
          availableLicensesAfter: 0,
          emails: [],
        });
      } finally {
        await products.update({ id: visio.id }, { totalLicenses: pool.total });
      }
      expect((await api.deny(ADMIN, id)).userErrors).toEqual([]);
      for (const input of [
        { requestId: id, decision: "APPROVE" },
        { requestId: "junk", decision: "DENY" },
        { requestId: id, decision: "DENY", productId: server.ids.product("SPE_E5") },
        { requestId: id, decision: "APPROVE", message: "x".repeat(1001) },
      ]) {
        const real = input.decision === "DENY" && !("productId" in input) ? await api.deny(ADMIN, input.requestId) : null;
        const answer = await preview(input);
        expect(answer.userErrors.length).toBeGreaterThan(0);
        if (real) expect(answer.userErrors).toEqual(real.userErrors);
      }
      expect((await preview({ requestId: id, decision: "APPROVE" })).userErrors).toEqual([
        { code: "CONFLICT", message: expect.stringContaining("DENIED"), field: ["input", "requestId"] },
      ]);
      const forbidden = await server.gql(requester.token, PREVIEW, { input: { requestId: id, decision: "DENY" } });
      expect(forbidden.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    });
  });

  describe("bulk decisions", () => {
    it("decides each request on its own, in input order; one failing undoes no other", async () => {
      const people = await Promise.all([newUser(), newUser(), newUser()]);
      const [a, b, c] = await Promise.all([
        api.submitted(people[0].token, "POWER_BI_PRO"),
        api.submitted(people[1].token, "VISIO_PLAN2"),
        api.submitted(people[2].token, "POWER_BI_PRO"),
      ]);
      expect((await api.deny(ADMIN, b)).userErrors).toEqual([]);
      const payload = await decide(ADMIN, {
        clientMutationId: "bulk-1",
        decisions: [
          { requestId: a, decision: "APPROVE", assignThrough: { groupId: e5Group } },
          { requestId: b, decision: "APPROVE" },
          { requestId: c, decision: "DENY", message: "Not this quarter." },
          { requestId: toGlobalId("LicenseRequest", 99999), decision: "DENY", productId: server.ids.product("SPE_E5") },
        ],
      });
      expect(payload.userErrors).toEqual([]);
      expect(payload.clientMutationId).toBe("bulk-1");
      expect(payload.results.map((r: Json) => r.requestId)).toEqual([a, b, c, toGlobalId("LicenseRequest", 99999)]);
      expect(payload.results[0]).toMatchObject({
        userErrors: [],
        licenseRequest: { id: a, status: "APPROVED", assignedProduct: { skuPartNumber: "SPE_E5" } },
        assignments: [{ id: expect.any(String), group: { id: e5Group } }],
      });
      expect(payload.results[1]).toEqual({
        requestId: b,
        licenseRequest: null,
        assignments: [],
        userErrors: [{ code: "CONFLICT", message: expect.stringContaining("DENIED"), field: ["input", "decisions", "1", "requestId"] }],
      });
      expect(payload.results[2]).toMatchObject({ userErrors: [], licenseRequest: { id: c, status: "DENIED", assignedProduct: null }, assignments: [] });
      expect(payload.results[3].userErrors).toEqual([
        { code: "INVALID_INPUT", message: expect.stringContaining("A denial takes no productId"), field: ["input", "decisions", "3", "productId"] },
      ]);
      expect((await api.stored(c)).request.decisionMessage).toBe("Not this quarter.");
    });

    it("refuses the call as a whole, changing nothing, for none, more than 50 or the same request twice; FORBIDDEN for a user", async () => {
      const requester = await newUser();
      const id = await api.submitted(requester.token, "POWER_BI_PRO");
      const before = await snapshot(server.service.dataSource, contosoId);
      const tooMany = Array.from({ length: 51 }, (_, i) => ({ requestId: i === 0 ? id : toGlobalId("LicenseRequest", 90000 + i), decision: "DENY" }));
      for (const [decisions, message] of [
        [[], "Send at least one decision."],
        [tooMany, "At most 50 decisions"],
        [
          [
            { requestId: id, decision: "DENY" },
            { requestId: id, decision: "APPROVE" },
          ],
          "decide each request once",
        ],
      ] as const) {
        const payload = await decide(ADMIN, { decisions });
        expect(payload.results).toEqual([]);
        expect(payload.userErrors).toEqual([{ code: "INVALID_INPUT", message: expect.stringContaining(message), field: expect.any(Array) }]);
      }
      expect(snapshotDiff(before, await snapshot(server.service.dataSource, contosoId))).toEqual({});
      const forbidden = await server.gql(requester.token, DECIDE, { input: { decisions: [{ requestId: id, decision: "DENY" }] } });
      expect(forbidden.body.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      expect((await api.stored(id)).request.status).toBe("PENDING");
    });

    it("prices a call by the decisions it sends: one decision may select its request's recipients and its assignments in full", async () => {
      const requester = await newUser();
      const id = await api.submitted(requester.token, "SPE_E5");
      const res = await server.gql(
        ADMIN,
        `mutation($input: DecideLicenseRequestsInput!) {
          decideLicenseRequests(input: $input) {
            userErrors { code }
            results { licenseRequest { id recipients { user { id } } } assignments { id user { id } product { id } disabledServicePlans { id } } }
          } }`,
        { input: { decisions: [{ requestId: id, decision: "APPROVE" }] } },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.status).toBe(200);
      expect(res.body.data!.decideLicenseRequests).toEqual({
        userErrors: [],
        results: [
          {
            licenseRequest: { id, recipients: [{ user: { id: requester.id } }] },
            assignments: [{ id: expect.any(String), user: { id: requester.id }, product: { id: server.ids.product("SPE_E5") }, disabledServicePlans: [] }],
          },
        ],
      });
      // The operation (10), the payload and its userErrors (1 + 50), and one result, not fifty: itself, its
      // request with at most 50 recipients, at most 50 assignments with their user, product and plans.
      expect((res.body.extensions!.cost as Json).requestedQueryCost).toBe(10 + 1 + 50 + (1 + (1 + 50 * 2) + 50 * (1 + 1 + 1 + 50)));
    });

    it("answers a repeated call with the same key as the first did and acts once; the key with another call is refused", async () => {
      const people = await Promise.all([newUser(), newUser()]);
      const [a, b] = await Promise.all(people.map((p) => api.submitted(p.token, "SPE_E5")));
      const e5 = await api.pool("SPE_E5");
      const input = {
        idempotencyKey: "bulk-once-1",
        decisions: [
          { requestId: a, decision: "APPROVE" },
          { requestId: b, decision: "DENY" },
        ],
      };
      const [first, second] = await Promise.all([decide(ADMIN, { ...input, clientMutationId: "x" }), decide(ADMIN, { ...input, clientMutationId: "y" })]);
      for (const payload of [first, second]) {
        expect(payload.userErrors).toEqual([]);
        expect(payload.results.map((r: Json) => [r.userErrors, r.licenseRequest?.status])).toEqual([
          [[], "APPROVED"],
          [[], "DENIED"],
        ]);
      }
      expect([first.clientMutationId, second.clientMutationId]).toEqual(["x", "y"]);
      expect((await decide(ADMIN, input)).results[0].assignments).toEqual(first.results[0].assignments);
      expect(await api.pool("SPE_E5")).toEqual({ total: e5.total, assigned: e5.assigned + 1 });
      expect((await api.stored(a)).emails).toHaveLength(1);
      expect((await api.stored(b)).emails).toHaveLength(1);
      const other = await decide(ADMIN, { ...input, decisions: [{ requestId: a, decision: "DENY" }] });
      expect(other.userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: ["input", "idempotencyKey"] })]);
      expect(other.results).toEqual([]);
      // Another admin's same key is another key: the requests are decided already.
      const otherAdmin = await newUser("GLOBAL_ADMIN");
      expect((await decide(otherAdmin.token, input)).results.map((r: Json) => r.userErrors[0]?.code)).toEqual(["CONFLICT", "CONFLICT"]);
    });
  });
});
