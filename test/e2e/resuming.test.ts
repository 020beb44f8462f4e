/**
 * The README's "Resuming after a dropped connection" shows only code that
 * runs: each TypeScript block of the README is a file of docs/resuming/,
 * included verbatim after a `<!-- snippet: path -->` marker (edit the file,
 * then copy it into the README), and every file there is shown. Both are run
 * here against a real server, reached through a TCP proxy the test cuts:
 *
 * - the Apollo Client 4 one (with the frontend guide's createApolloClient:
 *   GraphQLWsLink over a graphql-ws client) and the graphql-ws one each show
 *   the lists, then every entry once, in log order: those committed before
 *   the drop, those committed while the connection was down (the proxy
 *   refusing every reconnection meanwhile), and those after it;
 * - each, when it comes back after the log no longer keeps what followed its
 *   last cursor (CURSOR_EXPIRED), reads the lists again and goes on from
 *   their newestCursor;
 * - and a subscription left to graphql-ws's own retry, which re-sends it with
 *   its first `after`, would show entries twice: what the snippets avoid.
 */
import fs from "node:fs";
import path from "node:path";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { UserEntity } from "../../src/entities";
import { toGlobalId } from "../../src/services/shared/ids";
import { createApolloClient } from "../../docs/frontend/client";
import * as apolloSnippet from "../../docs/resuming/apollo-client";
import * as wsSnippet from "../../docs/resuming/graphql-ws";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";
import { startTestServer, TestServer } from "../helpers/server";
import { startTcpProxy, TcpProxy } from "../helpers/tcpProxy";
import { eventually } from "../helpers/ws";

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const SNIPPETS = path.join(ROOT, "docs", "resuming");
/** Long enough for a reconnection with graphql-ws's default backoff (1 s to 4 s for the first retry). */
const RESUME_MS = 20_000;

/** Each ```ts block of the README with the snippet path named just before it (or null). */
function typescriptBlocks(): { source: string | null; body: string }[] {
  const fence = /(?:<!-- snippet: (\S+) -->\n)?^```ts\n([\s\S]*?)^```$/gm;
  return [...README.matchAll(fence)].map(([, source, body]) => ({ source: source ?? null, body }));
}

describe("README: Resuming after a dropped connection", () => {
  it("shows every TypeScript block as a file of docs/, verbatim, and every file of docs/resuming/", () => {
    const blocks = typescriptBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const { source, body } of blocks) {
      expect(source).toMatch(/^docs\/[\w/.-]+\.ts$/);
      expect(body).toBe(fs.readFileSync(path.join(ROOT, source!), "utf8"));
    }
    const files = fs
      .readdirSync(SNIPPETS)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `docs/resuming/${f}`);
    expect(files.sort()).toEqual(["docs/resuming/apollo-client.ts", "docs/resuming/graphql-ws.ts"]);
    for (const file of files) expect(blocks.map((b) => b.source)).toContain(file);
  });
});

interface Shown {
  lists: unknown[];
  entries: { cursor: string; kind: string; status: string; licenseRequest: { id: string } | null }[];
  errors: unknown[];
}

/** A snippet started against `url` as `token`, showing into `shown`; resolves to its stop. */
type Start = (url: string, token: string, shown: Shown) => () => Promise<void>;

const show = (shown: Shown) => ({
  lists: (lists: unknown) => void shown.lists.push(lists),
  entry: (entry: Shown["entries"][number]) => void shown.entries.push(entry),
  error: (error: unknown) => void shown.errors.push(error),
});

