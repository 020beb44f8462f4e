/**
 * Statements per operation, counted (never timed), so that what the list, a
 * request's details, `me { licenses }` and an approval cost the database
 * cannot grow quietly: each count is what the operation needs, one
 * statement per kind of row, and an approval's does not grow with its
 * recipients. Statements are counted through the service's own data source
 * while the operation runs; nothing else runs meanwhile (the outbox and
 * webhook dispatchers are stopped, no sweep).
 */
import { BASELINE_QUERY } from "../../bench/baseline";
import { insertDecidedRequests } from "../helpers/bulk";
import { requestsApi, RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";

describe("statements per operation, counted", () => {
  let server: TestServer;
  let api: RequestsApi;
  const statements: string[] = [];
  let counting = false;

  beforeAll(async () => {
    server = await startTestServer({ start: { onQuery: (sql) => counting && statements.push(sql) } });
    api = requestsApi(server);
    await server.service.dispatcher.stop();
    await server.service.webhooks.stop();
    await insertDecidedRequests(server.service.dataSource, 60, { newest: server.clock.now(), withHistory: true });
    // Licenses enough for every approval below.
    await server.service.dataSource.query("UPDATE product SET totalLicenses = 1000");
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Runs an operation as `as`; its data and the statements it issued. */
  const counted = async (as: string, query: string, variables: Record<string, unknown> = {}) => {
    statements.length = 0;
    counting = true;
    const response = await server.gql(as, query, variables);
    counting = false;
    expect(response.body.errors).toBeUndefined();
    return { data: response.body.data!, statements: [...statements] };
  };

  /** Statements that read or write the database, without a transaction's own BEGIN/COMMIT/ROLLBACK. */
  const work = (sql: string[]) => sql.filter((s) => !/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(s.trim()));

  it("answers the admin list of the benchmark (50 requests, product, requester, recipients and their users, totalCount) in 3 statements", async () => {
    const { data, statements: sql } = await counted(ADMIN, BASELINE_QUERY);
    expect(data["licenseRequests"].nodes).toHaveLength(50);
    // The viewer; the page with its requesters, its products and its count; the recipients with their users
    // (B1 takes 6: it reads the count, the products and the users apart).
    expect(sql).toHaveLength(3);
    expect(sql[0]).toMatch(/FROM [`"]app_user[`"]/);
    expect(sql[1]).toMatch(/FROM [`"]license_request[`"] lr .*JOIN [`"]app_user[`"] u .*JOIN [`"]product[`"] p /);
    expect(sql[1]).toMatch(/^SELECT .*\(SELECT .* FROM [`"]license_request_tally[`"] t .*\) AS [`"]keyset_total[`"] FROM/);
    expect(sql[2]).toMatch(/FROM [`"]license_request_recipient[`"] rr .*JOIN [`"]app_user[`"]/);
    expect(sql.filter((s) => /^SELECT .* FROM [`"]app_user[`"]( u)? WHERE/.test(s))).toHaveLength(1);
    expect(sql.filter((s) => /FROM [`"]product[`"] WHERE/.test(s))).toHaveLength(0);
  });

  it("counts the list in its page's statement only when totalCount is selected (under an alias or in a fragment too)", async () => {
    const count = (sql: string[]) => sql.filter((s) => /license_request_tally/.test(s)).length;
    const plain = await counted(ADMIN, `{ licenseRequests(first: 5) { nodes { id } } }`);
    expect(count(plain.statements)).toBe(0);
    const aliased = await counted(ADMIN, `{ licenseRequests(first: 5) { n: totalCount nodes { id } } }`);
    const fragment = await counted(
      ADMIN,
      `{ licenseRequests(first: 5) { ...C } } fragment C on LicenseRequestConnection { ... on LicenseRequestConnection { totalCount } }`,
    );
    for (const { statements: sql } of [aliased, fragment]) {
      expect(count(sql)).toBe(1);
      expect(sql.filter((s) => /FROM [`"]license_request[`"] lr/.test(s))).toHaveLength(1);
    }
    expect(aliased.data["licenseRequests"].n).toBeGreaterThan(5);
    expect(aliased.data["licenseRequests"].n).toBe(fragment.data["licenseRequests"].totalCount);
  });

  it("reads the history of a page of 50 requests in one statement, not one per request", async () => {
    const page = (fields: string) => `{ licenseRequests(first: 50) { nodes { id ${fields} } } }`;
    const without = await counted(ADMIN, page(""));
    const withHistory = await counted(ADMIN, page("history { id action at }"));
    expect(withHistory.data["licenseRequests"].nodes).toHaveLength(50);
    expect(withHistory.data["licenseRequests"].nodes.every((n: { history: unknown[] }) => n.history.length > 0)).toBe(true);
    expect(withHistory.statements.length - without.statements.length).toBe(1);
    expect(withHistory.statements.filter((sql) => /FROM [`"]decision_record[`"]/.test(sql))).toHaveLength(1);
  });

  it("seeks a deep page through the time index to its cursor (no scan from the index's start)", async () => {
    const first = await counted(ADMIN, `{ licenseRequests(first: 50) { pageInfo { endCursor } } }`);
    const deep = await counted(ADMIN, `query($after: String) { licenseRequests(first: 50, after: $after) { nodes { id } } }`, {
      after: first.data["licenseRequests"].pageInfo.endCursor,
    });
    const page = deep.statements.find((sql) => /FROM [`"]license_request[`"] lr/.test(sql))!;
    const values = Array.from(page.matchAll(/\?/g), () => 1);
    const ds = server.service.dataSource;
    if (ds.options.type === "better-sqlite3") {
      // SQLite names the range it seeks: with the keyset's OR alone it says `(organizationId=?)` and scans.
      const plan = await ds.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${page}`, values);
      expect(plan.map((step) => step.detail).join("\n")).toMatch(/ix_request_org_time \(organizationId=\? AND requestedAt<\?\)/);
    } else {
      const [plan] = await ds.query<{ key: string; type: string }[]>(`EXPLAIN ${page}`, values);
      expect(plan).toMatchObject({ key: "ix_request_org_time", type: "range" });
    }
  });

  it("answers a request's details with every relation in the same statements for a request of 4 recipients as for one of 2", async () => {
    const details = `query($id: ID!) {
      licenseRequest(id: $id) {
        id status justification requestedAt expiresAt decidedAt decisionMessage viewerCanDecide viewerCanCancel
        product { name skuPartNumber availableLicenses servicePlans { servicePlanName } }
        requester { displayName email }
        recipients { decision user { displayName email } assignment { product { name } disabledServicePlans { servicePlanName } } }
        eligibleProducts { skuPartNumber availableLicenses }
        decidedBy { displayName }
        assignedProduct { name }
        disabledServicePlans { servicePlanName }
      }
    }`;
    const four = await api.submitted("patti@contoso.example", "POWER_BI_PRO", ["nestor@contoso.example", "alex@contoso.example", "adele@contoso.example"]);
    const two = await api.submitted("megan@contoso.example", "POWER_BI_PRO", ["lee@contoso.example"]);
    const a = await counted(ADMIN, details, { id: four });
    const b = await counted(ADMIN, details, { id: two });
    expect(a.data["licenseRequest"].recipients).toHaveLength(4);
    expect(b.data["licenseRequest"].recipients).toHaveLength(2);
    expect(a.statements.length).toBe(b.statements.length);
    expect(a.statements.length).toBeLessThanOrEqual(10);
  });

  it("answers me { licenses } in the same statements for a user with one license as for one with two", async () => {
    const me = `{ me { displayName licenses { product { name skuPartNumber } disabledServicePlans { servicePlanName } } } }`;
    const one = await counted("lynne@contoso.example", me);
    const two = await counted("joni@contoso.example", me);
    expect(one.data["me"].licenses).toHaveLength(1);
    expect(two.data["me"].licenses).toHaveLength(2);
    expect(two.statements.length).toBe(one.statements.length);
    expect(one.statements.length).toBeLessThanOrEqual(6);
  });

  it("approves a request of 5 recipients in the same statements as one of 2 (no statement per recipient)", async () => {
    const approve = `mutation($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { licenseRequest { id status recipients { decision } } userErrors { message } } }`;
    const two = await api.submitted("lee@contoso.example", "VISIO_PLAN2", ["nestor@contoso.example"]);
    const five = await api.submitted("adele@contoso.example", "VISIO_PLAN2", [
      "alex@contoso.example",
      "megan@contoso.example",
      "johanna@contoso.example",
      "isaiah@contoso.example",
    ]);
    const a = await counted(ADMIN, approve, { id: two });
    const b = await counted(ADMIN, approve, { id: five });
    for (const [result, recipients] of [
      [a, 2],
      [b, 5],
    ] as const) {
      expect(result.data["approveLicenseRequest"].userErrors).toEqual([]);
      expect(result.data["approveLicenseRequest"].licenseRequest.status).toBe("APPROVED");
      expect(result.data["approveLicenseRequest"].licenseRequest.recipients).toEqual(Array(recipients).fill({ decision: "APPROVED" }));
    }
    expect(work(b.statements)).toEqual(work(a.statements).map(() => expect.any(String)));
    expect(work(b.statements).length).toBe(work(a.statements).length);
  });

  it("reads the shares of every request of a page in one statement (no statement per request)", async () => {
    const list = `query($first: Int!) { licenseRequests(filter: { state: PENDING }, first: $first) {
      nodes { id shares { id sharedAt expiresAt revokedAt sharedWith { displayName } sharedBy { displayName } } } } }`;
    const shareWith = async (requestId: string, emails: string[]) => {
      const res = await server.gql(ADMIN, `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { userErrors { message } } }`, {
        input: { requestId, userIds: emails.map((email) => server.ids.user(email)) },
      });
      expect(res.body.data!.shareLicenseRequest.userErrors).toEqual([]);
    };
    for (const [requester, others] of [
      ["megan@contoso.example", ["lynne@contoso.example"]],
      ["nestor@contoso.example", ["lynne@contoso.example", "joni@contoso.example"]],
      ["patti@contoso.example", ["joni@contoso.example"]],
    ] as const) {
      await shareWith(await api.submitted(requester, "SPE_E5"), [...others]);
    }
    const few = await counted(ADMIN, list, { first: 2 });
    const many = await counted(ADMIN, list, { first: 50 });
    const sharesOf = (data: typeof many.data) => data["licenseRequests"].nodes.flatMap((n: { shares: unknown[] }) => n.shares);
    expect(sharesOf(few.data)).toHaveLength(3);
    expect(sharesOf(many.data)).toHaveLength(4);
    const shareReads = (sql: string[]) => sql.filter((statement) => /FROM [`"]license_request_share[`"]/.test(statement));
    expect(shareReads(few.statements)).toHaveLength(1);
    expect(shareReads(many.statements)).toHaveLength(1);
    expect(many.statements.length).toBe(few.statements.length);
  });

  it("previews approvals and denials with plain reads only: no write, no lock, no transaction", async () => {
    const preview = `query($input: LicenseRequestDecisionInput!) { previewLicenseRequestDecision(input: $input) {
      approvedUsers { email } deniedUsers { email } product { skuPartNumber } group { name } availableLicensesAfter emails { to subject } userErrors { code } } }`;
    const groups = (await counted(ADMIN, `{ groups { nodes { id name } } }`)).data["groups"].nodes as { id: string; name: string }[];
    const e5Group = groups.find((g) => g.name === "Microsoft 365 E5 users")!.id;
    const id = await api.submitted("grady@contoso.example", "POWER_BI_PRO", ["lynne@contoso.example"]);
    const visio = await api.submitted("miriam@contoso.example", "VISIO_PLAN2");
    const previews = [
      { input: { requestId: id, decision: "APPROVE" }, errors: [] },
      {
        input: { requestId: id, decision: "APPROVE", assignThrough: { groupId: e5Group }, excludedUserIds: [server.ids.user("lynne@contoso.example")] },
        errors: [],
      },
      { input: { requestId: id, decision: "DENY", message: "Not this quarter." }, errors: [] },
      { input: { requestId: id, decision: "APPROVE", excludedUserIds: [server.ids.user("lee@contoso.example")] }, errors: ["INVALID_INPUT"] },
      { input: { requestId: server.ids.user("lee@contoso.example"), decision: "DENY" }, errors: ["NOT_FOUND"] },
    ];
    await server.service.dataSource.query("UPDATE product SET totalLicenses = assignedLicenses WHERE skuPartNumber = 'VISIO_PLAN2'");
    try {
      previews.push({ input: { requestId: visio, decision: "APPROVE" }, errors: ["INSUFFICIENT_LICENSES"] });
      for (const { input, errors } of previews) {
        const { data, statements: sql } = await counted(ADMIN, preview, { input });
        const answer = data["previewLicenseRequestDecision"];
        expect(answer.userErrors.map((e: { code: string }) => e.code)).toEqual(errors);
        if (!errors.length) expect(answer.emails).toHaveLength(2);
        expect(sql.length).toBeGreaterThan(0);
        // Reads, and nothing else: no INSERT, UPDATE or DELETE, no BEGIN, START TRANSACTION, SAVEPOINT, ROLLBACK or COMMIT.
        expect(sql.filter((s) => !/^\s*SELECT\b/i.test(s))).toEqual([]);
        expect(sql.filter((s) => /\bFOR\s+(UPDATE|SHARE)\b|\bLOCK\s+IN\s+SHARE\s+MODE\b/i.test(s))).toEqual([]);
      }
    } finally {
      await server.service.dataSource.query("UPDATE product SET totalLicenses = 1000");
    }
  });
});
