/**
 * The example operations through the client frontend teams use, Apollo
 * Client 4, set up as docs/frontend.md says (its code is docs/frontend/*.ts,
 * run here as it is), against a real server: HTTP for queries and mutations,
 * graphql-ws (over `ws`) for subscriptions.
 *
 * - An approval updates the cached product's license counts from the
 *   mutation's payload, with no refetch (the payload selects the product's id).
 * - "Load more" (fetchMore with relayStylePagination) builds the list page by
 *   page (the operation selects edges { cursor node }).
 * - A subscription's events arrive over GraphQLWsLink with the token in
 *   connectionParams, and update the cache too.
 * - userErrors and top-level codes reach the caller as the guide says.
 * Each of the first two also runs the operation as it used to be written, to
 * show what this test would catch.
 */
import { gql, ObservableQuery, TypedDocumentNode } from "@apollo/client";
import { filter, firstValueFrom, from, ObservableInput } from "rxjs";
import WebSocket from "ws";
import { createApolloClient } from "../../docs/frontend/client";
import { apiProblems, messagesByField } from "../../docs/frontend/errors";
import {
  ApproveRequestDocument,
  PartiallyApproveRequestDocument,
  RequestDetailsDocument,
  RequestsTabDocument,
  RequestsTabQuery,
  RequestSubmittedDocument,
  RequestUpdatedDocument,
} from "../generated/graphql";
import { startTestServer, TestServer } from "../helpers/server";
import { WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";

/** The first value of `observable` that passes `test`, within WAIT_MS. */
function nextMatching<V>(source: ObservableInput<V>, test: (value: V) => boolean, what: string): Promise<V> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS).unref());
  return Promise.race([firstValueFrom(from(source).pipe(filter(test))), timeout]);
}

/** The next complete data of a watched query that passes `test`. */
async function nextData<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query: ObservableQuery<T, any>,
  test: (data: T) => boolean,
  what: string,
): Promise<T> {
  const result = await nextMatching(query, (r) => r.dataState === "complete" && test(r.data), what);
  return result.data as T;
}

const METRICS_TOKEN = "apollo-client-test-metrics-token";