const snippets: [string, Start][] = [
  [
    "Apollo Client 4 (GraphQLWsLink)",
    (url, token, shown) => {
      // GraphQLWsLink tells a subscription's GraphQL errors from socket errors by the global WebSocket, which Node 20 lacks
      // (without one, CURSOR_EXPIRED would surface as a ReferenceError that closes the socket).
      (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
      const { client, socket } = createApolloClient({ url, token: () => token, webSocketImpl: WebSocket });
      const stop = apolloSnippet.followActivity(client, socket, show(shown));
      return async () => {
        stop();
        client.stop();
        await socket.dispose();
      };
    },
  ],
  [
    "graphql-ws",
    (url, token, shown) => {
      const { stop } = wsSnippet.followActivity({ url, token: () => token, show: show(shown), webSocketImpl: WebSocket });
      return stop;
    },
  ],
];

describe.each(snippets)("the README's resuming snippet with %s", (_name, start) => {
  let server: TestServer;
  let proxy: TcpProxy;
  let org: OrganizationSeed;
  let admin: UserEntity;
  let adminToken: string;
  let requester: UserEntity;
  let requesterToken: string;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { SEED_DEMO_DATA: "false", ACTIVITY_POLL_INTERVAL_MS: "200" } });
    proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(server.url).port) });
    url = `http://127.0.0.1:${proxy.port}`;
    org = await seedOrganization(server.service.dataSource, "Fabrikam");
    admin = await org.user({ role: "GLOBAL_ADMIN", displayName: "Ada Admin" });
    adminToken = await org.token(admin);
    requester = await org.user({ displayName: "Rita Requester" });
    requesterToken = await org.token(requester);
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  const gql = async (token: string, query: string, variables: Record<string, unknown>) => {
    const res = await server.gql(token, query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  };
  const submit = async () => {
    const product = toGlobalId("Product", (await org.product()).id);
    const data = await gql(
      requesterToken,
      `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { licenseRequest { id } userErrors { code } } }`,
      { input: { productId: product } },
    );
    expect(data.submitLicenseRequest.userErrors).toEqual([]);
    return data.submitLicenseRequest.licenseRequest.id as string;
  };
  const deny = async (requestId: string) => {
    const data = await gql(adminToken, `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId },
    });
    expect(data.denyLicenseRequest.userErrors).toEqual([]);
  };
  const approve = async (requestId: string) => {
    const data = await gql(adminToken, `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) { userErrors { code } } }`, {
      input: { requestId },
    });
    expect(data.approveLicenseRequest.userErrors).toEqual([]);
  };
  /** The log over HTTP after `after`: every entry's cursor, in order. */
  const logAfter = async (after: string) => {
    const data = await gql(adminToken, `query($after: String) { licenseRequestEvents(after: $after, first: 100) { nodes { cursor } } }`, { after });
    return (data.licenseRequestEvents.nodes as { cursor: string }[]).map((n) => n.cursor);
  };
  const newestCursor = async () =>
    (await gql(adminToken, `{ licenseRequestEvents(first: 1) { newestCursor } }`, {})).licenseRequestEvents.newestCursor as string;
  const showsEntries = (shown: Shown, n: number, what: string) => eventually(() => shown.entries.length >= n, RESUME_MS, what);

  it("shows every entry once, in order: before the drop, while the connection was down, and after it", async () => {
    const shown: Shown = { lists: [], entries: [], errors: [] };
    const from = await newestCursor();
    const before = await submit(); // committed before the dashboard starts: in its lists, not in its feed
    const stop = start(url, adminToken, shown);
    try {
      await eventually(() => shown.lists.length === 1, RESUME_MS, "the lists");
      expect(JSON.stringify(shown.lists[0])).toContain(before);

      const first = await submit();
      await deny(first);
      const second = await submit();
      await showsEntries(shown, 3, "the entries before the drop");
      const connections = proxy.accepted();

      // The network drops; every reconnection fails until the changes made meanwhile have committed.
      proxy.cut();
      await approve(second);
      const third = await submit();
      await deny(third);
      proxy.forward();
      await showsEntries(shown, 6, "the entries made while away");
      expect(proxy.accepted()).toBeGreaterThan(connections);

      // A change after the reconnection: any entry replayed twice would have come before it.
      await deny(await submit());
      await showsEntries(shown, 8, "the entries after the reconnection");
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(shown.errors).toEqual([]);
      expect(shown.lists).toHaveLength(1);
      expect(shown.entries.map((e) => [e.kind, e.licenseRequest?.id]).slice(0, 6)).toEqual([
        ["SUBMITTED", first],
        ["DENIED", first],
        ["SUBMITTED", second],
        ["APPROVED", second],
        ["SUBMITTED", third],
        ["DENIED", third],
      ]);
      // Every entry committed since the dashboard's start, once each, in the log's order.
      const log = await logAfter(from);
      expect(shown.entries.map((e) => e.cursor)).toEqual(log.slice(1));
    } finally {
      await stop();
    }
  });

  it("reads the lists again and goes on from their newestCursor when the log no longer keeps what followed its last cursor", async () => {
    const shown: Shown = { lists: [], entries: [], errors: [] };
    const stop = start(url, adminToken, shown);
    try {
      await eventually(() => shown.lists.length === 1, RESUME_MS, "the lists");
      const first = await submit();
      await showsEntries(shown, 1, "the first entry");

      proxy.cut();
      const whileAway = await submit();
      await deny(first);
      // Away longer than the log keeps: everything but the newest entry is gone.
      expect(await server.service.services.activity.prune(new Date(Date.now() + 86_400_000))).toBeGreaterThan(0);
      proxy.forward();
      await eventually(() => shown.lists.length === 2, RESUME_MS, "the lists read again").catch((e) => {
        console.log(shown.errors, JSON.stringify(shown.entries));
        throw e;
      });
      expect(JSON.stringify(shown.lists[1])).toContain(whileAway);
      expect(JSON.stringify(shown.lists[1])).not.toContain(first);

      const after = await submit();
      await showsEntries(shown, 2, "the entry after the lists were read again");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(shown.entries.map((e) => [e.kind, e.licenseRequest?.id])).toEqual([
        ["SUBMITTED", first],
        ["SUBMITTED", after],
      ]);
      expect(shown.errors).toEqual([]);
    } finally {
      await stop();
    }
  });
});

describe("a subscription left to graphql-ws's own retry", () => {
  it("would show entries twice after a drop: graphql-ws re-sends it with its first cursor", async () => {
    const server = await startTestServer({ env: { SEED_DEMO_DATA: "false", ACTIVITY_POLL_INTERVAL_MS: "200" } });
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(server.url).port) });
    const org = await seedOrganization(server.service.dataSource, "Contoso");
    const adminToken = await org.token(await org.user({ role: "GLOBAL_ADMIN" }));
    const requesterToken = await org.token(await org.user());
    const client = createClient({
      url: `ws://127.0.0.1:${proxy.port}/graphql`,
      connectionParams: { authorization: `Bearer ${adminToken}` },
      webSocketImpl: WebSocket,
      retryAttempts: Infinity,
    });
    const submit = async () => {
      const product = toGlobalId("Product", (await org.product()).id);
      const res = await server.gql(
        requesterToken,
        `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) { userErrors { code } } }`,
        {
          input: { productId: product },
        },
      );
      expect(res.body.data?.submitLicenseRequest.userErrors).toEqual([]);
    };
    try {
      const from = (await server.gql(adminToken, `{ licenseRequestEvents(first: 1) { newestCursor } }`)).body.data?.licenseRequestEvents.newestCursor;
      const cursors: string[] = [];
      client.subscribe<{ licenseRequestEvents: { cursor: string } }>(
        { query: `subscription($after: String) { licenseRequestEvents(after: $after) { cursor } }`, variables: { after: from } },
        { next: ({ data }) => void (data && cursors.push(data.licenseRequestEvents.cursor)), error: () => undefined, complete: () => undefined },
      );
      await submit();
      await submit();
      await eventually(() => cursors.length === 2, RESUME_MS, "the first entries");
      proxy.cut();
      await submit();
      proxy.forward();
      await eventually(() => cursors.length >= 5, RESUME_MS, "the entries after the drop");
      // The first two again, then the one made while away.
      expect(cursors.slice(0, 5)).toEqual([cursors[0], cursors[1], cursors[0], cursors[1], cursors[4]]);
    } finally {
      await client.dispose();
      await proxy.close();
      await server.stop();
    }
  });
});
