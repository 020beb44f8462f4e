/**
 * The user view at /requests/mine in a real headless Chromium against a real
 * server: a plain user (the development token of a demo user, ?as=) asks for
 * a product whose self-service purchase is blocked, names colleagues with the
 * people picker, sees the request appear, and sees an admin's decision (made
 * over the API) arrive live; cancels a pending request of their own; a request
 * whose answer was lost is retried with the same idempotencyKey and made once;
 * the justification takes what the API takes (2,000 characters); userErrors
 * are shown and nothing is made; while the organization uses its own request
 * process its message and link replace the form. API text is text. In
 * production the page asks for a token, and the development token is refused.
 *
 * Every wait is bounded: Playwright's waits with a timeout, and `eventually`
 * for server-side conditions.
 */
import fs from "node:fs";
import path from "node:path";
import { Page, Route } from "playwright-core";
import { ROOT } from "../helpers/built";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { RequestsApi } from "../helpers/requests";
import { startTestServer, TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const SCREENSHOT = path.join(ROOT, "test-artifacts", "requests-mine.png");

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const MEGAN = "megan@contoso.example";
const LEE = "lee@contoso.example";
const NESTOR = "nestor@contoso.example";
const LYNNE = "lynne@contoso.example";
const JOHANNA = "johanna@contoso.example";
const GRADY = "grady@contoso.example";
const ISAIAH = "isaiah@contoso.example";

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(() => {
  ({ server, api, browser } = suite);
});

/** Opens /requests/mine as the demo user `email` and waits until its subscription listens on the server. */
async function openMine(email: string, listeners = 1): Promise<Session> {
  const session = await browser.open(`${server.url}/requests/mine?as=${encodeURIComponent(email)}`);
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === listeners, WAIT_MS, "the page's subscription");
  return session;
}

const row = (page: Page, requestId: string) => page.locator(`#my-rows tr[data-request-id="${requestId}"]`);
const rowStatus = (page: Page, requestId: string, status: string) => row(page, requestId).locator(`[data-field=status] .status[data-status="${status}"]`);

/** The requests `email` sent, as the API lists them to that user. */
async function sentBy(email: string): Promise<{ id: string; product: { name: string }; justification: string | null }[]> {
  const res = await server.gql(
    email,
    `query($id: ID) { licenseRequests(filter: { requesterId: $id }, first: 100) { nodes { id product { name } justification } } }`,
    {
      id: server.ids.user(email),
    },
  );
  return res.body.data!.licenseRequests.nodes;
}

async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { unchanged?: boolean }).unchanged === true);
}

/** Names a colleague in the people picker: types `search`, waits for them among the matches and clicks them. */
async function pickPerson(page: Page, search: string, email: string): Promise<void> {
  await page.locator("#people-search").fill(search);
  await page.locator(`#people-results li[role=option][data-user-id="${server.ids.user(email)}"]`).click();
  await page.locator(`#people-chosen li[data-user-id="${server.ids.user(email)}"]`).waitFor();
}

interface SubmitInput {
  productId: string;
  additionalUserIds: string[];
  justification: string | null;
  idempotencyKey: string;
}

/** Hands every request the page submits to `handle`, in order; the page's other calls go through untouched. */
async function interceptSubmits(page: Page, handle: (route: Route, attempt: number) => Promise<void>): Promise<SubmitInput[]> {
  const sent: SubmitInput[] = [];
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string; variables?: { input: SubmitInput } } | null;
    if (!body?.query?.startsWith("mutation MineSubmit")) return route.continue();
    sent.push(body.variables!.input);
    await handle(route, sent.length);
  });
  return sent;
}