describe("the example operations through Apollo Client 4", () => {
  let server: TestServer;
  let adminToken: string;
  const clients: ReturnType<typeof createApolloClient>[] = [];
  /** HTTP requests the server answered for /graphql, counted from its own metrics. */
  const operationsServed = async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    return [...text.matchAll(/^graphql_operation_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((sum, [, n]) => sum + Number(n), 0);
  };
  const client = (token: string | null = adminToken) => {
    const created = createApolloClient({ url: server.url, token: () => token, webSocketImpl: WebSocket });
    clients.push(created);
    return created.client;
  };
  const submit = async (email: string, sku: string, others: string[] = []) => {
    const res = await server.gql(
      email,
      "mutation($p: ID!, $o: [ID!]) { submitLicenseRequest(input: { productId: $p, additionalUserIds: $o }) { licenseRequest { id } userErrors { code } } }",
      {
        p: server.ids.product(sku),
        o: others.map((o) => server.ids.user(o)),
      },
    );
    expect(res.body.data?.submitLicenseRequest.userErrors).toEqual([]);
    return res.body.data!.submitLicenseRequest.licenseRequest.id as string;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN } });
    adminToken = await server.ids.token(ADMIN);
  });
  afterAll(async () => {
    for (const { client: apollo, socket } of clients) {
      apollo.stop();
      await socket.dispose();
    }
    await server?.stop();
  });

  it("updates the cached product's available licenses from ApproveRequest's payload, without a refetch", async () => {
    const apollo = client();
    const id = await submit("adele@contoso.example", "POWER_BI_PRO");
    const details = await apollo.query({ query: RequestDetailsDocument, variables: { id } });
    const product = details.data!.licenseRequest!.product;
    expect(product).toMatchObject({ name: "Power BI Pro", availableLicenses: 3 });
    const watched = apollo.watchQuery({ query: RequestDetailsDocument, variables: { id } });
    await nextData(watched, (d) => d.licenseRequest?.product.availableLicenses === 3, "first details");

    const servedBefore = await operationsServed();
    const approved = await apollo.mutate({ mutation: ApproveRequestDocument, variables: { requestId: id } });
    expect(approved.data!.approveLicenseRequest.userErrors).toEqual([]);

    // The details the screen shows changed by themselves, and only the mutation went to the server.
    const shown = await nextData(watched, (d) => d.licenseRequest?.product.availableLicenses === 2, "updated details");
    expect(shown.licenseRequest!.status).toBe("APPROVED");
    expect(await operationsServed()).toBe(servedBefore + 1);
    const cached = apollo.cache.readFragment({
      id: apollo.cache.identify({ __typename: "Product", id: product.id }),
      fragment: gql`
        fragment Counts on Product {
          availableLicenses
          assignedLicenses
        }
      `,
    });
    expect(cached).toEqual({ __typename: "Product", availableLicenses: 2, assignedLicenses: 3 });
  });

  it("would show stale counts with the old ApproveRequest, which selected the product without its id", async () => {
    const apollo = client();
    const id = await submit("alex@contoso.example", "VISIO_PLAN2");
    const details = await apollo.query({ query: RequestDetailsDocument, variables: { id } });
    const product = details.data!.licenseRequest!.product;
    const OldApprove = gql`
      mutation OldApprove($requestId: ID!) {
        approveLicenseRequest(input: { requestId: $requestId }) {
          licenseRequest {
            id
            status
            assignedProduct {
              name
              availableLicenses
            }
          }
          userErrors {
            code
          }
        }
      }
    `;
    await apollo.mutate({ mutation: OldApprove, variables: { requestId: id } });
    const cached = apollo.cache.readFragment<{ availableLicenses: number }>({
      id: apollo.cache.identify({ __typename: "Product", id: product.id }),
      fragment: gql`
        fragment Available on Product {
          availableLicenses
        }
      `,
    });
    expect(cached!.availableLicenses).toBe(product.availableLicenses);
    const fresh = await server.gql(ADMIN, "query($id: ID!) { product(id: $id) { availableLicenses } }", { id: product.id });
    expect(fresh.body.data?.product.availableLicenses).toBe(product.availableLicenses - 1);
  });

  it("builds the Requests tab page by page with fetchMore and relayStylePagination", async () => {
    const apollo = client();
    const list = apollo.watchQuery({ query: RequestsTabDocument, variables: { state: "COMPLETED", first: 2 } });
    const edges = (n: number) => (d: RequestsTabQuery) => d.licenseRequests.edges.length === n;
    const first = await nextData(list, edges(2), "the first page");
    const total = first.licenseRequests.totalCount;
    expect(total).toBeGreaterThan(4);

    let shown = first.licenseRequests;
    while (shown.pageInfo.hasNextPage) {
      const before = shown.edges.length;
      await list.fetchMore({ variables: { after: shown.pageInfo.endCursor } });
      shown = (await nextData(list, edges(Math.min(before + 2, total)), "the next page")).licenseRequests;
    }
    // Every request once, newest first, as one list in the cache.
    expect(shown.edges).toHaveLength(total);
    const ids = shown.edges.map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(total);
    const direct = await server.gql(ADMIN, "{ licenseRequests(filter: { state: COMPLETED }, first: 100) { nodes { id } } }");
    expect(ids).toEqual(direct.body.data?.licenseRequests.nodes.map((n: { id: string }) => n.id));
  });

  it("would show only the last page with the old RequestsTab, which read nodes", async () => {
    const apollo = client();
    const OldTab: TypedDocumentNode<{ licenseRequests: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }> = gql`
      query OldTab($after: String) {
        licenseRequests(filter: { state: COMPLETED }, first: 2, after: $after) {
          nodes {
            id
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    `;
    const list = apollo.watchQuery({ query: OldTab });
    const first = await nextData(list, (d) => d.licenseRequests.nodes.length === 2, "the first page");
    const firstIds = first.licenseRequests.nodes.map((n) => n.id);
    await list.fetchMore({ variables: { after: first.licenseRequests.pageInfo.endCursor } });
    const after = await nextData(list, (d) => d.licenseRequests.nodes[0]?.id !== firstIds[0], "the second page");
    // Two pages fetched, two requests shown: the first page is gone.
    expect(after.licenseRequests.nodes).toHaveLength(2);
    expect(after.licenseRequests.nodes.map((n) => n.id)).not.toContain(firstIds[0]);
  });

  it("receives subscription events over GraphQLWsLink with the token in connectionParams, and caches them", async () => {
    const apollo = client();
    const listening = () => server.service.services.tails.listenerCount();
    const before = listening();
    const submitted = apollo.subscribe({ query: RequestSubmittedDocument, variables: {} });
    const updated = apollo.subscribe({ query: RequestUpdatedDocument, variables: {} });
    const firstSubmitted = nextMatching(submitted, (r) => Boolean(r.data), "a submitted event");
    const firstUpdated = nextMatching(updated, (r) => Boolean(r.data), "an updated event");
    const deadline = Date.now() + WAIT_MS;
    while (listening() < before + 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listening()).toBe(before + 2);

    const id = await submit("megan@contoso.example", "SPE_E5", ["patti@contoso.example"]);
    expect((await firstSubmitted).data!.licenseRequestSubmitted).toMatchObject({ id, status: "PENDING", recipientCount: 2 });

    const decided = await apollo.mutate({
      mutation: PartiallyApproveRequestDocument,
      variables: { requestId: id, excludedUserIds: [server.ids.user("patti@contoso.example")] },
    });
    expect(decided.data!.approveLicenseRequest.userErrors).toEqual([]);
    const event = (await firstUpdated).data!.licenseRequestUpdated;
    expect(event).toMatchObject({ id, status: "PARTIALLY_APPROVED", decidedBy: { displayName: "MOD Administrator" } });
    const cached = apollo.cache.readFragment<{ status: string }>({
      id: apollo.cache.identify({ __typename: "LicenseRequest", id }),
      fragment: gql`
        fragment Status on LicenseRequest {
          status
        }
      `,
    });
    expect(cached!.status).toBe("PARTIALLY_APPROVED");
  });

  it("a subscription with a bad token ends with an error (the socket closes with 4401)", async () => {
    const apollo = client("not-a-token");
    const events = apollo.subscribe({ query: RequestSubmittedDocument, variables: {} });
    const ended = await nextMatching(events, (r) => Boolean(r.error), "an error");
    expect(String(ended.error?.message ?? ended.error)).toMatch(/4401|Unauthorized|token/i);
  });

  it("brings userErrors as data and top-level codes through apiProblems", async () => {
    const apollo = client();
    const id = await submit("lynne@contoso.example", "POWER_BI_PRO");
    const refused = await apollo.mutate({
      mutation: PartiallyApproveRequestDocument,
      variables: { requestId: id, excludedUserIds: [server.ids.user("lynne@contoso.example")] },
    });
    const userErrors = refused.data!.approveLicenseRequest.userErrors;
    expect(userErrors).toEqual([{ __typename: "UserError", code: "INVALID_INPUT", message: expect.any(String), field: expect.any(Array) }]);
    expect([...messagesByField(userErrors).keys()]).toEqual([userErrors[0].field!.filter((p, i) => !(i === 0 && p === "input")).join(".")]);

    const asUser = client(await server.ids.token("lynne@contoso.example"));
    const forbidden = await asUser.mutate({ mutation: ApproveRequestDocument, variables: { requestId: id } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(apiProblems(forbidden)).toEqual([{ code: "FORBIDDEN", message: expect.any(String), requestId: undefined }]);

    const signedOut = await client("expired-or-bad")
      .query({ query: RequestDetailsDocument, variables: { id } })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(apiProblems(signedOut).map((p) => p.code)).toEqual(["UNAUTHENTICATED"]);
  });

  it("brings RATE_LIMITED (HTTP 429) through apiProblems", async () => {
    // A bucket that holds one operation: every operation costs 6,000 on top of its fields.
    const limited = await startTestServer({
      env: { RATE_LIMIT_BUCKET_SIZE: "10000", RATE_LIMIT_RESTORE_RATE: "1", RATE_LIMIT_OPERATION_COST: "6000", MAX_QUERY_COST: "4000" },
    });
    try {
      const created = createApolloClient({ url: limited.url, token: () => null, webSocketImpl: WebSocket });
      clients.push(created);
      const apollo = created.client;
      const ask = () =>
        apollo.query({ query: RequestsTabDocument, variables: { state: "PENDING" }, fetchPolicy: "network-only" }).then(
          () => null,
          (e: unknown) => e,
        );
      expect(apiProblems(await ask()).map((p) => p.code)).toEqual(["UNAUTHENTICATED"]);
      expect(apiProblems(await ask())).toEqual([{ code: "RATE_LIMITED", message: expect.any(String), requestId: undefined }]);
    } finally {
      await limited.stop();
    }
  });
});
