/**
 * The Requests page (/requests) in a real headless Chromium against a real
 * server: it lists requests through the public API, shows requests submitted
 * elsewhere and decisions made elsewhere without a reload (graphql-ws),
 * approves partially from another product with apps turned off, denies, shows
 * userErrors, renders API text as text, loads nothing from another origin,
 * and without a development token asks for one and keeps it in sessionStorage.
 * Its message box takes what the API takes (1,000 characters) and counts them;
 * a decision retried after a failed call sends the same idempotency key and
 * acts once, and a changed decision is a new one.
 *
 * Every wait is bounded: Playwright's waitFor / waitForFunction with a timeout,
 * and `eventually` for server-side conditions.
 */
import fs from "node:fs";
import path from "node:path";
import { Page, Route } from "playwright-core";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const SCREENSHOT = path.join(ROOT, "test-artifacts", "requests-page.png");

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const MEGAN = "megan@contoso.example";
const LEE = "lee@contoso.example";
const NESTOR = "nestor@contoso.example";
const PATTI = "patti@contoso.example";

const LIST_IDS = `query($state: LicenseRequestState!) { licenseRequests(filter: { state: $state }, first: 100) { nodes { id requester { displayName } } } }`;

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(async () => {
  ({ server, api, browser } = suite);
  // The tests below count the emails decisions write; the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
});

function open(target: TestServer = server): Promise<Session> {
  return browser.open(`${target.url}/requests`);
}

/** Opens the page and waits until its subscription listens on the server. */
async function openLive(): Promise<Session> {
  const session = await open();
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  return session;
}

const row = (page: Page, requestId: string) => page.locator(`tr[data-request-id="${requestId}"]`);
const rowStatus = (page: Page, requestId: string, status: string) => row(page, requestId).locator(`[data-field=status] .status[data-status="${status}"]`);

async function shownRequestIds(page: Page): Promise<string[]> {
  return page.locator("#rows tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-request-id") ?? ""));
}

async function requestIds(state: "PENDING" | "COMPLETED"): Promise<{ id: string; requester: { displayName: string } }[]> {
  const res = await server.gql(ADMIN, LIST_IDS, { state });
  return res.body.data!.licenseRequests.nodes;
}

async function selectRequest(page: Page, requestId: string, productName: string): Promise<void> {
  await row(page, requestId).click();
  await page.locator("#details h2", { hasText: productName }).waitFor();
}

