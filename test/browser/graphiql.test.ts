/**
 * GraphiQL at GET /graphql in a real headless Chromium against a real server:
 * it loads (a small page and its static, content-hashed assets) with nothing from another origin (anything else is blocked and
 * fails the test, as it would offline), holds the demo admin's token in the
 * headers editor in development, runs the first query, a mutation and a
 * subscription over graphql-ws, and its docs explorer lists the schema. In
 * production it is off unless GRAPHIQL=true, and then holds no token.
 *
 * GraphiQL's editors are Monaco editors: their text is read from what they
 * render, and a query is put into the editor before the page loads through
 * localStorage "graphiql:query", where GraphiQL keeps the last query.
 *
 * Every wait is bounded: Playwright's waits run under WAIT_MS, and `eventually`
 * for server-side conditions.
 */
import fs from "node:fs";
import path from "node:path";
import { getIntrospectionQuery } from "graphql";
import { Locator, Page } from "playwright-core";
import { browserSuite, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { requestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const SCREENSHOT = path.join(ROOT, "test-artifacts", "graphiql.png");
/** What Chromium sends when it navigates. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";

const suite = browserSuite();

/** Opens GraphiQL, with `query` in its editor when given, and waits until it is ready to run. */
async function openGraphiQL(target: TestServer = suite.server, query?: string): Promise<Session> {
  const initScript = query === undefined ? undefined : { fn: (text: string) => localStorage.setItem("graphiql:query", text), arg: query };
  const session = await suite.browser.open(`${target.url}/graphql`, { initScript });
  await executeButton(session.page).waitFor();
  return session;
}

const executeButton = (page: Page) => page.getByRole("button", { name: /^Execute query/ });
const resultPane = (page: Page) => page.locator(".graphiql-response");
const headersEditor = (page: Page) => page.locator("section.graphiql-editor-tool[aria-label=Headers] .graphiql-editor:not(.hidden)");
const SUBMITTED = "subscription Submitted {\n  licenseRequestSubmitted { id product { name } requester { displayName } }\n}\n";

/** The text a Monaco editor shows, with its non-breaking spaces as spaces. */
async function shownText(editor: Locator): Promise<string> {
  return (await editor.innerText()).replace(/\u00a0/g, " ");
}

/** The token in the Authorization header the headers editor holds, checked to be the demo admin's against the API. */
async function expectAdminTokenPrefilled(page: Page): Promise<string> {
  const token = /"Authorization": "Bearer ([\w.-]+)"/.exec(await shownText(headersEditor(page)))?.[1];
  expect(token).toBeDefined();
  const me = await suite.server.gql(token!, "{ me { email } }");
  expect(me.body.data).toEqual({ me: { email: ADMIN } });
  return token!;
}

/** Replaces what the headers editor holds by pasting `text`, as a person would (typing would auto-close brackets). */
async function pasteHeaders(session: Session, text: string): Promise<void> {
  const { context, page } = session;
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await headersEditor(page).locator(".view-lines").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Control+V");
}

/**
 * Runs the subscription in the editor, submits a request through the API once
 * the subscription listens, and waits until the result pane shows it.
 */
async function expectSubmittedShown(page: Page, target: TestServer): Promise<string> {
  await executeButton(page).click();
  await eventually(() => target.service.services.tails.listenerCount() === 1, WAIT_MS, "GraphiQL's subscription");
  const requestId = await requestsApi(target).submitted(ADELE, "POWER_BI_PRO");
  await resultShows(page, requestId);
  return requestId;
}

/** Waits until the result pane shows `text`. */
async function resultShows(page: Page, text: string): Promise<void> {
  await resultPane(page).filter({ hasText: text }).waitFor();
}

async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { unchanged?: boolean }).unchanged === true);
}

function expectCleanSession(session: Session): void {
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
}

