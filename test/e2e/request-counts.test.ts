/**
 * An admin's `licenseRequests.totalCount` comes from the organization's tally
 * (src/services/licenseRequests/queries.ts, `tallyCount`), not from counting the
 * requests; these tests hold it to the requests it counts: for every filter an
 * admin can give, it equals the number of nodes the same filter pages through,
 * before and after pending requests pass their expiry without the sweep
 * having stored them EXPIRED (they read EXPIRED, and are counted so), and after
 * submissions and decisions. A plain user's count (row by row) is held to the
 * same rule. The count comes in the page's statement, so every page of a walk
 * is held to it, and so is the empty page after the last, counted apart.
 */
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: { status: string }[];
}
const DAY = 86_400_000;

const FILTERS: Record<string, unknown>[] = [
  {},
  { state: "PENDING" },
  { state: "COMPLETED" },
  { statuses: ["EXPIRED"] },
  { statuses: ["PENDING", "EXPIRED"] },
  { statuses: ["APPROVED", "DENIED", "PARTIALLY_APPROVED"] },
  { state: "COMPLETED", statuses: ["EXPIRED", "CANCELLED"] },
  { product: "VISIO_PLAN2" },
  { product: "VISIO_PLAN2", state: "PENDING" },
  { product: "POWER_BI_PRO", statuses: ["EXPIRED"] },
];

describe("totalCount of the Requests tab", () => {
  let server: TestServer;
  let api: RequestsApi;

  beforeAll(async () => {
    server = await startTestServer();
    api = requestsApi(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** totalCount, and the nodes counted by paging through the same filter, as `as`. */
  async function countedBothWays(as: string, filter: Record<string, unknown>): Promise<{ totalCount: number; paged: number; statuses: string[] }> {
    const { product, ...rest } = filter as { product?: string };
    const variables = { f: { ...rest, ...(product ? { productId: server.ids.product(product) } : {}) } };
    let after: string | null = null;
    let totalCount = -1;
    const statuses: string[] = [];
    const pageAfter = async (cursor: string | null): Promise<Page> => {
      const page: { body: { data?: { licenseRequests: Page } | null; errors?: unknown } } = await server.gql(
        as,
        `query($f: LicenseRequestFilter, $after: String) { licenseRequests(filter: $f, first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { status } } }`,
        { ...variables, after: cursor },
      );
      expect(page.body.errors).toBeUndefined();
      return page.body.data!.licenseRequests;
    };
    for (;;) {
      const connection = await pageAfter(after);
      // Each page's count comes with its rows (one statement); every page says the same.
      if (totalCount !== -1) expect(connection.totalCount).toBe(totalCount);
      totalCount = connection.totalCount;
      statuses.push(...connection.nodes.map((n) => n.status));
      if (!connection.pageInfo.hasNextPage) {
        // The page after the last one has no row to carry the count: it is counted apart, to the same figure.
        if (connection.pageInfo.endCursor) {
          const beyond = await pageAfter(connection.pageInfo.endCursor);
          expect({ nodes: beyond.nodes, totalCount: beyond.totalCount }).toEqual({ nodes: [], totalCount });
        }
        break;
      }
      after = connection.pageInfo.endCursor;
    }
    // Backward, the last page carries the same count.
    const last: { body: { data?: { licenseRequests: { totalCount: number } } | null; errors?: unknown } } = await server.gql(
      as,
      `query($f: LicenseRequestFilter) { licenseRequests(filter: $f, last: 2) { totalCount } }`,
      variables,
    );
    expect(last.body.errors).toBeUndefined();
    expect(last.body.data!.licenseRequests.totalCount).toBe(totalCount);
    return { totalCount, paged: statuses.length, statuses };
  }

  async function expectCountsMatch(as: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const filter of FILTERS) {
      const { totalCount, paged } = await countedBothWays(as, filter);
      expect({ filter, totalCount }).toEqual({ filter, totalCount: paged });
      totals[JSON.stringify(filter)] = totalCount;
    }
    return totals;
  }

  it("equals the nodes of every filter, for an admin and for a user, as requests arrive, are decided and expire unswept", async () => {
    const before = await expectCountsMatch(ADMIN);
    expect(before[JSON.stringify({ state: "PENDING" })]).toBeGreaterThan(0);
    await expectCountsMatch("patti@contoso.example");

    const denied = await api.submitted("megan@contoso.example", "VISIO_PLAN2", ["lee@contoso.example"]);
    await api.submitted("nestor@contoso.example", "POWER_BI_PRO");
    expect((await api.deny(ADMIN, denied)).userErrors).toEqual([]);
    const submitted = await expectCountsMatch(ADMIN);
    expect(submitted[JSON.stringify({})]).toBe(before[JSON.stringify({})] + 2);

    // 31 days on, with no sweep: every pending request is past its expiry but still stored PENDING.
    server.clock.advance(31 * DAY);
    const expired = await expectCountsMatch(ADMIN);
    expect(expired[JSON.stringify({ state: "PENDING" })]).toBe(0);
    expect(expired[JSON.stringify({ statuses: ["EXPIRED"] })]).toBe(
      before[JSON.stringify({ statuses: ["EXPIRED"] })] + submitted[JSON.stringify({ state: "PENDING" })],
    );
    const fresh = await api.submitted("lee@contoso.example", "POWER_BI_PRO");
    expect(fresh).toBeTruthy();
    const after = await expectCountsMatch(ADMIN);
    expect(after[JSON.stringify({ state: "PENDING" })]).toBe(1);
    await expectCountsMatch("lee@contoso.example");
  });
});