/** The history of a request as its admins read it: one entry per decision, cancellation or expiry. */
async function history(requestId: string): Promise<string[]> {
  const res = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { history { action } } }`, { id: requestId });
  return res.body.data!.licenseRequest.history.map((entry: { action: string }) => entry.action);
}

interface ApproveInput {
  requestId: string;
  excludedUserIds: string[];
  idempotencyKey: string;
}

/**
 * Hands every approval the page sends to `handle` (with its input), in order;
 * the page's other calls go through untouched.
 */
async function interceptApprovals(page: Page, handle: (route: Route, input: ApproveInput, attempt: number) => Promise<void>): Promise<ApproveInput[]> {
  const sent: ApproveInput[] = [];
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string; variables?: { input: ApproveInput } } | null;
    if (!body?.query?.startsWith("mutation RequestsPageApprove")) return route.continue();
    sent.push(body.variables!.input);
    await handle(route, body.variables!.input, sent.length);
  });
  return sent;
}

async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { unchanged?: boolean }).unchanged === true);
}

test("lists the seeded pending requests, the completed ones under Completed, with a strict CSP and only its own files", async () => {
  const session = await open();
  const { page } = session;
  const pending = await requestIds("PENDING");
  expect(pending.length).toBeGreaterThan(0);
  for (const request of pending) {
    await row(page, request.id).waitFor();
    await expect(row(page, request.id).locator("[data-field=requester]").textContent()).resolves.toContain(request.requester.displayName);
    await rowStatus(page, request.id, "PENDING").waitFor();
  }
  expect((await shownRequestIds(page)).sort()).toEqual(pending.map((r) => r.id).sort());

  await page.getByRole("button", { name: "Completed" }).click();
  const completed = await requestIds("COMPLETED");
  expect(completed.length).toBeGreaterThan(0);
  await row(page, completed[0].id).waitFor();
  await page.waitForFunction((count) => document.querySelectorAll("#rows tr").length === count, completed.length, { timeout: WAIT_MS });
  expect((await shownRequestIds(page)).sort()).toEqual(completed.map((r) => r.id).sort());

  const csp = session.response!.headers()["content-security-policy"];
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
  expect(csp).not.toContain("unsafe");

  // The page's modules as they are in public/requests, with the generated operations; the
  // browser client comes from this server, and the package's other files are not served
  // (nor the type declaration beside the page's import of it, which is for the type check).
  expect(session.requests).toEqual(
    expect.arrayContaining(["app.js", "api.js", "list.js", "details.js", "live.js", "generated/operations.js"].map((file) => `${server.url}/requests/${file}`)),
  );
  expect(session.requests).toContain(`${server.url}/requests/vendor/graphql-ws/client.js`);
  expect((await fetch(`${server.url}/requests/vendor/graphql-ws/client.cjs`)).status).toBe(404);
  expect((await fetch(`${server.url}/requests/vendor/graphql-ws/index.d.ts`)).status).toBe(404);
  expect((await fetch(`${server.url}/requests/vendor/graphql-ws/client.d.ts`)).status).toBe(404);
  expect(session.sockets).toEqual([server.wsUrl]);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a request submitted through the API appears without reload; X, another product and apps off make a partial approval", async () => {
  const session = await openLive();
  const { page } = session;
  await page.evaluate(() => ((window as unknown as { unchanged: boolean }).unchanged = true));

  const submitted = await api.submit(ADELE, "POWER_BI_PRO", [ALEX, MEGAN], { justification: "<b>Dashboards</b> for the launch" });
  expect(submitted.userErrors).toEqual([]);
  const requestId: string = submitted.licenseRequest.id;
  await rowStatus(page, requestId, "PENDING").waitFor();
  expect((await shownRequestIds(page))[0]).toBe(requestId);
  await expect(notReloaded(page)).resolves.toBe(true);

  await selectRequest(page, requestId, "Power BI Pro");
  // API text is text: the justification's markup shows as typed and makes no element.
  await expect(page.locator("#details .justification").textContent()).resolves.toBe("<b>Dashboards</b> for the launch");
  await expect(page.locator("#details b").count()).resolves.toBe(0);

  const megan = page.locator(`#details li[data-user-id="${server.ids.user(MEGAN)}"]`);
  await megan.getByRole("button", { name: /Don't assign to/ }).click();
  await page.locator(`#details li.excluded[data-user-id="${server.ids.user(MEGAN)}"]`).waitFor();
  await page.locator(`#details input[name=product][value="${server.ids.product("SPE_E5")}"]`).check();
  const teams = page.locator(`#details input[type=checkbox][value="${server.ids.plan("TEAMS1")}"]`);
  await teams.check();
  await page.locator("#details textarea#message").fill("Megan already has one.");
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.getByRole("button", { name: "Approve" }).click();

  await rowStatus(page, requestId, "PARTIALLY_APPROVED").waitFor();
  await page.locator('#details [data-field=status] .status[data-status="PARTIALLY_APPROVED"]').waitFor();
  await expect(megan.locator(".status").getAttribute("data-status")).resolves.toBe("DENIED");
  await expect(notReloaded(page)).resolves.toBe(true);

  const stored = await api.read(ADMIN, requestId);
  expect(stored).toMatchObject({
    status: "PARTIALLY_APPROVED",
    assignedProduct: { skuPartNumber: "SPE_E5" },
    disabledServicePlans: [{ servicePlanName: "TEAMS1" }],
    decisionMessage: "Megan already has one.",
    decidedBy: { email: ADMIN },
  });
  expect(Object.fromEntries(stored!.recipients.map((r: { user: { email: string }; decision: string }) => [r.user.email, r.decision]))).toEqual({
    [ADELE]: "APPROVED",
    [ALEX]: "APPROVED",
    [MEGAN]: "DENIED",
  });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("userErrors are shown and change nothing; Deny denies", async () => {
  const session = await openLive();
  const { page } = session;
  const requestId = await api.submitted(ADELE, "VISIO_PLAN2", [ALEX]);
  await rowStatus(page, requestId, "PENDING").waitFor();
  await selectRequest(page, requestId, "Visio Plan 2");

  for (const email of [ADELE, ALEX]) {
    await page.locator(`#details li[data-user-id="${server.ids.user(email)}"] button[data-action=exclude]`).click();
    await page.locator(`#details li.excluded[data-user-id="${server.ids.user(email)}"]`).waitFor();
  }
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#details .errors[role=alert] li", { hasText: "Every recipient is left out" }).waitFor();
  await expect(api.read(ADMIN, requestId)).resolves.toMatchObject({ status: "PENDING" });
  await expect(rowStatus(page, requestId, "PENDING").count()).resolves.toBe(1);

  await page.locator("#details textarea#message").fill("Please use Visio in the browser.");
  await page.getByRole("button", { name: "Deny" }).click();
  await rowStatus(page, requestId, "DENIED").waitFor();
  await expect(api.read(ADMIN, requestId)).resolves.toMatchObject({
    status: "DENIED",
    decisionMessage: "Please use Visio in the browser.",
    recipients: [
      { user: { email: ADELE }, decision: "DENIED" },
      { user: { email: ALEX }, decision: "DENIED" },
    ],
  });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a decision made elsewhere updates the list and the open details without reload", async () => {
  const session = await openLive();
  const { page } = session;
  await page.evaluate(() => ((window as unknown as { unchanged: boolean }).unchanged = true));
  const requestId = await api.submitted(ADELE, "POWER_BI_PRO");
  await selectRequest(page, requestId, "Power BI Pro");
  await page.getByRole("button", { name: "Approve" }).waitFor();

  const approved = await api.approve(ADMIN, requestId, { message: "Done from elsewhere." });
  expect(approved.userErrors).toEqual([]);
  await rowStatus(page, requestId, "APPROVED").waitFor();
  await page.locator("#details dd", { hasText: "Done from elsewhere." }).waitFor();
  await expect(page.getByRole("button", { name: "Approve" }).count()).resolves.toBe(0);
  await expect(notReloaded(page)).resolves.toBe(true);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("the message box takes at most 1,000 characters, as the API does, and shows the count", async () => {
  const session = await openLive();
  const { page } = session;
  const requestId = await api.submitted(LEE, "VISIO_PLAN2");
  await rowStatus(page, requestId, "PENDING").waitFor();
  await selectRequest(page, requestId, "Visio Plan 2");
  // The pane renders again once the groups and Approve's preview arrive, each time with a new text box (the
  // focus and the message carried over). A fill on the box before it is replaced types into the old one, and
  // the keys that follow go to the new one, which still shows the earlier message: wait for both first.
  await page.locator("#details #preview[data-state=ready]").waitFor();
  await page.getByText("Loading groups…").waitFor({ state: "hidden" });
  const box = page.locator("#details textarea#message");
  const count = page.locator("#details #message-count");
  await expect(box.getAttribute("maxlength")).resolves.toBe("1000");
  await expect(box.getAttribute("aria-describedby")).resolves.toBe("message-count");
  await expect(count.textContent()).resolves.toBe("0 / 1,000");

  await box.pressSequentially("Sorry");
  await expect(count.textContent()).resolves.toBe("5 / 1,000");
  // Pasting more keeps the first 1,000 characters; typing past the limit stops at it.
  await box.fill("");
  await page.keyboard.insertText("y".repeat(1200));
  await expect(box.inputValue()).resolves.toBe("y".repeat(1000));
  await expect(count.textContent()).resolves.toBe("1,000 / 1,000");
  await box.fill("x".repeat(995));
  await expect(count.textContent()).resolves.toBe("995 / 1,000");
  await box.pressSequentially("0123456789");
  await expect(box.inputValue()).resolves.toBe("x".repeat(995) + "01234");
  await expect(count.textContent()).resolves.toBe("1,000 / 1,000");

  // A re-render (here: leaving the requester out and taking them back) keeps the message and its count.
  await page.locator(`#details li[data-user-id="${server.ids.user(LEE)}"] button[data-action=exclude]`).click();
  await page.locator(`#details li[data-user-id="${server.ids.user(LEE)}"] button[data-action=include]`).click();
  await expect(count.textContent()).resolves.toBe("1,000 / 1,000");

  // What the box holds the API takes.
  await page.getByRole("button", { name: "Deny" }).click();
  await rowStatus(page, requestId, "DENIED").waitFor();
  await expect(api.read(ADMIN, requestId)).resolves.toMatchObject({ status: "DENIED", decisionMessage: "x".repeat(995) + "01234" });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("an approval whose answer was lost is retried with the same idempotencyKey, and the server acts once", async () => {
  const session = await openLive();
  const { page } = session;
  const requestId = await api.submitted(NESTOR, "VISIO_PLAN2", [MEGAN]);
  await rowStatus(page, requestId, "PENDING").waitFor();
  await selectRequest(page, requestId, "Visio Plan 2");
  const poolBefore = await api.pool("VISIO_PLAN2");

  const sent = await interceptApprovals(page, async (route, _input, attempt) => {
    if (attempt > 1) return route.continue();
    // The first call reaches the server, which decides; its answer is lost on the way back.
    await route.fetch();
    // The decision's live event arrives while the page still waits for its answer (so it keeps the form).
    await rowStatus(page, requestId, "APPROVED").waitFor();
    await route.abort("connectionreset");
  });
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#details .errors[role=alert] li", { hasText: "could not be reached" }).waitFor();

  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator('#details [data-field=status] .status[data-status="APPROVED"]').waitFor();
  await expect(page.locator("#details .errors[role=alert] li").count()).resolves.toBe(0);

  // The same call twice: the same input with the same key, a 32-hex-digit one.
  expect(sent).toHaveLength(2);
  expect(sent[0].idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
  expect(sent[1]).toEqual(sent[0]);
  // Acted once: one decision, one license and one email per recipient, the pool down by two.
  await expect(history(requestId)).resolves.toEqual(["APPROVED"]);
  const stored = await api.stored(requestId);
  expect(stored.assignments).toHaveLength(2);
  expect(stored.emails.map((email) => email.toAddress).sort()).toEqual([MEGAN, NESTOR]);
  await expect(api.pool("VISIO_PLAN2")).resolves.toEqual({ total: poolBefore.total, assigned: poolBefore.assigned + 2 });

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  // The browser reports the reset connection once.
  expect(session.problems).toHaveLength(1);
  expect(session.problems[0]).toMatch(/^Failed to load resource/);
});

test("a retry after a 5xx or a network failure keeps the key; a changed decision is a new one with a new key", async () => {
  const session = await openLive();
  const { page } = session;
  const requestId = await api.submitted(PATTI, "POWER_BI_PRO", [LEE]);
  await rowStatus(page, requestId, "PENDING").waitFor();
  await selectRequest(page, requestId, "Power BI Pro");

  const sent = await interceptApprovals(page, async (route, _input, attempt) => {
    // None of the first two reaches the server: a gateway's 502, then no connection at all.
    if (attempt === 1) return route.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad gateway</h1>" });
    if (attempt === 2) return route.abort("internetdisconnected");
    return route.continue();
  });
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#details .errors[role=alert] li", { hasText: "HTTP 502" }).waitFor();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#details .errors[role=alert] li", { hasText: "could not be reached" }).waitFor();

  // The admin changes the decision: Lee is left out.
  await page.locator(`#details li[data-user-id="${server.ids.user(LEE)}"] button[data-action=exclude]`).click();
  await page.locator(`#details li.excluded[data-user-id="${server.ids.user(LEE)}"]`).waitFor();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator('#details [data-field=status] .status[data-status="PARTIALLY_APPROVED"]').waitFor();

  expect(sent.map((input) => input.excludedUserIds)).toEqual([[], [], [server.ids.user(LEE)]]);
  expect(sent[1].idempotencyKey).toBe(sent[0].idempotencyKey);
  expect(sent[2].idempotencyKey).not.toBe(sent[0].idempotencyKey);
  await expect(history(requestId)).resolves.toEqual(["PARTIALLY_APPROVED"]);
  const stored = await api.stored(requestId);
  expect(stored.assignments).toHaveLength(1);
  expect(stored.emails.map((email) => email.toAddress).sort()).toEqual([LEE, PATTI]);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual(["502 /graphql"]);
  expect(session.problems).toHaveLength(2);
  expect(session.problems.filter((p) => !p.startsWith("Failed to load resource"))).toEqual([]);
});

describe("without a development token (production)", () => {
  let production: TestServer;

  beforeAll(async () => {
    production = await startTestServer({ env: { NODE_ENV: "production" } });
  });

  afterAll(async () => {
    await production?.stop();
  });

  test("the page asks for a token, refuses a bad one, and keeps a good one in this tab's sessionStorage", async () => {
    expect((await fetch(`${production.url}/requests/dev-token`)).status).toBe(404);
    const session = await open(production);
    const { page } = session;
    await page.locator("#token-form").waitFor();
    await expect(page.locator("#main").isHidden()).resolves.toBe(true);

    await page.locator("#token-input").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#notice", { hasText: "The token was refused" }).waitFor();
    await expect(page.locator("#token-form").isVisible()).resolves.toBe(true);

    const token = await production.ids.token(ADMIN);
    await page.locator("#token-input").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    const pending = await production.gql(ADMIN, LIST_IDS, { state: "PENDING" });
    const firstPending: string = pending.body.data!.licenseRequests.nodes[0].id;
    await rowStatus(page, firstPending, "PENDING").waitFor();
    await expect(page.evaluate(() => sessionStorage.getItem("licenseRequests.token"))).resolves.toBe(token);

    // A reload in the same tab stays signed in; the token never goes into a URL.
    await page.reload();
    await rowStatus(page, firstPending, "PENDING").waitFor();
    await expect(page.locator("#token-form").isHidden()).resolves.toBe(true);
    expect(session.requests.filter((url) => url.includes(token))).toEqual([]);
    expect(session.sockets.filter((url) => url.includes(token))).toEqual([]);

    expectOnlyOwnOrigin(session);
    // The only failed answers are the expected ones (no development token; the refused token), each reported once by the browser.
    expect(session.failures).toEqual(["404 /requests/dev-token", "401 /graphql"]);
    expect(session.problems).toHaveLength(session.failures.length);
    expect(session.problems.filter((p) => !p.startsWith("Failed to load resource"))).toEqual([]);
  });
});
