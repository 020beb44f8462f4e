/**
 * No N+1 (issue 2, point 8): one operation listing requests with every
 * relation a Requests tab shows costs the same number of SQL statements for
 * 5 requests as for 50, and no more than 12, because every relation goes
 * through the operation's DataLoaders. Statements are counted through the
 * service's own data source while the operation runs.
 */
import { insertDecidedRequests } from "../helpers/bulk";
import { startTestServer, TestServer } from "../helpers/server";

const LIST = `query($first: Int!) {
  licenseRequests(first: $first) {
    totalCount
    nodes {
      id status requestedAt viewerCanDecide viewerCanCancel
      product { name servicePlans { servicePlanName } }
      requester { displayName email }
      recipients { decision user { email licenses { product { skuPartNumber } disabledServicePlans { servicePlanName } } } }
      eligibleProducts { skuPartNumber availableLicenses servicePlans { servicePlanName } }
      decidedBy { displayName }
      assignedProduct { name }
      disabledServicePlans { name }
    }
  }
}`;

describe("statements per operation", () => {
  let server: TestServer;
  const statements: string[] = [];
  let counting = false;

  beforeAll(async () => {
    server = await startTestServer({
      start: { onQuery: (sql) => counting && statements.push(sql) },
      // This operation asks for every relation at once, far over the default price bound: statements are counted here, not prices.
      env: { MAX_QUERY_COST: "100000000" },
    });
    // Nothing but the operation issues statements while they are counted.
    await server.service.dispatcher.stop();
    await server.service.webhooks.stop();
    await insertDecidedRequests(server.service.dataSource, 60, { newest: server.clock.now() });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Runs the list as the admin; the statements it issued. */
  const listing = async (first: number) => {
    statements.length = 0;
    counting = true;
    const response = await server.gql("admin@contoso.example", LIST, { first });
    counting = false;
    expect(response.body.errors).toBeUndefined();
    return { nodes: response.body.data!.licenseRequests.nodes as { recipients: unknown[]; decidedBy: unknown }[], statements: [...statements] };
  };

  it("lists 5 and 50 requests with all their relations in the same number of statements, at most 12", async () => {
    const five = await listing(5);
    const fifty = await listing(50);
    expect(five.nodes).toHaveLength(5);
    expect(fifty.nodes).toHaveLength(50);
    // The relations were really resolved (not empty lists that cost nothing).
    expect(fifty.nodes.every((n) => n.recipients.length === 3 && n.decidedBy !== null)).toBe(true);
    expect(fifty.statements.length).toBe(five.statements.length);
    expect(fifty.statements.length).toBeLessThanOrEqual(12);
  });

  it("scopes every statement after the viewer's own lookup to the viewer's organization", async () => {
    const { statements: sql } = await listing(50);
    const [viewerLookup, ...rest] = sql;
    expect(viewerLookup).toMatch(/FROM [`"]app_user[`"]/);
    expect(rest.length).toBeGreaterThan(5);
    const organizationId = server.ids.userRow("admin@contoso.example").organizationId;
    const scoped = new RegExp(`[\`"]organizationId[\`"] = (${organizationId}\\b|\\?)`);
    for (const statement of rest) expect(statement).toMatch(scoped);
  });
});