test("a user asks for a blocked product for colleagues too, sees it pending, and sees the admin's approval live", async () => {
  const session = await openMine(ADELE);
  const { page } = session;
  await page.evaluate(() => ((window as unknown as { unchanged: boolean }).unchanged = true));
  await expect(page.locator("#who").textContent()).resolves.toBe("Adele Vance · Contoso");
  await expect(page.locator("#admin-link").isHidden()).resolves.toBe(true);

  // The products one may request are those whose self-service purchase is blocked; the others are named as buyable.
  const options = await page.locator("#product option").evaluateAll((list) => list.map((o) => (o as HTMLOptionElement).value));
  expect(options).toEqual(["", ...["SPE_E5", "POWER_BI_PRO", "VISIO_PLAN2"].map((sku) => server.ids.product(sku))]);
  await page.locator(".request-form .hint", { hasText: "You can buy Project Plan 3 yourself" }).waitFor();

  // Sending without a product says what is missing and sends nothing.
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#form-errors li", { hasText: "Choose the product you need." }).waitFor();

  const sent = await interceptSubmits(page, (route) => route.continue());
  await page.locator("#product").selectOption(server.ids.product("POWER_BI_PRO"));
  await expect(page.locator("#form-errors li").count()).resolves.toBe(0);
  await pickPerson(page, "alex", ALEX);
  // The keyboard picks too: the first match, with Enter, which does not send the form.
  await page.locator("#people-search").fill("Megan");
  await page.locator(`#people-results li.active[data-user-id="${server.ids.user(MEGAN)}"]`).waitFor();
  await page.locator("#people-search").press("Enter");
  await page.locator(`#people-chosen li[data-user-id="${server.ids.user(MEGAN)}"]`).waitFor();
  expect(sent).toEqual([]);
  // Nobody is offered twice, nor the person themselves.
  await page.locator("#people-search").fill("contoso.example");
  await page.locator("#people-results li[role=option]").first().waitFor();
  const offered = await page.locator("#people-results li[role=option]").evaluateAll((list) => list.map((li) => li.getAttribute("data-user-id")));
  expect(offered).not.toContain(server.ids.user(ADELE));
  expect(offered).not.toContain(server.ids.user(ALEX));
  expect(offered).not.toContain(server.ids.user(MEGAN));
  await page.locator("#people-search").press("Escape");
  await expect(page.locator("#people-results").isHidden()).resolves.toBe(true);
  // Taken out again, and back in.
  await page.getByRole("button", { name: "Remove Alex Wilber" }).click();
  await expect(page.locator(`#people-chosen li[data-user-id="${server.ids.user(ALEX)}"]`).count()).resolves.toBe(0);
  await pickPerson(page, "wilber", ALEX);

  await page.locator("#justification").fill("<b>Dashboards</b> for the launch");
  await page.locator("#people-search").fill("ne");
  await page.locator("#people-results li[role=option]").first().waitFor();
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.locator("#people-search").fill("");
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#sent", { hasText: "Your request for Power BI Pro was sent." }).waitFor();

  const [request] = await sentBy(ADELE);
  expect(request).toMatchObject({ product: { name: "Power BI Pro" }, justification: "<b>Dashboards</b> for the launch" });
  await rowStatus(page, request.id, "PENDING").waitFor();
  await expect(row(page, request.id).locator("[data-field=recipients]").textContent()).resolves.toBe("You, Megan Bowen, Alex Wilber");
  expect(sent).toHaveLength(1);
  expect(sent[0]).toEqual({
    productId: server.ids.product("POWER_BI_PRO"),
    additionalUserIds: [server.ids.user(MEGAN), server.ids.user(ALEX)],
    justification: "<b>Dashboards</b> for the launch",
    idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/),
  });
  // The form starts over.
  await expect(page.locator("#product").inputValue()).resolves.toBe("");
  await expect(page.locator("#people-chosen li").count()).resolves.toBe(0);
  await expect(page.locator("#justification").inputValue()).resolves.toBe("");

  // An admin approves over the API: the status and the message arrive without a reload, and Cancel goes.
  await expect(row(page, request.id).getByRole("button", { name: "Cancel the request for Power BI Pro" }).count()).resolves.toBe(1);
  const approved = await api.approve(ADMIN, request.id, { message: "<i>Enjoy</i> the dashboards." });
  expect(approved.userErrors).toEqual([]);
  await rowStatus(page, request.id, "APPROVED").waitFor();
  await row(page, request.id).locator(".decision-message", { hasText: "<i>Enjoy</i> the dashboards." }).waitFor();
  await expect(row(page, request.id).locator("button[data-action=cancel]").count()).resolves.toBe(0);
  // API text is text: no element came of the markup.
  await expect(page.locator("#my-rows b, #my-rows i").count()).resolves.toBe(0);
  await expect(notReloaded(page)).resolves.toBe(true);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("Cancel cancels one's own pending request; a colleague named in it sees it, live, and may not cancel it", async () => {
  const requestId = await api.submitted(NESTOR, "VISIO_PLAN2", [LEE]);
  const lee = await openMine(LEE);
  const nestor = await openMine(NESTOR, 2);

  await rowStatus(lee.page, requestId, "PENDING").waitFor();
  await expect(row(lee.page, requestId).locator("[data-field=recipients]").textContent()).resolves.toBe("Nestor Wilke, You (asked by Nestor Wilke)");
  await expect(row(lee.page, requestId).locator("button[data-action=cancel]").count()).resolves.toBe(0);

  await rowStatus(nestor.page, requestId, "PENDING").waitFor();
  await row(nestor.page, requestId).getByRole("button", { name: "Cancel the request for Visio Plan 2" }).click();
  await rowStatus(nestor.page, requestId, "CANCELLED").waitFor();
  await expect(row(nestor.page, requestId).locator("button[data-action=cancel]").count()).resolves.toBe(0);
  // The colleague's page learns of it live.
  await rowStatus(lee.page, requestId, "CANCELLED").waitFor();

  await expect(api.read(ADMIN, requestId)).resolves.toMatchObject({ status: "CANCELLED", decidedBy: { email: NESTOR } });
  for (const session of [lee, nestor]) {
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual([]);
    expect(session.problems).toEqual([]);
  }
});

test("a cancellation refused by the API says why and changes nothing", async () => {
  const requestId = await api.submitted(ISAIAH, "VISIO_PLAN2");
  const session = await openMine(ISAIAH);
  const { page } = session;
  await rowStatus(page, requestId, "PENDING").waitFor();
  // Decided meanwhile, before the page heard of it: the page's Cancel meets a request that is no longer pending.
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string } | null;
    if (body?.query?.startsWith("mutation MineCancel")) await api.deny(ADMIN, requestId, { message: "No Visio this year." });
    return route.continue();
  });
  await row(page, requestId).getByRole("button", { name: "Cancel the request for Visio Plan 2" }).click();
  await row(page, requestId).locator(".errors", { hasText: "DENIED" }).waitFor();
  await rowStatus(page, requestId, "DENIED").waitFor();
  await expect(api.read(ADMIN, requestId)).resolves.toMatchObject({ status: "DENIED", decisionMessage: "No Visio this year." });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a request whose answer was lost is sent again with the same idempotencyKey, and made once", async () => {
  const session = await openMine(LEE);
  const { page } = session;
  const sent = await interceptSubmits(page, async (route, attempt) => {
    if (attempt > 1) return route.continue();
    // The first call reaches the server, which makes the request; its answer is lost on the way back.
    await route.fetch();
    await route.abort("connectionreset");
  });
  await page.locator("#product").selectOption(server.ids.product("SPE_E5"));
  await page.locator("#justification").fill("Teams and the desktop apps.");
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#form-errors li", { hasText: "could not be reached" }).waitFor();
  // The form keeps what was chosen.
  await expect(page.locator("#product").inputValue()).resolves.toBe(server.ids.product("SPE_E5"));

  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#sent", { hasText: "Your request for Microsoft 365 E5 was sent." }).waitFor();
  expect(sent).toHaveLength(2);
  expect(sent[1]).toEqual(sent[0]);
  const made = (await sentBy(LEE)).filter((r) => r.product.name === "Microsoft 365 E5");
  expect(made).toHaveLength(1);
  await rowStatus(page, made[0].id, "PENDING").waitFor();
  await expect(page.locator(`#my-rows tr[data-request-id="${made[0].id}"]`).count()).resolves.toBe(1);

  // A changed request is a new one, with a new key.
  await page.locator("#product").selectOption(server.ids.product("VISIO_PLAN2"));
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#sent", { hasText: "Your request for Visio Plan 2 was sent." }).waitFor();
  expect(sent).toHaveLength(3);
  expect(sent[2].idempotencyKey).not.toBe(sent[0].idempotencyKey);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  // The browser reports the reset connection once.
  expect(session.problems).toHaveLength(1);
  expect(session.problems[0]).toMatch(/^Failed to load resource/);
});

