/**
 * The example operations of operations/ (what a frontend team starts from),
 * generated into typed documents by codegen and run against a real server:
 * the Requests tab's lists, details, approve, partial approve, deny, cancel,
 * settings and both subscriptions, as one admin's and a few users' day; and
 * the activity log: a dashboard's start, the log paged and filtered, and the
 * feed resumed from a cursor. And variables left out that the operation gives
 * a default (the Requests page's `$withNewest: Boolean! = false`), over HTTP
 * and graphql-ws: the default applies, as in graphql-js, and a null sent stays null.
 */
import {
  ActivityFeedDocument,
  ActivityLogDocument,
  ActivityLogQuery,
  ActivityStartDocument,
  ApproveRequestDocument,
  CancelRequestDocument,
  DenyRequestDocument,
  MyRequestsDocument,
  PartiallyApproveRequestDocument,
  RequestDetailsDocument,
  RequestProcessSettingsDocument,
  RequestsTabDocument,
  RequestsPageListDocument,
  RequestSubmittedDocument,
  RequestUpdatedDocument,
  SubmitRequestDocument,
  UpdateRequestProcessSettingsDocument,
} from "../generated/graphql";
import { print } from "graphql";
import { startTestServer, TestServer } from "../helpers/server";
import { typedClient, TypedClient, typedSubscription } from "../helpers/typed";
import { liveClient, LiveClient } from "../helpers/ws";

const ADMIN = "admin@contoso.example";

