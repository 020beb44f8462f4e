/**
 * The read side over real HTTP (api.md "Who may do what", "Rules", "Errors"):
 * who sees which requests in two organizations and both roles, the Requests
 * tab's filters and pages, IDs that name nothing visible, expiry on read, the
 * people picker, and the plain reads (me, products, settings, eligible
 * products). Every expectation is derived from the database the server uses,
 * not from counts written down here.
 */
import {
  DecisionRecordEntity,
  LicenseAssignmentEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  ProductEntity,
  ProductServicePlanEntity,
  ServicePlanEntity,
  UserEntity,
} from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { insertDecidedRequests } from "../helpers/bulk";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { GraphQLResponse, startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";
const FABRIKAM_ADMIN = "admin@fabrikam.example";
const CONTOSO_USERS = ["adele", "alex", "megan", "lee", "nestor", "patti", "lynne", "johanna", "grady", "isaiah", "miriam", "pradeep", "joni"].map(
  (handle) => `${handle}@contoso.example`,
);
const FABRIKAM_USERS = ["diego", "irvin", "emily", "nina", "omar"].map((handle) => `${handle}@fabrikam.example`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const LIST = `query($filter: LicenseRequestFilter, $orderBy: LicenseRequestOrder, $first: Int, $after: String, $last: Int, $before: String) {
  licenseRequests(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id status } }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string; status: string } }[];
}

interface Filter {
  state?: "PENDING" | "COMPLETED";
  statuses?: string[];
  productId?: string;
  requesterId?: string;
}

/** A stored request as the rules see it: its organization, product, requester, recipients and status at a given time. */
interface StoredRequest {
  id: number;
  organizationId: number;
  productId: number;
  requesterId: number;
  recipientIds: number[];
  status: string;
  requestedAt: number;
  expiresAt: number;
}

const requestId = (id: number) => toGlobalId("LicenseRequest", id);

/** What an operation answered, without the response's own extensions (they carry a per-request ID). */
const answerOf = (res: GraphQLResponse) => ({ data: res.body.data, errors: res.body.errors });

describe("the read side over HTTP", () => {
  let server: TestServer;
  let api: RequestsApi;

  /** Every stored request with its recipients, straight from the database. */
  async function storedRequests(): Promise<StoredRequest[]> {
    const ds = server.service.dataSource;
    const rows = await ds.getRepository(LicenseRequestEntity).find();
    const recipients = await ds.getRepository(LicenseRequestRecipientEntity).find();
    return rows.map((r) => ({
      id: r.id,
      organizationId: r.organizationId,
      productId: r.productId,
      requesterId: r.requesterId,
      recipientIds: recipients.filter((x) => x.requestId === r.id).map((x) => x.userId),
      status: r.status,
      requestedAt: r.requestedAt.getTime(),
      expiresAt: r.expiresAt.getTime(),
    }));
  }

  /** The status a request reads as now: a stored PENDING past expiresAt is EXPIRED. */
  const readStatus = (r: StoredRequest) => (r.status === "PENDING" && r.expiresAt <= server.clock.now().getTime() ? "EXPIRED" : r.status);

  /** The global IDs `email` should get from licenseRequests(filter), newest first (api.md's visibility and filter rules). */
  async function expectedIds(email: string, filter: Filter = {}): Promise<string[]> {
    const viewer = server.ids.userRow(email);
    const completed = ["APPROVED", "PARTIALLY_APPROVED", "DENIED", "EXPIRED", "CANCELLED"];
    return (await storedRequests())
      .filter((r) => r.organizationId === viewer.organizationId)
      .filter((r) => viewer.role === "GLOBAL_ADMIN" || r.requesterId === viewer.id || r.recipientIds.includes(viewer.id))
      .filter((r) => !filter.state || (filter.state === "PENDING" ? readStatus(r) === "PENDING" : completed.includes(readStatus(r))))
      .filter((r) => !filter.statuses || filter.statuses.includes(readStatus(r)))
      .filter((r) => !filter.productId || productGlobalId(r.productId) === filter.productId)
      .filter((r) => !filter.requesterId || toGlobalId("User", r.requesterId) === filter.requesterId)
      .sort((a, b) => b.requestedAt - a.requestedAt || b.id - a.id)
      .map((r) => requestId(r.id));
  }
  const productGlobalId = (productId: number) => toGlobalId("Product", productId);

  /** One page of licenseRequests; fails the test on any top-level error. */
  async function page(as: string, variables: Record<string, unknown>): Promise<Page> {
    const res = await server.gql(as, LIST, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.licenseRequests as Page;
  }

  /** Walks every page forward with `first`; the IDs in order, the totalCount every page gave, and the pages. */
  async function walkForward(as: string, variables: Record<string, unknown>, first = 100) {
    const pages: Page[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const current: Page = await page(as, { ...variables, first, after });
      pages.push(current);
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(pages[pages.length - 1].pageInfo.hasNextPage).toBe(false);
    return { ids: pages.flatMap((p) => p.edges.map((e) => e.node.id)), totals: [...new Set(pages.map((p) => p.totalCount))], pages };
  }

  /** The top-level error of an operation expected to fail: its code and argument. */
  async function refusal(as: string, query: string, variables?: Record<string, unknown>) {
    const res = await server.gql(as, query, variables);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    const { code, argumentName } = res.body.errors![0].extensions as { code: string; argumentName?: string };
    return { code, argumentName };
  }

  /** The pending request a seeded requester sent. */
  async function seededPending(email: string): Promise<StoredRequest> {
    const requester = server.ids.userRow(email).id;
    const found = (await storedRequests()).find((r) => r.requesterId === requester && r.status === "PENDING");
    if (!found) throw new Error(`no pending request of ${email}`);
    return found;
  }

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
    const ds = server.service.dataSource;
    // More Contoso requests than the largest page, the newest at the same instant as the requests submitted below.
    await insertDecidedRequests(ds, 110, { newest: server.clock.now(), stepMs: 7 * 60_000 });
    await insertDecidedRequests(ds, 6, { organizationName: "Fabrikam", newest: server.clock.now(), stepMs: HOUR });
    await api.submitted("adele@contoso.example", "VISIO_PLAN2", ["alex@contoso.example"]);
    await api.submitted("megan@contoso.example", "SPE_E5", ["lee@contoso.example"]);
    await api.submitted("nestor@contoso.example", "POWER_BI_PRO");
    // Adele: an approved E5 and a pending Power BI Pro besides her approved bulk Power BI Pro requests.
    expect((await api.approve(ADMIN, await api.submitted("adele@contoso.example", "SPE_E5"))).userErrors).toEqual([]);
    await api.submitted("adele@contoso.example", "POWER_BI_PRO");
    const fabrikamVisio = { productId: server.ids.product("VISIO_PLAN2", "Fabrikam") };
    expect((await api.submit("diego@fabrikam.example", "VISIO_PLAN2", ["nina@fabrikam.example"], fabrikamVisio)).userErrors).toEqual([]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe("who sees which requests", () => {
    it("shows each organization's admin every request of that organization and none of the other", async () => {
      const contoso = await walkForward(ADMIN, {});
      const fabrikam = await walkForward(FABRIKAM_ADMIN, {});
      expect(contoso.ids).toEqual(await expectedIds(ADMIN));
      expect(fabrikam.ids).toEqual(await expectedIds(FABRIKAM_ADMIN));
      expect(contoso.totals).toEqual([contoso.ids.length]);
      expect(fabrikam.totals).toEqual([fabrikam.ids.length]);
      // Together the two admins see every stored request, each exactly once.
      const all = (await storedRequests()).map((r) => requestId(r.id));
      expect([...contoso.ids, ...fabrikam.ids].sort()).toEqual(all.sort());
      expect(contoso.ids.length).toBeGreaterThan(100);
      expect(fabrikam.ids.length).toBeGreaterThan(2);
    });

    it.each([...CONTOSO_USERS, ...FABRIKAM_USERS])("shows %s exactly the requests they sent or are named in", async (email) => {
      const listed = await walkForward(email, {});
      expect(listed.ids).toEqual(await expectedIds(email));
      expect(listed.totals).toEqual([listed.ids.length]);
    });

    it("counts a request a user is only named in, not sent (pradeep in johanna's, grady in patti's)", async () => {
      const stored = await storedRequests();
      for (const [named, requester] of [
        ["pradeep@contoso.example", "johanna@contoso.example"],
        ["grady@contoso.example", "patti@contoso.example"],
      ]) {
        const theirs = stored.find((r) => r.requesterId === server.ids.userRow(requester).id && r.recipientIds.includes(server.ids.userRow(named).id))!;
        expect((await walkForward(named, {})).ids).toContain(requestId(theirs.id));
        expect(await api.read(named, requestId(theirs.id))).toMatchObject({ id: requestId(theirs.id) });
      }
    });

    it("answers licenseRequest, node and nodes for another organization's request exactly as for one that does not exist", async () => {
      const stored = await storedRequests();
      const foreign = requestId((await seededPending("irvin@fabrikam.example")).id);
      const missing = requestId(Math.max(...stored.map((r) => r.id)) + 1000);
      const visible = requestId((await seededPending("patti@contoso.example")).id);
      const single = `query($id: ID!) { licenseRequest(id: $id) { id } node(id: $id) { id } }`;
      const foreignAnswer = await server.gql(ADMIN, single, { id: foreign });
      expect(answerOf(foreignAnswer)).toEqual({ data: { licenseRequest: null, node: null } });
      expect(answerOf(await server.gql(ADMIN, single, { id: missing }))).toEqual(answerOf(foreignAnswer));
      // The other organization's admin reads it, so the ID itself is good.
      expect(answerOf(await server.gql(FABRIKAM_ADMIN, single, { id: foreign }))).toEqual({ data: { licenseRequest: { id: foreign }, node: { id: foreign } } });

      const many = await server.gql(ADMIN, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [foreign, visible, missing] });
      expect(answerOf(many)).toEqual({ data: { nodes: [null, { id: visible }, null] } });
    });

    it("answers another organization's user, product, service plan, organization and settings as IDs that do not exist", async () => {
      const fabrikamAdmin = server.ids.userRow(FABRIKAM_ADMIN);
      const pairs: [string, string][] = [
        [server.ids.user("diego@fabrikam.example"), toGlobalId("User", 999_999)],
        [server.ids.product("VISIO_PLAN2", "Fabrikam"), toGlobalId("Product", 999_999)],
        [server.ids.plan("TEAMS1", "Fabrikam"), toGlobalId("ServicePlan", 999_999)],
        [toGlobalId("Organization", fabrikamAdmin.organizationId), toGlobalId("Organization", 999_999)],
        [toGlobalId("RequestProcessSettings", fabrikamAdmin.organizationId), toGlobalId("RequestProcessSettings", 999_999)],
      ];
      for (const [foreign, missing] of pairs) {
        const query = `query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } product(id: $id) { id } }`;
        const answer = await server.gql(ADMIN, query, { id: foreign });
        expect(answerOf(answer)).toEqual({ data: { node: null, nodes: [null], product: null } });
        expect(answerOf(await server.gql(ADMIN, query, { id: missing }))).toEqual(answerOf(answer));
        // Fabrikam's admin reaches the same ID through node.
        expect((await server.gql(FABRIKAM_ADMIN, query, { id: foreign })).body.data!.node).toEqual({ id: foreign });
      }
    });

    it("answers a plain user asking for a request only admins see exactly as for a request that does not exist", async () => {
      const patti = requestId((await seededPending("patti@contoso.example")).id);
      const missing = requestId(999_999);
      const query = `query($id: ID!) { licenseRequest(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id } }`;
      expect((await server.gql(ADMIN, query, { id: patti })).body.data!.licenseRequest).toEqual({ id: patti });
      const hidden = await server.gql("adele@contoso.example", query, { id: patti });
      expect(answerOf(hidden)).toEqual({ data: { licenseRequest: null, node: null, nodes: [null] } });
      expect(answerOf(await server.gql("adele@contoso.example", query, { id: missing }))).toEqual(answerOf(hidden));
    });
  });

  describe("filters", () => {
    const product = (sku: string) => () => server.ids.product(sku);
    const user = (email: string) => () => server.ids.user(email);
    type FilterSpec = { state?: Filter["state"]; statuses?: string[]; product?: () => string; requester?: () => string };
    const cases: [string, FilterSpec][] = [
      ["state PENDING", { state: "PENDING" }],
      ["state COMPLETED", { state: "COMPLETED" }],
      ["statuses DENIED", { statuses: ["DENIED"] }],
      ["statuses APPROVED and PARTIALLY_APPROVED", { statuses: ["APPROVED", "PARTIALLY_APPROVED"] }],
      ["statuses EXPIRED and CANCELLED", { statuses: ["EXPIRED", "CANCELLED"] }],
      ["a product", { product: product("VISIO_PLAN2") }],
      ["a requester", { requester: user("adele@contoso.example") }],
      ["state COMPLETED and a product", { state: "COMPLETED", product: product("VISIO_PLAN2") }],
      ["state COMPLETED intersected with statuses DENIED and PENDING", { state: "COMPLETED", statuses: ["DENIED", "PENDING"] }],
      ["state PENDING and a requester", { state: "PENDING", requester: user("nestor@contoso.example") }],
      ["a product, a requester and statuses", { product: product("POWER_BI_PRO"), requester: user("adele@contoso.example"), statuses: ["APPROVED"] }],
    ];
    const toFilter = (spec: FilterSpec): Filter => ({
      ...(spec.state ? { state: spec.state } : {}),
      ...(spec.statuses ? { statuses: spec.statuses } : {}),
      ...(spec.product ? { productId: spec.product() } : {}),
      ...(spec.requester ? { requesterId: spec.requester() } : {}),
    });

    it.each(cases)("lists exactly the requests matching %s, with a totalCount that follows the filter (admin and user)", async (_name, spec) => {
      const filter = toFilter(spec);
      for (const as of [ADMIN, "adele@contoso.example"]) {
        const expected = await expectedIds(as, filter);
        const listed = await walkForward(as, { filter });
        expect(listed.ids).toEqual(expected);
        expect(listed.totals).toEqual([expected.length]);
      }
      // Every case matches something for the admin, so none passes by listing nothing, and every
      // criterion leaves something out that the others admit, so none passes by being ignored.
      const admitted = await expectedIds(ADMIN, filter);
      expect(admitted.length).toBeGreaterThan(0);
      for (const criterion of Object.keys(filter) as (keyof Filter)[]) {
        const { [criterion]: _dropped, ...others } = filter;
        expect({ criterion, admitted: (await expectedIds(ADMIN, others)).length }).not.toEqual({ criterion, admitted: admitted.length });
      }
    });

    it("lists nothing, with totalCount 0, for a state and statuses that do not intersect", async () => {
      const listed = await page(ADMIN, { filter: { state: "PENDING", statuses: ["DENIED", "APPROVED"] } });
      expect(listed).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, edges: [] });
    });

    it("reads each listed request with the status its filter asked for", async () => {
      const listed = await walkForward(ADMIN, { filter: { statuses: ["PARTIALLY_APPROVED", "CANCELLED"] } });
      expect(new Set(listed.pages.flatMap((p) => p.edges.map((e) => e.node.status)))).toEqual(new Set(["PARTIALLY_APPROVED", "CANCELLED"]));
    });

    it("orders oldest first with orderBy REQUESTED_AT ASC, the reverse of the default", async () => {
      const newestFirst = await walkForward(ADMIN, { filter: { state: "COMPLETED" } }, 40);
      const oldestFirst = await walkForward(ADMIN, { filter: { state: "COMPLETED" }, orderBy: { field: "REQUESTED_AT", direction: "ASC" } }, 40);
      expect(oldestFirst.ids).toEqual([...newestFirst.ids].reverse());
    });
  });

  describe("pages", () => {
    it("gives 20 rows by default, then more on the next page", async () => {
      const all = await expectedIds(ADMIN);
      const first = await page(ADMIN, {});
      expect(first.edges.map((e) => e.node.id)).toEqual(all.slice(0, 20));
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(first.totalCount).toBe(all.length);
      const second = await page(ADMIN, { after: first.pageInfo.endCursor });
      expect(second.edges.map((e) => e.node.id)).toEqual(all.slice(20, 40));
      expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it("takes first: 1 and first: 100 at the bounds, and the cursors are the edges' own", async () => {
      const all = await expectedIds(ADMIN);
      const one = await page(ADMIN, { first: 1 });
      expect(one.edges.map((e) => e.node.id)).toEqual(all.slice(0, 1));
      expect(one.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: one.edges[0].cursor, endCursor: one.edges[0].cursor });
      const hundred = await page(ADMIN, { first: 100 });
      expect(hundred.edges.map((e) => e.node.id)).toEqual(all.slice(0, 100));
      expect(hundred.pageInfo).toMatchObject({ hasNextPage: all.length > 100, startCursor: hundred.edges[0].cursor, endCursor: hundred.edges[99].cursor });
      const rest = await page(ADMIN, { first: 100, after: hundred.pageInfo.endCursor });
      expect(rest.edges.map((e) => e.node.id)).toEqual(all.slice(100));
      expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("refuses 0 and 101 for first and for last, and both together, with BAD_USER_INPUT", async () => {
      for (const [args, argumentName] of [
        [{ first: 0 }, "first"],
        [{ first: 101 }, "first"],
        [{ last: 0 }, "last"],
        [{ last: 101 }, "last"],
        [{ first: 5, last: 5 }, "last"],
      ] as const) {
        expect(await refusal(ADMIN, LIST, args)).toEqual({ code: "BAD_USER_INPUT", argumentName });
      }
    });

    it("walks backward with last and before through the same rows as forward, in reverse", async () => {
      const forward = await walkForward(ADMIN, {}, 30);
      const seen: string[] = [];
      let before: string | null = null;
      let hasPreviousPage = true;
      for (let i = 0; i < 100 && hasPreviousPage; i++) {
        const current: Page = await page(ADMIN, { last: 30, before });
        // Each page is still newest first; the walk meets the pages from the oldest one.
        seen.push(...current.edges.map((e) => e.node.id).reverse());
        expect(current.pageInfo.hasNextPage).toBe(before !== null);
        hasPreviousPage = current.pageInfo.hasPreviousPage;
        before = current.pageInfo.startCursor;
      }
      expect(hasPreviousPage).toBe(false);
      expect(seen).toEqual([...forward.ids].reverse());
      expect(forward.ids).toEqual(await expectedIds(ADMIN));
    });

    it("answers the rows between after and before when both are given", async () => {
      const all = await page(ADMIN, { first: 30 });
      const between = await page(ADMIN, { first: 20, after: all.edges[4].cursor, before: all.edges[15].cursor });
      expect(between.edges.map((e) => e.node.id)).toEqual(all.edges.slice(5, 15).map((e) => e.node.id));
      const lastBetween = await page(ADMIN, { last: 3, after: all.edges[4].cursor, before: all.edges[15].cursor });
      expect(lastBetween.edges.map((e) => e.node.id)).toEqual(all.edges.slice(12, 15).map((e) => e.node.id));
    });

    it("refuses a garbage cursor and a cursor of another connection with BAD_USER_INPUT", async () => {
      const usersCursor = (await server.gql(ADMIN, `{ users(first: 1) { pageInfo { endCursor } } }`)).body.data!.users.pageInfo.endCursor as string;
      const decisionsCursor = (await server.gql(ADMIN, `{ licenseRequestDecisions(first: 1) { pageInfo { endCursor } } }`)).body.data!.licenseRequestDecisions
        .pageInfo.endCursor as string;
      expect(usersCursor).toEqual(expect.any(String));
      expect(decisionsCursor).toEqual(expect.any(String));
      const garbage = [
        "garbage",
        "!!not base64!!",
        Buffer.from('{"sort":1,"id":2}').toString("base64url"),
        Buffer.from("[1]").toString("base64url"),
        Buffer.from('["yesterday",1]').toString("base64url"),
        Buffer.from("[1795521180000,11]").toString("base64url"),
        Buffer.from('["licenseRequests","1795521180000",11]').toString("base64url"),
        usersCursor,
        decisionsCursor,
      ];
      for (const cursor of garbage) {
        expect({ cursor, ...(await refusal(ADMIN, LIST, { after: cursor })) }).toEqual({ cursor, code: "BAD_USER_INPUT", argumentName: "after" });
        expect({ cursor, ...(await refusal(ADMIN, LIST, { last: 5, before: cursor })) }).toEqual({ cursor, code: "BAD_USER_INPUT", argumentName: "before" });
      }
      // A licenseRequests cursor is refused by the users connection in turn.
      const requestCursor = (await page(ADMIN, { first: 1 })).pageInfo.endCursor;
      expect(await refusal(ADMIN, `query($after: String) { users(first: 2, after: $after) { totalCount } }`, { after: requestCursor })).toEqual({
        code: "BAD_USER_INPUT",
        argumentName: "after",
      });
    });
  });

  describe("IDs that name nothing visible", () => {
    /** Malformed, of the wrong type, of another organization, and well-formed but unused: each names nothing for a Contoso viewer. */
    async function unnamed() {
      return [
        ["not base64", "%%% not an id %%%"],
        ["a random string", "q3mXz9Lw"],
        ["base64 of a bad local ID", Buffer.from("LicenseRequest:abc").toString("base64url")],
        ["an ID of another type", server.ids.user("adele@contoso.example")],
        ["another organization's request", requestId((await seededPending("irvin@fabrikam.example")).id)],
        ["an unused request ID", requestId(999_999)],
      ];
    }

    it("reads each as null in licenseRequest and node, and nodes keeps its place", async () => {
      for (const [what, id] of await unnamed()) {
        const res = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { id } node(id: $id) { __typename } nodes(ids: [$id]) { id } }`, { id });
        // Adele's user ID is a node, just not a request.
        const node = what === "an ID of another type" ? { __typename: "User" } : null;
        const nodes = what === "an ID of another type" ? [{ id }] : [null];
        expect({ what, answer: answerOf(res) }).toEqual({ what, answer: { data: { licenseRequest: null, node, nodes } } });
      }
    });

    it("filters by a product or requester that names nothing visible as by one that does not exist: nothing, totalCount 0", async () => {
      const none = { totalCount: 0, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, edges: [] };
      const foreignProduct = server.ids.product("VISIO_PLAN2", "Fabrikam");
      const foreignUser = server.ids.user("irvin@fabrikam.example");
      const malformed = (await unnamed()).filter(([what]) => what !== "an ID of another type").map(([, id]) => id);
      for (const id of [...malformed, foreignProduct, server.ids.user("adele@contoso.example"), toGlobalId("Product", 999_999)]) {
        expect({ id, page: await page(ADMIN, { filter: { productId: id } }) }).toEqual({ id, page: none });
      }
      for (const id of [...malformed, foreignUser, server.ids.product("VISIO_PLAN2"), toGlobalId("User", 999_999)]) {
        expect({ id, page: await page(ADMIN, { filter: { requesterId: id } }) }).toEqual({ id, page: none });
      }
      // Fabrikam's admin does find requests for those IDs: good IDs, of the wrong organization.
      expect((await page(FABRIKAM_ADMIN, { filter: { productId: foreignProduct } })).totalCount).toBeGreaterThan(0);
      expect((await page(FABRIKAM_ADMIN, { filter: { requesterId: foreignUser } })).totalCount).toBeGreaterThan(0);
    });

    it("answers approve and cancel with the same NOT_FOUND user error for each, and changes nothing", async () => {
      const before = await storedRequests();
      const notFound = [{ code: "NOT_FOUND", message: "No such license request.", field: ["input", "requestId"] }];
      for (const [what, id] of await unnamed()) {
        expect({ what, userErrors: (await api.approve(ADMIN, id)).userErrors }).toEqual({ what, userErrors: notFound });
        expect({ what, userErrors: (await api.cancel("adele@contoso.example", id)).userErrors }).toEqual({ what, userErrors: notFound });
      }
      // A request adele may not see is not found either, though it exists and is pending.
      const patti = requestId((await seededPending("patti@contoso.example")).id);
      expect((await api.cancel("adele@contoso.example", patti)).userErrors).toEqual(notFound);
      expect(await storedRequests()).toEqual(before);
    });
  });

  describe("users (the people picker)", () => {
    const SEARCH = `query($search: String, $first: Int, $after: String) {
      users(search: $search, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id email displayName }
      }
    }`;

    type UsersPage = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { email: string }[] };

    /** The emails `as` should find for `search`, in the order the database sorts display names. */
    async function expectedEmails(as: string, search: string) {
      const organizationId = server.ids.userRow(as).organizationId;
      const users = await server.service.dataSource.getRepository(UserEntity).find({ where: { organizationId }, order: { displayName: "ASC", id: "ASC" } });
      const needle = search.toLowerCase();
      return users.filter((u) => u.displayName.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle)).map((u) => u.email);
    }

    async function searchAll(as: string, search: string, first: number) {
      const emails: string[] = [];
      const totals = new Set<number>();
      let after: string | null = null;
      for (let i = 0; i < 50; i++) {
        const res = await server.gql<{ users: UsersPage }>(as, SEARCH, { search, first, after });
        expect(res.body.errors).toBeUndefined();
        const connection: UsersPage = res.body.data!.users;
        emails.push(...connection.nodes.map((u) => u.email));
        totals.add(connection.totalCount);
        if (!connection.pageInfo.hasNextPage) return { emails, totals: [...totals] };
        after = connection.pageInfo.endCursor;
      }
      throw new Error("users did not end within 50 pages");
    }

    it.each([
      ["a display name", "Adele"],
      ["a part of names, case-insensitively", "AN"],
      ["an email", "pradeep@contoso"],
      ["the domain", "contoso.example"],
      ["nothing (everyone)", ""],
    ])("finds people of the organization by %s, across pages of 4", async (_what, search) => {
      const expected = await expectedEmails(ADMIN, search);
      expect(expected.length).toBeGreaterThan(0);
      expect(await searchAll(ADMIN, search, 4)).toEqual({ emails: expected, totals: [expected.length] });
    });

    it("never finds people of another organization", async () => {
      for (const search of ["Diego", "fabrikam", "Fabrikam Administrator"]) {
        expect(await searchAll(ADMIN, search, 10)).toEqual({ emails: [], totals: [0] });
      }
      expect((await searchAll(FABRIKAM_ADMIN, "Diego", 10)).emails).toEqual(["diego@fabrikam.example"]);
      expect((await searchAll(FABRIKAM_ADMIN, "adele", 10)).emails).toEqual([]);
      expect((await searchAll("adele@contoso.example", "", 100)).emails).toEqual(await expectedEmails(ADMIN, ""));
    });

    it("takes LIKE wildcards and the escape character literally", async () => {
      for (const search of ["%", "_", "!", "a%e", "\\"]) expect(await searchAll(ADMIN, search, 10)).toEqual({ emails: [], totals: [0] });
      await server.service.dataSource.getRepository(UserEntity).insert({
        organizationId: server.ids.userRow(ADMIN).organizationId,
        displayName: "Sale 50%_off!",
        email: "sale@contoso.example",
        role: "USER",
      });
      for (const search of ["50%", "%", "_", "%_", "off!", "!"])
        expect(await searchAll(ADMIN, search, 10)).toEqual({ emails: ["sale@contoso.example"], totals: [1] });
      expect(await searchAll(ADMIN, "5_%", 10)).toEqual({ emails: [], totals: [0] });
    });

    // Issue 10: on SQLite a NUL cut the LIKE pattern short, and the search matched everyone.
    it.each([
      ["a NUL", "\u0000"],
      ["a NUL after a name", "Adele\u0000"],
      ["a NUL inside a name", "zz\u0000zz"],
      ["U+0001", "ad\u0001ele"],
      ["a line feed", "Adele\n"],
      ["DEL", "\u007f"],
      ["a lone surrogate", "Adele \ud800"],
    ])("refuses search text holding %s with BAD_USER_INPUT", async (_what, search) => {
      const res = await server.gql(ADMIN, SEARCH, { search, first: 100 });
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors).toEqual([
        {
          message: expect.stringMatching(/control character|surrogate/),
          locations: expect.any(Array),
          path: ["users"],
          extensions: { code: "BAD_USER_INPUT", argumentName: "search" },
        },
      ]);
      // Text around such characters still searches as it did.
      expect(await searchAll(ADMIN, "Adele", 10)).toEqual({ emails: await expectedEmails(ADMIN, "Adele"), totals: [1] });
    });

    it("refuses first outside 1..100 with BAD_USER_INPUT", async () => {
      expect(await refusal(ADMIN, `{ users(first: 101) { totalCount } }`)).toEqual({ code: "BAD_USER_INPUT", argumentName: "first" });
      expect(await refusal(ADMIN, `{ users(first: 0) { totalCount } }`)).toEqual({ code: "BAD_USER_INPUT", argumentName: "first" });
    });
  });

  describe("me, products, settings and eligible products", () => {
    it("answers me with the viewer's own user, roles from the database and own licenses", async () => {
      const ds = server.service.dataSource;
      for (const [email, roles, organization] of [
        [ADMIN, ["USER", "GLOBAL_ADMIN"], "Contoso"],
        ["joni@contoso.example", ["USER"], "Contoso"],
        ["diego@fabrikam.example", ["USER"], "Fabrikam"],
      ] as const) {
        const row = server.ids.userRow(email);
        const assignments = await ds.getRepository(LicenseAssignmentEntity).find({ where: { userId: row.id }, order: { assignedAt: "ASC", id: "ASC" } });
        const products = await ds.getRepository(ProductEntity).findBy({ organizationId: row.organizationId });
        const holdings = assignments.map((a) => products.find((p) => p.id === a.productId)!.skuPartNumber);
        const res = await server.gql(email, `{ me { id email displayName roles organization { name } licenses { product { skuPartNumber } } } }`);
        expect(answerOf(res)).toEqual({
          data: {
            me: {
              id: toGlobalId("User", row.id),
              email,
              displayName: row.displayName,
              roles,
              organization: { name: organization },
              licenses: holdings.map((skuPartNumber) => ({ product: { skuPartNumber } })),
            },
          },
        });
      }
    });

    it("lists the organization's products by name with their license counts and plans, and reads one by ID", async () => {
      const ds = server.service.dataSource;
      for (const as of [ADMIN, "adele@contoso.example", FABRIKAM_ADMIN]) {
        const organizationId = server.ids.userRow(as).organizationId;
        const products = (await ds.getRepository(ProductEntity).findBy({ organizationId })).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
        const plans = await ds.getRepository(ServicePlanEntity).findBy({ organizationId });
        const links = await ds.getRepository(ProductServicePlanEntity).findBy({ organizationId });
        const expected = products.map((p) => ({
          id: toGlobalId("Product", p.id),
          name: p.name,
          skuPartNumber: p.skuPartNumber,
          selfServicePurchaseAllowed: p.selfServicePurchaseAllowed,
          totalLicenses: p.totalLicenses,
          assignedLicenses: p.assignedLicenses,
          availableLicenses: p.totalLicenses - p.assignedLicenses,
          servicePlans: links
            .filter((l) => l.productId === p.id)
            .map((l) => plans.find((x) => x.id === l.servicePlanId)!.servicePlanName)
            .sort(),
        }));
        const fields = "id name skuPartNumber selfServicePurchaseAllowed totalLicenses assignedLicenses availableLicenses servicePlans { servicePlanName }";
        const res = await server.gql(as, `{ products { ${fields} } }`);
        expect(res.body.errors).toBeUndefined();
        const listed = (res.body.data!.products as { servicePlans: { servicePlanName: string }[] }[]).map((p) => ({
          ...p,
          servicePlans: p.servicePlans.map((s) => s.servicePlanName).sort(),
        }));
        expect(listed).toEqual(expected);
        expect(expected.some((p) => p.availableLicenses > 0 && p.assignedLicenses > 0)).toBe(true);
        for (const one of expected) {
          const read = await server.gql(as, `query($id: ID!) { product(id: $id) { id skuPartNumber availableLicenses } }`, { id: one.id });
          expect(answerOf(read)).toEqual({ data: { product: { id: one.id, skuPartNumber: one.skuPartNumber, availableLicenses: one.availableLicenses } } });
        }
      }
    });

    it("reads the request-process settings as defaults until changed, then as changed, for every user of that organization only", async () => {
      const query = `{ requestProcessSettings { id useOwnRequestProcess message documentationUrl updatedAt updatedBy { email } } }`;
      const contosoId = toGlobalId("RequestProcessSettings", server.ids.userRow(ADMIN).organizationId);
      const fabrikamId = toGlobalId("RequestProcessSettings", server.ids.userRow(FABRIKAM_ADMIN).organizationId);
      const defaults = { useOwnRequestProcess: false, message: null, documentationUrl: null, updatedAt: null, updatedBy: null };
      expect(answerOf(await server.gql("adele@contoso.example", query))).toEqual({ data: { requestProcessSettings: { id: contosoId, ...defaults } } });

      const changed = await api.settings(ADMIN, {
        useOwnRequestProcess: false,
        message: "Ask your manager first.",
        documentationUrl: "https://contoso.example/licenses",
      });
      expect(changed.userErrors).toEqual([]);
      const contosoNow = {
        id: contosoId,
        useOwnRequestProcess: false,
        message: "Ask your manager first.",
        documentationUrl: "https://contoso.example/licenses",
        updatedAt: server.clock.now().toISOString(),
        updatedBy: { email: ADMIN },
      };
      for (const as of [ADMIN, "adele@contoso.example"])
        expect(answerOf(await server.gql(as, query))).toEqual({ data: { requestProcessSettings: contosoNow } });
      expect(answerOf(await server.gql("diego@fabrikam.example", query))).toEqual({ data: { requestProcessSettings: { id: fabrikamId, ...defaults } } });
      const viaNode = await server.gql("adele@contoso.example", `query($id: ID!) { node(id: $id) { ... on RequestProcessSettings { id message } } }`, {
        id: contosoId,
      });
      expect(answerOf(viaNode)).toEqual({ data: { node: { id: contosoId, message: "Ask your manager first." } } });
    });

    it("lists as eligible the requested product first, then every product holding all its plans, by name, with available licenses", async () => {
      const ds = server.service.dataSource;
      const organizationId = server.ids.userRow(ADMIN).organizationId;
      const products = await ds.getRepository(ProductEntity).findBy({ organizationId });
      const links = await ds.getRepository(ProductServicePlanEntity).findBy({ organizationId });
      const plansOf = (productId: number) => links.filter((l) => l.productId === productId).map((l) => l.servicePlanId);
      const eligible = (requested: ProductEntity) =>
        [
          requested,
          ...products
            .filter((p) => p.id !== requested.id && plansOf(requested.id).every((plan) => plansOf(p.id).includes(plan)))
            .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id),
        ].map((p) => ({ skuPartNumber: p.skuPartNumber, availableLicenses: p.totalLicenses - p.assignedLicenses }));

      const checked = new Set<string>();
      for (const r of (await storedRequests()).filter((x) => x.organizationId === organizationId)) {
        const requested = products.find((p) => p.id === r.productId)!;
        if (checked.has(requested.skuPartNumber)) continue;
        checked.add(requested.skuPartNumber);
        const res = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { eligibleProducts { skuPartNumber availableLicenses } } }`, {
          id: requestId(r.id),
        });
        expect(answerOf(res)).toEqual({ data: { licenseRequest: { eligibleProducts: eligible(requested) } } });
      }
      // Requests for Power BI Pro, Visio and E5 exist; Power BI Pro's plans are inside E5, Visio's are not.
      expect([...checked].sort()).toEqual(["POWER_BI_PRO", "SPE_E5", "VISIO_PLAN2"]);
      expect(eligible(products.find((p) => p.skuPartNumber === "POWER_BI_PRO")!).map((p) => p.skuPartNumber)).toEqual(["POWER_BI_PRO", "SPE_E5"]);
    });
  });
});

describe("expiry on read", () => {
  let server: TestServer;
  let patti: LicenseRequestEntity;
  let joni: LicenseRequestEntity;
  const READ = `query($id: ID!) { licenseRequest(id: $id) { status decidedAt viewerCanDecide viewerCanCancel } node(id: $id) { ... on LicenseRequest { status } } }`;
  const TABS = `query {
    pending: licenseRequests(filter: { state: PENDING }) { totalCount nodes { id status } }
    completed: licenseRequests(filter: { state: COMPLETED }, first: 100) { totalCount nodes { id status } }
    expired: licenseRequests(filter: { statuses: [EXPIRED] }) { totalCount nodes { id status } }
    pendingOrExpired: licenseRequests(filter: { statuses: [PENDING, EXPIRED] }) { totalCount nodes { id status } }
    all: licenseRequests(first: 100) { nodes { id status } }
  }`;

  const pendingRequestOf = async (email: string) =>
    server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ requesterId: server.ids.userRow(email).id, status: "PENDING" });
  const statusIn = (list: { nodes: { id: string; status: string }[] }, id: number) => list.nodes.find((n) => n.id === requestId(id))?.status ?? null;

  beforeAll(async () => {
    server = await startTestServer();
    patti = await pendingRequestOf("patti@contoso.example");
    joni = await pendingRequestOf("joni@contoso.example");
    // Patti's request expires first (sent a day before Joni's).
    expect(patti.expiresAt.getTime()).toBeLessThan(joni.expiresAt.getTime());
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("reads a pending request as PENDING, decidable and cancellable, until the last millisecond before expiresAt", async () => {
    server.clock.set(patti.expiresAt.getTime() - 1);
    const admin = await server.gql(ADMIN, READ, { id: requestId(patti.id) });
    expect(answerOf(admin)).toEqual({
      data: { licenseRequest: { status: "PENDING", decidedAt: null, viewerCanDecide: true, viewerCanCancel: false }, node: { status: "PENDING" } },
    });
    const requester = await server.gql("patti@contoso.example", READ, { id: requestId(patti.id) });
    expect(requester.body.data!.licenseRequest).toMatchObject({ status: "PENDING", viewerCanDecide: false, viewerCanCancel: true });
    const tabs = (await server.gql(ADMIN, TABS)).body.data!;
    expect(statusIn(tabs.pending, patti.id)).toBe("PENDING");
    expect(statusIn(tabs.expired, patti.id)).toBeNull();
  });

  it("reads it as EXPIRED from expiresAt on, decided at expiresAt, neither decidable nor cancellable, while nothing is stored yet", async () => {
    server.clock.set(patti.expiresAt);
    const expired = { status: "EXPIRED", decidedAt: patti.expiresAt.toISOString(), viewerCanDecide: false, viewerCanCancel: false };
    for (const as of [ADMIN, "patti@contoso.example", "grady@contoso.example"]) {
      const res = await server.gql(as, READ, { id: requestId(patti.id) });
      expect({ as, answer: answerOf(res) }).toEqual({ as, answer: { data: { licenseRequest: expired, node: { status: "EXPIRED" } } } });
    }
    // Joni's request, a day younger, still reads as pending.
    expect((await server.gql(ADMIN, READ, { id: requestId(joni.id) })).body.data!.licenseRequest).toMatchObject({ status: "PENDING", viewerCanDecide: true });
    // The read side computed it: the sweep is off and the row is still stored as pending.
    const stored = await server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: patti.id });
    expect(stored.status).toBe("PENDING");
    expect(stored.decidedAt).toBeNull();
  });

  it("lists it as EXPIRED under every filter and count: out of the pending tab, in completed and EXPIRED", async () => {
    server.clock.set(patti.expiresAt);
    const ds = server.service.dataSource;
    const organizationId = server.ids.userRow(ADMIN).organizationId;
    const rows = await ds.getRepository(LicenseRequestEntity).find({ where: { organizationId }, order: { requestedAt: "DESC", id: "DESC" } });
    const now = server.clock.now().getTime();
    const reads = (r: LicenseRequestEntity) => (r.status === "PENDING" && r.expiresAt.getTime() <= now ? "EXPIRED" : r.status);
    const expected = (statuses: string[]) => {
      const nodes = rows.filter((r) => statuses.includes(reads(r))).map((r) => ({ id: requestId(r.id), status: reads(r) }));
      return { totalCount: nodes.length, nodes };
    };
    const tabs = (await server.gql(ADMIN, TABS)).body.data!;
    expect(tabs.pending).toEqual(expected(["PENDING"]));
    expect(tabs.completed).toEqual(expected(["APPROVED", "PARTIALLY_APPROVED", "DENIED", "EXPIRED", "CANCELLED"]));
    expect(tabs.expired).toEqual(expected(["EXPIRED"]));
    expect(tabs.pendingOrExpired).toEqual(expected(["PENDING", "EXPIRED"]));
    expect(statusIn(tabs.all, patti.id)).toBe("EXPIRED");
    expect(statusIn(tabs.pending, joni.id)).toBe("PENDING");
    expect(statusIn(tabs.expired, patti.id)).toBe("EXPIRED");
    // The seeded expired request is there too, so EXPIRED joins stored and computed expiry.
    expect(tabs.expired.totalCount).toBe(2);
    // Patti and Grady see the same in their own lists.
    for (const as of ["patti@contoso.example", "grady@contoso.example"]) {
      const own = (await server.gql(as, TABS)).body.data!;
      expect(statusIn(own.pending, patti.id)).toBeNull();
      expect(statusIn(own.expired, patti.id)).toBe("EXPIRED");
      expect(statusIn(own.completed, patti.id)).toBe("EXPIRED");
    }
  });

  it("reads every pending request as EXPIRED once the clock passes them all, in both organizations", async () => {
    server.clock.set(joni.expiresAt.getTime() + DAY);
    for (const as of [ADMIN, FABRIKAM_ADMIN]) {
      const tabs = (await server.gql(as, TABS)).body.data!;
      expect(tabs.pending).toEqual({ totalCount: 0, nodes: [] });
      expect(tabs.all.nodes.map((n: { status: string }) => n.status)).not.toContain("PENDING");
      expect(tabs.expired.totalCount).toBeGreaterThanOrEqual(1);
    }
    // Fabrikam's one pending request (Irvin's) counts among its expired now.
    const irvin = await pendingRequestOf("irvin@fabrikam.example");
    const fabrikam = (await server.gql(FABRIKAM_ADMIN, TABS)).body.data!;
    expect(statusIn(fabrikam.expired, irvin.id)).toBe("EXPIRED");
    const decisions = await server.service.dataSource.getRepository(DecisionRecordEntity).countBy({ requestId: irvin.id });
    expect(decisions).toBe(0);
  });
});