test("the justification takes at most 2,000 characters, as the API does, and shows the count; the search box at most 200", async () => {
  const session = await openMine(ALEX);
  const { page } = session;
  const box = page.locator("#justification");
  const count = page.locator("#justification-count");
  await expect(box.getAttribute("maxlength")).resolves.toBe("2000");
  await expect(box.getAttribute("aria-describedby")).resolves.toBe("justification-count");
  await expect(count.textContent()).resolves.toBe("0 / 2,000");
  await expect(page.locator("#people-search").getAttribute("maxlength")).resolves.toBe("200");

  await box.pressSequentially("Plans");
  await expect(count.textContent()).resolves.toBe("5 / 2,000");
  await box.fill("");
  await box.focus();
  await page.keyboard.insertText("j".repeat(2100));
  await expect(box.inputValue()).resolves.toBe("j".repeat(2000));
  await expect(count.textContent()).resolves.toBe("2,000 / 2,000");
  await box.fill("x".repeat(1995));
  await box.pressSequentially("0123456789");
  await expect(box.inputValue()).resolves.toBe("x".repeat(1995) + "01234");
  await expect(count.textContent()).resolves.toBe("2,000 / 2,000");

  // A re-render (naming a colleague) keeps the justification and its count.
  await page.locator("#product").selectOption(server.ids.product("VISIO_PLAN2"));
  await pickPerson(page, "joh", JOHANNA);
  await expect(box.inputValue()).resolves.toBe("x".repeat(1995) + "01234");
  await expect(count.textContent()).resolves.toBe("2,000 / 2,000");

  // What the box holds the API takes.
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#sent", { hasText: "Your request for Visio Plan 2 was sent." }).waitFor();
  const made = (await sentBy(ALEX)).filter((r) => r.product.name === "Visio Plan 2");
  expect(made).toHaveLength(1);
  expect(made[0].justification).toBe("x".repeat(1995) + "01234");
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("userErrors are shown and nothing is made: a colleague who already holds the product", async () => {
  const session = await openMine(MEGAN);
  const { page } = session;
  await page.locator("#product").selectOption(server.ids.product("SPE_E5"));
  await pickPerson(page, "lynne", LYNNE);
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#form-errors li", { hasText: "Lynne Robbins already has a license of Microsoft 365 E5." }).waitFor();
  expect((await sentBy(MEGAN)).filter((r) => r.product.name === "Microsoft 365 E5")).toEqual([]);
  await expect(page.locator("#sent").isHidden()).resolves.toBe(true);
  // The choices stay, to be corrected.
  await page.locator(`#people-chosen li[data-user-id="${server.ids.user(LYNNE)}"]`).waitFor();
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

describe("while the organization uses its own request process", () => {
  afterEach(async () => {
    const off = await api.settings(ADMIN, { useOwnRequestProcess: false });
    expect(off.userErrors).toEqual([]);
  });

  test("users see the admins' message and link instead of the form, and still their requests", async () => {
    const on = await api.settings(ADMIN, {
      useOwnRequestProcess: true,
      message: "Ask in the <i>IT portal</i>.\nWe answer within a day.",
      documentationUrl: "https://contoso.example/licenses",
    });
    expect(on.userErrors).toEqual([]);
    const session = await openMine(JOHANNA);
    const { page } = session;
    const message = page.locator("#own-process-message");
    await message.waitFor();
    await expect(message.locator(".message").textContent()).resolves.toBe("Ask in the <i>IT portal</i>.\nWe answer within a day.");
    await expect(message.locator("i").count()).resolves.toBe(0);
    const link = message.getByRole("link", { name: "Go to your organization's request process" });
    await expect(link.getAttribute("href")).resolves.toBe("https://contoso.example/licenses");
    await expect(link.getAttribute("rel")).resolves.toBe("noopener noreferrer");
    await expect(page.locator("#request-form").isHidden()).resolves.toBe(true);
    await expect(page.locator("#product").count()).resolves.toBe(0);
    // Requests made before stay listed (Johanna's seeded one).
    await page.locator('#my-rows [data-field=status] .status[data-status="PARTIALLY_APPROVED"]').waitFor();
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual([]);
    expect(session.problems).toEqual([]);
  });

  test("turned on while the form is open: sending makes nothing and shows the message instead", async () => {
    const before = (await sentBy(GRADY)).length;
    const session = await openMine(GRADY);
    const { page } = session;
    await page.locator("#product").selectOption(server.ids.product("POWER_BI_PRO"));
    const on = await api.settings(ADMIN, { useOwnRequestProcess: true, message: "Use the IT portal.", documentationUrl: null });
    expect(on.userErrors).toEqual([]);
    await page.getByRole("button", { name: "Send request" }).click();
    await page.locator("#own-process-message .message", { hasText: "Use the IT portal." }).waitFor();
    await expect(page.locator("#request-form").isHidden()).resolves.toBe(true);
    await expect(page.locator("#own-process-message a").count()).resolves.toBe(0);
    await expect(sentBy(GRADY)).resolves.toHaveLength(before);
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual([]);
    expect(session.problems).toEqual([]);
  });
});

test("an admin's own requests only, served with the page's strict headers", async () => {
  const session = await browser.open(`${server.url}/requests/mine`);
  const { page } = session;
  await page.locator("#live[data-state=live]").waitFor();
  await expect(page.locator("#who").textContent()).resolves.toBe("MOD Administrator · Contoso");
  await expect(page.locator("#admin-link").getAttribute("href")).resolves.toBe("/requests");
  await page.locator("#my-empty").waitFor();

  await page.locator("#product").selectOption(server.ids.product("VISIO_PLAN2"));
  await page.getByRole("button", { name: "Send request" }).click();
  await page.locator("#sent", { hasText: "Visio Plan 2" }).waitFor();
  const [own] = await sentBy(ADMIN);
  await rowStatus(page, own.id, "PENDING").waitFor();
  // Everyone else's requests, which an admin may see too, are not listed here.
  await expect(page.locator("#my-rows tr").count()).resolves.toBe(1);
  // Another's request decided meanwhile does not join the list.
  const other = await api.submitted(ISAIAH, "SPE_E5");
  await api.deny(ADMIN, other);
  // Nobody decides their own request: the license admin approves the admin's.
  await api.approve("christie@contoso.example", own.id);
  await rowStatus(page, own.id, "APPROVED").waitFor();
  await expect(page.locator("#my-rows tr").count()).resolves.toBe(1);

  const headers = session.response!.headers();
  expect(headers["content-security-policy"]).toContain("script-src 'self'");
  expect(headers["content-security-policy"]).not.toContain("unsafe");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["cache-control"]).toBe("no-cache");
  expect(headers["etag"]).toBeTruthy();
  expect(session.requests).toEqual(
    expect.arrayContaining(
      ["mine.js", "mineForm.js", "peoplePicker.js", "mineList.js", "mineLive.js", "mine.css"].map((file) => `${server.url}/requests/${file}`),
    ),
  );
  expect(session.sockets).toEqual([server.wsUrl]);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

describe("in production", () => {
  let production: TestServer;

  beforeAll(async () => {
    production = await startTestServer({ env: { NODE_ENV: "production" } });
  });

  afterAll(async () => {
    await production?.stop();
  });

  test("no development token for anyone; the page asks for a token and takes a user's", async () => {
    expect((await fetch(`${production.url}/requests/dev-token?email=${encodeURIComponent(ADELE)}`)).status).toBe(404);
    const session = await browser.open(`${production.url}/requests/mine?as=${encodeURIComponent(ADELE)}`);
    const { page } = session;
    await page.locator("#token-form").waitFor();
    await page.locator("#notice", { hasText: `No development token for ${ADELE}` }).waitFor();
    await expect(page.locator("#main").isHidden()).resolves.toBe(true);

    const token = await production.ids.token(ADELE);
    await page.locator("#token-input").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#who", { hasText: "Adele Vance" }).waitFor();
    await page.locator("#product").waitFor();
    await expect(page.evaluate(() => sessionStorage.getItem("licenseRequests.token"))).resolves.toBe(token);
    expect(session.requests.filter((url) => url.includes(token))).toEqual([]);
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual(["404 /requests/dev-token"]);
    expect(session.problems).toHaveLength(1);
  });
});