describe("the example operations, typed", () => {
  let server: TestServer;
  let api: TypedClient;
  let dashboard: LiveClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = typedClient(server);
    dashboard = liveClient(server.wsUrl, await server.ids.token(ADMIN));
  });

  afterAll(async () => {
    await dashboard?.dispose();
    await server?.stop();
  });

  it("lists the Requests tab: pending and completed, newest first, paged", async () => {
    const pending = await api.run(ADMIN, RequestsTabDocument, { state: "PENDING" });
    expect(pending.licenseRequests.totalCount).toBe(2);
    expect(pending.licenseRequests.edges.map(({ node: r }) => [r.product.name, r.requester.displayName, r.status, r.viewerCanDecide])).toEqual([
      ["Power BI Pro", "Joni Sherman", "PENDING", true],
      ["Visio Plan 2", "Patti Fernandez", "PENDING", true],
    ]);
    const firstPage = await api.run(ADMIN, RequestsTabDocument, { state: "COMPLETED", first: 3 });
    expect(firstPage.licenseRequests.totalCount).toBe(5);
    expect(firstPage.licenseRequests.pageInfo.hasNextPage).toBe(true);
    const rest = await api.run(ADMIN, RequestsTabDocument, { state: "COMPLETED", first: 3, after: firstPage.licenseRequests.pageInfo.endCursor });
    expect(rest.licenseRequests.pageInfo.hasNextPage).toBe(false);
    const completed = [...firstPage.licenseRequests.edges, ...rest.licenseRequests.edges].map((edge) => edge.node);
    expect(firstPage.licenseRequests.pageInfo.endCursor).toBe(firstPage.licenseRequests.edges[2].cursor);
    expect(completed.map((r) => r.status)).toEqual(["CANCELLED", "APPROVED", "PARTIALLY_APPROVED", "DENIED", "EXPIRED"]);
    expect(completed.every((r) => !r.viewerCanDecide)).toBe(true);
  });

  describe("variables left out that the operation gives a default", () => {
    /** The data of `query` with `variables`, over HTTP and over graphql-ws: the same, and without errors. */
    const dataOf = async (query: string, variables: Record<string, unknown>) => {
      const http = await server.gql(ADMIN, query, variables);
      const ws = await dashboard.subscribe(query, variables).inbox.take();
      expect({
        http: { status: http.status, errors: http.body.errors },
        ws: ws.kind === "next" ? { data: ws.payload.data, errors: ws.payload.errors } : ws,
      }).toEqual({ http: { status: 200, errors: undefined }, ws: { data: http.body.data, errors: undefined } });
      return http.body.data;
    };
    const ROWS = "totalCount edges { node { id status } }";

    it("runs the Requests page's list without withNewest (Boolean! = false) and first (Int = 20)", async () => {
      const list = print(RequestsPageListDocument);
      const sent = await dataOf(list, { state: "PENDING", first: 20, withNewest: false });
      expect(sent!.licenseRequests.totalCount).toBe(2);
      expect(sent!.licenseRequestEvents).toBeUndefined();
      expect(await dataOf(list, { state: "PENDING" })).toEqual(sent);
      expect(await dataOf(list, { state: "PENDING", first: 20 })).toEqual(sent);
      const withNewest = await dataOf(list, { state: "PENDING", withNewest: true });
      expect(withNewest!.licenseRequestEvents).toEqual({ newestCursor: expect.any(String) });
    });

    it.each([
      {
        name: "a non-null Boolean's, true",
        query: `query Q($withNewest: Boolean! = true) { licenseRequestEvents @include(if: $withNewest) { newestCursor } }`,
        sent: { withNewest: true },
      },
      {
        name: "a nullable Int's",
        query: `query Q($first: Int = 2) { licenseRequests(filter: { state: COMPLETED }, first: $first) { ${ROWS} } }`,
        sent: { first: 2 },
      },
      {
        name: "a non-null enum's",
        query: `query Q($state: LicenseRequestState! = COMPLETED, $first: Int! = 3) { licenseRequests(filter: { state: $state }, first: $first) { ${ROWS} } }`,
        sent: { state: "COMPLETED", first: 3 },
      },
      {
        name: "a non-null list's",
        query: `query Q($statuses: [LicenseRequestStatus!]! = [DENIED, EXPIRED]) { licenseRequests(filter: { statuses: $statuses }) { ${ROWS} } }`,
        sent: { statuses: ["DENIED", "EXPIRED"] },
      },
      {
        name: "a non-null list's, one value for a list",
        query: `query Q($statuses: [LicenseRequestStatus!]! = DENIED) { licenseRequests(filter: { statuses: $statuses }) { ${ROWS} } }`,
        sent: { statuses: ["DENIED"] },
      },
      {
        name: "a nullable list's",
        query: `query Q($statuses: [LicenseRequestStatus!] = [APPROVED]) { licenseRequests(filter: { statuses: $statuses }) { ${ROWS} } }`,
        sent: { statuses: ["APPROVED"] },
      },
      {
        name: "a non-null input object's",
        query: `query Q($filter: LicenseRequestFilter! = { state: COMPLETED, statuses: [DENIED, APPROVED] }) { licenseRequests(filter: $filter) { ${ROWS} } }`,
        sent: { filter: { state: "COMPLETED", statuses: ["DENIED", "APPROVED"] } },
      },
      {
        name: "a nullable input object's",
        query: `query Q($filter: LicenseRequestFilter = { statuses: [EXPIRED] }) { licenseRequests(filter: $filter) { ${ROWS} } }`,
        sent: { filter: { statuses: ["EXPIRED"] } },
      },
    ])("applies $name", async ({ query, sent }) => {
      const explicit = await dataOf(query, sent);
      expect(Object.values(explicit!)[0]).not.toBeNull();
      expect(await dataOf(query, {})).toEqual(explicit);
    });

    it.each([
      {
        name: "a nullable Int",
        query: `query Q($first: Int = 1) { licenseRequests(filter: { state: COMPLETED }, first: $first) { ${ROWS} } }`,
        inline: `{ licenseRequests(filter: { state: COMPLETED }, first: null) { ${ROWS} } }`,
        variable: "first",
      },
      {
        name: "a nullable list",
        query: `query Q($statuses: [LicenseRequestStatus!] = [APPROVED]) { licenseRequests(filter: { state: COMPLETED, statuses: $statuses }) { ${ROWS} } }`,
        inline: `{ licenseRequests(filter: { state: COMPLETED, statuses: null }) { ${ROWS} } }`,
        variable: "statuses",
      },
      {
        name: "a nullable input object",
        query: `query Q($filter: LicenseRequestFilter = { state: PENDING }) { licenseRequests(filter: $filter) { ${ROWS} } }`,
        inline: `{ licenseRequests(filter: null) { ${ROWS} } }`,
        variable: "filter",
      },
    ])("keeps $name sent as null null, its default unused", async ({ query, inline, variable }) => {
      const asNull = await dataOf(query, { [variable]: null });
      expect(asNull).toEqual(await dataOf(inline, {}));
      expect(asNull).not.toEqual(await dataOf(query, {}));
    });
  });

  it("follows a request from the form to a partial approval, live on the admin's dashboard", async () => {
    const submitted = await typedSubscription(server, dashboard, RequestSubmittedDocument, {});
    const updated = await typedSubscription(server, dashboard, RequestUpdatedDocument, {});

    const sent = await api.run("adele@contoso.example", SubmitRequestDocument, {
      productId: server.ids.product("POWER_BI_PRO"),
      additionalUserIds: [server.ids.user("alex@contoso.example"), server.ids.user("megan@contoso.example")],
      justification: "Q3 reports",
    });
    expect(sent.submitLicenseRequest.userErrors).toEqual([]);
    const id = sent.submitLicenseRequest.licenseRequest!.id;
    const pushed = await submitted.next();
    expect(pushed.licenseRequestSubmitted).toMatchObject({ id, status: "PENDING", recipientCount: 3, requester: { email: "adele@contoso.example" } });

    const details = await api.run(ADMIN, RequestDetailsDocument, { id });
    const request = details.licenseRequest!;
    expect(request.recipients.map((r) => [r.user.email, r.decision])).toEqual([
      ["adele@contoso.example", "PENDING"],
      ["alex@contoso.example", "PENDING"],
      ["megan@contoso.example", "PENDING"],
    ]);
    expect(request.eligibleProducts.map((p) => p.skuPartNumber)).toEqual(["POWER_BI_PRO", "SPE_E5"]);
    const e5 = request.eligibleProducts[1];
    expect(e5.servicePlans.map((p) => p.servicePlanName)).toContain("TEAMS1");

    const decided = await api.run(ADMIN, PartiallyApproveRequestDocument, {
      requestId: id,
      excludedUserIds: [server.ids.user("megan@contoso.example")],
      productId: e5.id,
      message: "Megan has access through her team.",
    });
    expect(decided.approveLicenseRequest.userErrors).toEqual([]);
    expect(decided.approveLicenseRequest.licenseRequest!.recipients.map((r) => r.decision)).toEqual(["APPROVED", "APPROVED", "DENIED"]);
    // The pool the licenses came from, with its id: a normalized cache updates E5's counts from this payload.
    const e5After = { id: e5.id, name: "Microsoft 365 E5", totalLicenses: 25, assignedLicenses: 7, availableLicenses: 18 };
    expect(decided.approveLicenseRequest.licenseRequest!.assignedProduct).toEqual(e5After);
    const change = await updated.next();
    expect(change.licenseRequestUpdated).toMatchObject({
      id,
      status: "PARTIALLY_APPROVED",
      decidedBy: { displayName: "MOD Administrator" },
      assignedProduct: e5After,
    });
    submitted.unsubscribe();
    updated.unsubscribe();
  });

  it("approves with an app turned off, denies with a message, and lets a requester cancel", async () => {
    const visio = await api.run("lee@contoso.example", SubmitRequestDocument, { productId: server.ids.product("VISIO_PLAN2") });
    const approved = await api.run(ADMIN, ApproveRequestDocument, {
      requestId: visio.submitLicenseRequest.licenseRequest!.id,
      disabledServicePlanIds: [server.ids.plan("VISIOONLINE")],
      idempotencyKey: "approve-lee-visio",
    });
    expect(approved.approveLicenseRequest.userErrors).toEqual([]);
    expect(approved.approveLicenseRequest.licenseRequest!.status).toBe("APPROVED");
    expect(approved.approveLicenseRequest.assignments).toEqual([
      {
        id: expect.any(String),
        user: { id: server.ids.user("lee@contoso.example"), email: "lee@contoso.example" },
        product: { id: server.ids.product("VISIO_PLAN2"), name: "Visio Plan 2" },
        disabledServicePlans: [{ id: server.ids.plan("VISIOONLINE"), name: expect.any(String) }],
      },
    ]);

    const nestor = await api.run("nestor@contoso.example", SubmitRequestDocument, { productId: server.ids.product("VISIO_PLAN2") });
    const denied = await api.run(ADMIN, DenyRequestDocument, {
      requestId: nestor.submitLicenseRequest.licenseRequest!.id,
      message: "Use Visio in the browser.",
    });
    expect(denied.denyLicenseRequest.licenseRequest).toMatchObject({ status: "DENIED", decisionMessage: "Use Visio in the browser." });

    const alex = await api.run("alex@contoso.example", SubmitRequestDocument, { productId: server.ids.product("VISIO_PLAN2") });
    const mine = await api.run("alex@contoso.example", MyRequestsDocument, {});
    expect(mine.me.roles).toEqual(["USER"]);
    const own = mine.licenseRequests.edges.map((edge) => edge.node).find((r) => r.id === alex.submitLicenseRequest.licenseRequest!.id)!;
    expect([own.viewerCanCancel, own.viewerCanDecide]).toEqual([true, false]);
    const cancelled = await api.run("alex@contoso.example", CancelRequestDocument, { requestId: own.id });
    expect(cancelled.cancelLicenseRequest.licenseRequest).toMatchObject({ status: "CANCELLED", viewerCanCancel: false });
  });

  it("switches to the organization's own request process and back", async () => {
    const on = await api.run(ADMIN, UpdateRequestProcessSettingsDocument, {
      useOwnRequestProcess: true,
      message: "Ask the service desk.",
      documentationUrl: "https://intranet.contoso.example/licenses",
    });
    expect(on.updateRequestProcessSettings).toEqual({
      settings: {
        id: expect.any(String),
        useOwnRequestProcess: true,
        message: "Ask the service desk.",
        documentationUrl: "https://intranet.contoso.example/licenses",
        adminNotification: "IMMEDIATELY",
      },
      userErrors: [],
    });
    const blocked = await api.run("megan@contoso.example", SubmitRequestDocument, { productId: server.ids.product("VISIO_PLAN2") });
    expect(blocked.submitLicenseRequest).toMatchObject({
      licenseRequest: null,
      ownRequestProcess: { message: "Ask the service desk.", documentationUrl: "https://intranet.contoso.example/licenses" },
      userErrors: [],
    });
    const seen = await api.run("megan@contoso.example", RequestProcessSettingsDocument, {});
    // One settings object per organization, with one id: what the admin changed is what the user's cache holds.
    expect(seen.requestProcessSettings).toMatchObject({
      id: on.updateRequestProcessSettings.settings!.id,
      useOwnRequestProcess: true,
      updatedBy: { displayName: "MOD Administrator" },
    });
    const off = await api.run(ADMIN, UpdateRequestProcessSettingsDocument, { useOwnRequestProcess: false });
    expect(off.updateRequestProcessSettings.settings).toMatchObject({ useOwnRequestProcess: false, message: "Ask the service desk." });
  });

  it("starts a dashboard at the log's newest position, reads the log paged and filtered, and follows it from a cursor", async () => {
    const start = await api.run(ADMIN, ActivityStartDocument, { first: 5 });
    expect(start.licenseRequests.edges.map((edge) => edge.node.status)).toEqual(start.licenseRequests.edges.map(() => "PENDING"));
    const from = start.licenseRequestEvents.newestCursor;

    const submit = async (email: string, sku: string) => {
      const sent = await api.run(email, SubmitRequestDocument, { productId: server.ids.product(sku) });
      expect(sent.submitLicenseRequest.userErrors).toEqual([]);
      return sent.submitLicenseRequest.licenseRequest!.id;
    };
    const first = await submit("lynne@contoso.example", "VISIO_PLAN2");
    const second = await submit("lynne@contoso.example", "POWER_BI_PRO");
    expect((await api.run(ADMIN, DenyRequestDocument, { requestId: first, message: "Not this quarter." })).denyLicenseRequest.userErrors).toEqual([]);

    // Two at a time from the dashboard's start, each page going on from where the last stopped.
    const entries: { cursor: string; kind: string; requestId: string | undefined }[] = [];
    let after: string | null = from;
    let newest = from;
    for (;;) {
      const page: ActivityLogQuery["licenseRequestEvents"] = (await api.run(ADMIN, ActivityLogDocument, { first: 2, after })).licenseRequestEvents;
      entries.push(...page.edges.map(({ cursor, node }) => ({ cursor, kind: node.kind, requestId: node.licenseRequest?.id })));
      after = page.pageInfo.endCursor;
      newest = page.newestCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    expect(entries.map((e) => [e.kind, e.requestId])).toEqual([
      ["SUBMITTED", first],
      ["SUBMITTED", second],
      ["DENIED", first],
    ]);
    expect(after).toBe(entries[2].cursor);
    expect(newest).toBe(entries[2].cursor);
    const ofFirst = await api.run(ADMIN, ActivityLogDocument, { after: from, filter: { requestId: first } });
    expect(ofFirst.licenseRequestEvents.edges.map(({ node }) => [node.kind, node.status, node.actor?.displayName])).toEqual([
      ["SUBMITTED", "PENDING", "Lynne Robbins"],
      ["DENIED", "DENIED", "MOD Administrator"],
    ]);
    const denials = await api.run(ADMIN, ActivityLogDocument, { after: from, filter: { kinds: ["DENIED"] } });
    expect(denials.licenseRequestEvents.edges.map(({ cursor }) => cursor)).toEqual([entries[2].cursor]);

    // Resumed from the first entry's cursor: the two after it, then what happens next, live.
    const feed = await typedSubscription(server, dashboard, ActivityFeedDocument, { after: entries[0].cursor });
    const received = [(await feed.next()).licenseRequestEvents, (await feed.next()).licenseRequestEvents];
    expect(received.map((entry) => entry.cursor)).toEqual([entries[1].cursor, entries[2].cursor]);
    expect((await api.run("lynne@contoso.example", CancelRequestDocument, { requestId: second })).cancelLicenseRequest.licenseRequest!.status).toBe(
      "CANCELLED",
    );
    const live = (await feed.next()).licenseRequestEvents;
    expect(live).toMatchObject({ kind: "CANCELLED", status: "CANCELLED", actor: { displayName: "Lynne Robbins" }, licenseRequest: { id: second } });
    feed.unsubscribe();
  });
});