describe("in development", () => {
  test("loads from the server's origin alone and runs the first query with the demo admin's prefilled token", async () => {
    const session = await openGraphiQL();
    const { page } = session;
    expect(session.response!.status()).toBe(200);
    expect(session.response!.headers()["content-type"]).toMatch(/^text\/html/);

    const token = await expectAdminTokenPrefilled(page);

    const expected = await suite.server.gql(
      ADMIN,
      "{ licenseRequests(filter: { state: PENDING }, first: 10) { totalCount nodes { requester { displayName } } } }",
    );
    const { totalCount, nodes } = expected.body.data!.licenseRequests;
    expect(nodes.length).toBeGreaterThan(0);

    const sent = page.waitForRequest((request) => request.method() === "POST" && (request.postData() ?? "").includes("PendingRequests"));
    await executeButton(page).click();
    expect((await sent).headers().authorization).toBe(`Bearer ${token}`);
    await resultShows(page, nodes[0].requester.displayName);
    const result = await shownText(resultPane(page));
    expect(result).toContain(`"totalCount": ${totalCount}`);
    expect(result).not.toContain('"errors"');

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    // The page, its content-hashed static assets (GraphiQL, its styles, Monaco's workers, the icon), and the API.
    const paths = new Set(session.requests.map((url) => new URL(url).pathname));
    const assets = [...paths].filter((p) => p !== "/graphql");
    expect(paths.has("/graphql")).toBe(true);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) expect(asset).toMatch(/^\/graphiql-assets\/[\w.-]+\.[0-9a-f]{16}\.(js|css|ico)$/);
    expectCleanSession(session);
  });

  test("the docs explorer lists the Query type's fields", async () => {
    const session = await openGraphiQL();
    const { page } = session;
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs
      .locator("a.graphiql-doc-explorer-type-name", { hasText: /^Query$/ })
      .first()
      .click();
    await docs.locator(".graphiql-doc-explorer-title", { hasText: /^Query$/ }).waitFor();
    for (const field of ["licenseRequests", "licenseRequest", "me"]) {
      await docs.locator("a.graphiql-doc-explorer-field-name", { hasText: new RegExp(`^${field}$`) }).waitFor();
    }
    expectCleanSession(session);
  });

  test("a subscription runs over graphql-ws on /graphql and shows a request submitted through the API without reload", async () => {
    const session = await openGraphiQL(suite.server, SUBMITTED);
    const { page } = session;
    await page.evaluate(() => ((window as unknown as { unchanged: boolean }).unchanged = true));
    await expectSubmittedShown(page, suite.server);
    const result = await shownText(resultPane(page));
    expect(result).toContain('"licenseRequestSubmitted"');
    expect(result).toContain("Adele Vance");
    expect(result).toContain("Power BI Pro");
    await expect(notReloaded(page)).resolves.toBe(true);
    expect(session.sockets).toEqual([suite.server.wsUrl]);
    expectCleanSession(session);
  });

  test("a mutation run from GraphiQL denies a request on the server", async () => {
    const requestId = await suite.api.submitted(ADELE, "VISIO_PLAN2");
    const mutation = `mutation Deny {
  denyLicenseRequest(input: { requestId: "${requestId}", message: "Denied from GraphiQL." }) {
    licenseRequest { id status }
    userErrors { code message }
  }
}
`;
    const session = await openGraphiQL(suite.server, mutation);
    const { page } = session;
    await executeButton(page).click();
    await resultShows(page, "DENIED");
    await expect(suite.api.read(ADMIN, requestId)).resolves.toMatchObject({
      status: "DENIED",
      decisionMessage: "Denied from GraphiQL.",
      decidedBy: { email: ADMIN },
    });
    expectCleanSession(session);
  });

  test("an edited query survives a reload of the page, with the token still in place", async () => {
    const session = await openGraphiQL();
    const { page } = session;
    await expectAdminTokenPrefilled(page);
    // The editor takes keystrokes once it has focus, which a click on a page still loading may not give it
    // (a busy machine): type until the editor shows the edit, then look for it in the URL.
    const editor = page.locator(".graphiql-query-editor");
    await eventually(
      async () => {
        await editor.locator(".view-lines").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.type("# edited here\n");
        // The editor renders spaces as no-break spaces.
        return ((await editor.textContent()) ?? "").replace(/\s/g, " ").includes("# edited here");
      },
      WAIT_MS,
      "the edit in the query editor",
    );
    await page.waitForFunction(() => new URL(location.href).searchParams.get("query")?.includes("# edited here"), undefined, { timeout: WAIT_MS });
    const reloaded = await page.reload();
    expect(reloaded!.headers()["content-type"]).toMatch(/^text\/html/);
    await executeButton(page).waitFor();
    await page.locator(".graphiql-query-editor", { hasText: "# edited here" }).waitFor();
    await expectAdminTokenPrefilled(page);
    expectCleanSession(session);
  });

  test("GraphiQL's introspection query passes the bounds; introspection nested past graphql-js's own bound is refused", async () => {
    const introspection = await suite.server.gql(
      ADMIN,
      getIntrospectionQuery({ descriptions: true, schemaDescription: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true }),
    );
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data!.__schema.queryType).toMatchObject({ name: "Query" });

    // __schema, types, then fields within fields: graphql-js refuses introspection three lists deep.
    const nested = ["__schema", "types", ..."fields type ofType ".repeat(5).trim().split(" ")].reduceRight((inner, field) => `${field} { ${inner} }`, "name");
    const refused = await suite.server.gql(ADMIN, `{ ${nested} }`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { message: "Maximum introspection depth exceeded", locations: expect.any(Array), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } },
    ]);
  });
});

