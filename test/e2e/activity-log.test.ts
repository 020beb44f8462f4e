/**
 * The activity log end to end (api.md "Nothing missed"), on a server without
 * the demo data: every change appends its entry, read over HTTP and over
 * graphql-ws from a cursor (replay, then live, no gap, no duplicate), with
 * each viewer seeing the entries of the requests they may see; cursors of
 * another organization, forged or malformed are refused, and one older than
 * the log keeps answers CURSOR_EXPIRED.
 */
import type { UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, liveClient } from "../helpers/ws";

const id = (type: Parameters<typeof toGlobalId>[0], row: { id: number }) => toGlobalId(type, row.id);
const cursorOf = (organizationId: number, seq: number) => Buffer.from(`ev1:${organizationId}:${seq}`).toString("base64url");

interface EventNode {
  kind: string;
  status: string;
  cursor: string;
  actor: { displayName: string } | null;
  licenseRequest: { id: string } | null;
}

const EVENTS = `query($after: String, $first: Int, $filter: LicenseRequestEventFilter) {
  licenseRequestEvents(after: $after, first: $first, filter: $filter) {
    nodes { kind status cursor actor { displayName } licenseRequest { id } }
    pageInfo { hasNextPage endCursor }
    newestCursor
  }
}`;

describe("the activity log", () => {
  let server: TestServer;
  let org: OrganizationSeed;
  let admin: UserEntity;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { SEED_DEMO_DATA: "false", ACTIVITY_POLL_INTERVAL_MS: "200" } });
    org = await seedOrganization(server.service.dataSource, "Fabrikam");
    admin = await org.user({ role: "GLOBAL_ADMIN", displayName: "Ada Admin" });
    adminToken = await org.token(admin);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const gql = async (token: string, query: string, variables?: Record<string, unknown>) => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const events = async (token: string, variables: Record<string, unknown> = {}) =>
    (await gql(token, EVENTS, variables)).licenseRequestEvents as {
      nodes: EventNode[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
      newestCursor: string;
    };
  const submit = async (token: string, productId: string, others: UserEntity[] = []) => {
    const data = await gql(
      token,
      `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code message } } }`,
      { input: { productId, additionalUserIds: others.map((u) => id("User", u)), justification: "Work" } },
    );
    expect(data.submitLicenseRequest.userErrors).toEqual([]);
    return data.submitLicenseRequest.licenseRequest.id as string;
  };
  const deny = async (requestId: string) => {
    const data = await gql(adminToken, `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId, message: "No." },
    });
    expect(data.denyLicenseRequest.userErrors).toEqual([]);
  };

  it("appends an entry for every change, in order, with its kind, status and actor, and pages through them", async () => {
    const requester = await org.user({ displayName: "Rita Requester" });
    const token = await org.token(requester);
    const start = (await events(adminToken, { first: 1 })).newestCursor;
    const product = id("Product", await org.product({ name: "Visio", total: 5 }));
    const first = await submit(token, product);
    const approved = await gql(adminToken, `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId: first },
    });
    expect(approved.approveLicenseRequest.userErrors).toEqual([]);
    const second = await submit(token, id("Product", await org.product({ name: "Project" })));
    const cancelled = await gql(token, `mutation($input: CancelLicenseRequestInput!) { cancelLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId: second },
    });
    expect(cancelled.cancelLicenseRequest.userErrors).toEqual([]);
    const third = await submit(token, id("Product", await org.product({ name: "Teams Premium" })));
    await deny(third);

    const page = await events(adminToken, { after: start });
    expect(page.nodes.map((n) => [n.kind, n.status, n.actor?.displayName, n.licenseRequest?.id])).toEqual([
      ["SUBMITTED", "PENDING", "Rita Requester", first],
      ["APPROVED", "APPROVED", "Ada Admin", first],
      ["SUBMITTED", "PENDING", "Rita Requester", second],
      ["CANCELLED", "CANCELLED", "Rita Requester", second],
      ["SUBMITTED", "PENDING", "Rita Requester", third],
      ["DENIED", "DENIED", "Ada Admin", third],
    ]);
    expect(page.pageInfo).toEqual({ hasNextPage: false, endCursor: page.nodes[5].cursor });
    expect(page.newestCursor).toBe(page.nodes[5].cursor);

    // Two at a time, each page going on exactly where the last stopped.
    const seen: string[] = [];
    let after = start;
    for (;;) {
      const next = await events(adminToken, { after, first: 2 });
      seen.push(...next.nodes.map((n) => n.cursor));
      after = next.pageInfo.endCursor;
      if (!next.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(page.nodes.map((n) => n.cursor));

    const filtered = await events(adminToken, { after: start, filter: { kinds: ["DENIED", "CANCELLED"] } });
    expect(filtered.nodes.map((n) => n.kind)).toEqual(["CANCELLED", "DENIED"]);
    const ofRequest = await events(adminToken, { after: start, filter: { requestId: first, kinds: [] } });
    expect(ofRequest.nodes.map((n) => n.kind)).toEqual(["SUBMITTED", "APPROVED"]);
    const ofProduct = await events(adminToken, { after: start, filter: { productId: product } });
    expect(ofProduct.nodes.map((n) => n.licenseRequest?.id)).toEqual([first, first]);
  });

  it("shows each viewer the entries of the requests they may see, and no one another organization's", async () => {
    const [alice, bob, carol] = [await org.user({ displayName: "Alice" }), await org.user({ displayName: "Bob" }), await org.user({ displayName: "Carol" })];
    const start = (await events(adminToken, { first: 1 })).newestCursor;
    const product = id("Product", await org.product());
    const aliceAndBob = await submit(await org.token(alice), product, [bob]);
    const carols = await submit(await org.token(carol), id("Product", await org.product()));
    await deny(carols);

    const seenBy = async (user: UserEntity) => (await events(await org.token(user), { after: start })).nodes.map((n) => [n.kind, n.licenseRequest?.id]);
    expect(await seenBy(alice)).toEqual([["SUBMITTED", aliceAndBob]]);
    expect(await seenBy(bob)).toEqual([["SUBMITTED", aliceAndBob]]);
    expect(await seenBy(carol)).toEqual([
      ["SUBMITTED", carols],
      ["DENIED", carols],
    ]);

    const other = await seedOrganization(server.service.dataSource, "Northwind");
    const outsider = await other.user({ role: "GLOBAL_ADMIN" });
    const outsiderToken = await other.token(outsider);
    expect((await events(outsiderToken)).nodes).toEqual([]);
    // Their own log's cursor is theirs; Fabrikam's is refused as a foreign one.
    const foreign = await server.gql(outsiderToken, EVENTS, { after: start });
    expect(foreign.body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(foreign.body.data).toBeNull();
  });

  it("refuses malformed and forged cursors as the client's mistake, and answers CURSOR_EXPIRED once the log no longer keeps what follows", async () => {
    const organizationId = org.organization.id;
    const head = await server.service.services.activity.store.head(organizationId);
    for (const after of ["", "nope", "x".repeat(500), cursorOf(organizationId, head + 5), Buffer.from("ev1:1:-3").toString("base64url")]) {
      const res = await server.gql(adminToken, EVENTS, { after });
      expect(res.status).toBeLessThan(500);
      expect(res.body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    const tooMany = await server.gql(adminToken, EVENTS, { first: 101 });
    expect(tooMany.body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");

    const requester = await org.user();
    const old = (await events(adminToken, { first: 1 })).newestCursor;
    await submit(await org.token(requester), id("Product", await org.product()));
    const kept = await events(adminToken, { after: old });
    expect(kept.nodes).toHaveLength(1);
    // Everything but each organization's newest entry is past retention.
    expect(await server.service.services.activity.prune(new Date(Date.now() + 86_400_000))).toBeGreaterThan(0);
    const expired = await server.gql(adminToken, EVENTS, { after: cursorOf(organizationId, 1) });
    expect(expired.body.errors?.[0]?.extensions?.["code"]).toBe("CURSOR_EXPIRED");
    expect(expired.body.errors?.[0]?.message).toMatch(/older than the activity log keeps/);
    // The newest entry is kept: reading after the one before it still works... unless that one was pruned, which it was.
    const fromNewest = await events(adminToken, { after: kept.nodes[0].cursor });
    expect(fromNewest.nodes).toEqual([]);

    const live = liveClient(server.wsUrl, adminToken);
    try {
      const refused = live.subscribe(`subscription($after: String) { licenseRequestEvents(after: $after) { kind } }`, { after: cursorOf(organizationId, 1) });
      expect((await refused.nextError())[0]?.extensions?.["code"]).toBe("CURSOR_EXPIRED");
      const forged = live.subscribe(`subscription($after: String) { licenseRequestEvents(after: $after) { kind } }`, { after: "forged" });
      expect((await forged.nextError())[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    } finally {
      await live.dispose();
    }
  });

  it("replays from a cursor over graphql-ws, then goes live, without a gap or a duplicate, also while changes commit during the replay", async () => {
    const requester = await org.user();
    const token = await org.token(requester);
    const duringProducts: string[] = [];
    for (let i = 0; i < 10; i++) duringProducts.push(id("Product", await org.product()));
    const from = (await events(adminToken, { first: 1 })).newestCursor;
    const before: string[] = [];
    for (let i = 0; i < 30; i++) before.push(await submit(token, id("Product", await org.product())));

    const live = liveClient(server.wsUrl, adminToken);
    try {
      const sub = live.subscribe(`subscription($after: String) { licenseRequestEvents(after: $after) { kind cursor licenseRequest { id } } }`, { after: from });
      // Changes committing while the replay is read.
      const during: Promise<string>[] = [];
      for (const each of duringProducts) during.push(submit(token, each));
      const duringIds = await Promise.all(during);
      const received: { kind: string; cursor: string; licenseRequest: { id: string } }[] = [];
      while (received.length < 40) received.push((await sub.nextData<{ licenseRequestEvents: (typeof received)[number] }>()).licenseRequestEvents);
      await deny(duringIds[0]);
      received.push((await sub.nextData<{ licenseRequestEvents: (typeof received)[number] }>()).licenseRequestEvents);

      const ids = received.map((e) => e.licenseRequest.id);
      expect(ids.slice(0, 30)).toEqual(before);
      expect(new Set(ids.slice(30, 40))).toEqual(new Set(duringIds));
      expect(received[40]).toMatchObject({ kind: "DENIED", licenseRequest: { id: duringIds[0] } });
      const seqs = received.map((e) => Number(Buffer.from(e.cursor, "base64url").toString().split(":")[2]));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
      expect(sub.inbox.pending()).toEqual([]);

      // The same cursors over HTTP.
      const page = await events(adminToken, { after: from, first: 100 });
      expect(page.nodes.map((n) => n.cursor)).toEqual(received.map((e) => e.cursor));
    } finally {
      await live.dispose();
    }
    await eventually(() => server.service.services.tails.listenerCount() === 0, 10_000, "the subscription to end with its socket");
  });

  it("without a cursor, is live only; sharing a request is no activity", async () => {
    const requester = await org.user({ displayName: "Ron" });
    const requesterToken = await org.token(requester);
    const requestId = await submit(requesterToken, id("Product", await org.product()));
    const adminLive = liveClient(server.wsUrl, adminToken);
    const userLive = liveClient(server.wsUrl, requesterToken);
    try {
      const listening = server.service.services.tails.listenerCount();
      const query = `subscription { licenseRequestEvents { kind actor { displayName } licenseRequest { id } } }`;
      const adminSub = adminLive.subscribe(query);
      const userSub = userLive.subscribe(query);
      await eventually(() => server.service.services.tails.listenerCount() === listening + 2, 10_000, "both subscriptions listening");
      const shared = await gql(adminToken, `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { userErrors { code } } }`, {
        input: { requestId, userIds: [id("User", await org.user())] },
      });
      expect(shared.shareLicenseRequest.userErrors).toEqual([]);
      const shareId = (await server.service.dataSource.query(`SELECT id FROM license_request_share ORDER BY id DESC LIMIT 1`))[0].id as number;
      const revoked = await gql(
        adminToken,
        `mutation($input: RevokeLicenseRequestShareInput!) { revokeLicenseRequestShare(input: $input) { userErrors { code } } }`,
        { input: { shareId: id("LicenseRequestShare", { id: Number(shareId) }) } },
      );
      expect(revoked.revokeLicenseRequestShare.userErrors).toEqual([]);
      await deny(requestId);
      // Sharing is not activity: both see the denial first, and nothing before it.
      expect((await adminSub.nextData()).licenseRequestEvents).toEqual({
        kind: "DENIED",
        actor: { displayName: "Ada Admin" },
        licenseRequest: { id: requestId },
      });
      expect((await userSub.nextData()).licenseRequestEvents).toEqual({
        kind: "DENIED",
        actor: { displayName: "Ada Admin" },
        licenseRequest: { id: requestId },
      });
    } finally {
      await adminLive.dispose();
      await userLive.dispose();
    }
  });
});