describe("in production", () => {
  const asBrowser = (target: TestServer) => fetch(`${target.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });

  test("GraphiQL is off unless GRAPHIQL=true", async () => {
    const production = await startTestServer({ env: { NODE_ENV: "production" } });
    try {
      const res = await asBrowser(production);
      expect(res.headers.get("content-type") ?? "").not.toMatch(/html/);
      expect(await res.text()).not.toMatch(/<html|graphiql/i);
    } finally {
      await production.stop();
    }
  });

  test("with GRAPHIQL=true it is served with a placeholder in place of a token, and a pasted token authenticates a subscription", async () => {
    const production = await startTestServer({ env: { NODE_ENV: "production", GRAPHIQL: "true" } });
    try {
      const res = await asBrowser(production);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      // The placeholder, as JSON inside a script (where "<" is escaped).
      expect(html).toMatch(/"Bearer (<|\\u003c)token>/);
      expect(html).not.toContain("Bearer ey");

      // The page shows the placeholder; until a token is put there, the schema cannot be fetched.
      const session = await openGraphiQL(production, SUBMITTED);
      const { page } = session;
      await expect(shownText(headersEditor(page))).resolves.toContain('"Authorization": "Bearer <token>"');
      await eventually(() => session.failures.length > 0, WAIT_MS, "the schema request to be refused");
      expect(new Set(session.failures)).toEqual(new Set(["401 /graphql"]));

      // A token pasted into the headers editor authenticates the subscription's WebSocket.
      const token = await production.ids.token(ADMIN);
      await pasteHeaders(session, JSON.stringify({ Authorization: `Bearer ${token}` }));
      await headersEditor(page).filter({ hasText: token }).waitFor();
      const requestId = await expectSubmittedShown(page, production);
      expect(await shownText(resultPane(page))).toContain(`"id": "${requestId}"`);
      expect(session.sockets).toEqual([production.wsUrl]);
      expectOnlyOwnOrigin(session);
      expect(new Set(session.failures)).toEqual(new Set(["401 /graphql"]));
      expect(session.problems.filter((p) => !p.startsWith("Failed to load resource"))).toEqual([]);
    } finally {
      await suite.browser.closeSessions();
      await eventually(() => production.service.services.tails.listenerCount() === 0, WAIT_MS, "the closed page's subscription to end");
      await production.stop();
    }
  });
});
