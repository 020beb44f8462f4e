/**
 * The Requests page's preview of Approve in a real headless Chromium against
 * a real server: before the admin clicks, the details pane shows what
 * previewLicenseRequestDecision says Approve would do with the current
 * choices (who is approved and denied, the product, the group, the licenses
 * left after, the emails), follows every change of those choices, shows the
 * userErrors the real call would give, and changes nothing; Approve then does
 * what it showed.
 *
 * Every wait is bounded: Playwright's waitFor with a timeout, and `eventually`.
 */
import path from "node:path";
import { Page, Request } from "playwright-core";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { Mailbox } from "../helpers/mailbox";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const MEGAN = "megan@contoso.example";
const LEE = "lee@contoso.example";
const NESTOR = "nestor@contoso.example";

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;
let mail: Mailbox;

beforeAll(async () => {
  ({ server, api, browser, mail } = suite);
  // Only decisions write emails here: the admins' notices of new requests are test/e2e/admin-notices.test.ts's.
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
});

async function openLive(): Promise<Session> {
  const session = await browser.open(`${server.url}/requests`);
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  return session;
}

async function selectRequest(page: Page, requestId: string, productName: string): Promise<void> {
  await page.locator(`tr[data-request-id="${requestId}"]`).click();
  await page.locator("#details h2", { hasText: productName }).waitFor();
}

/** The inputs of every preview the page asks for, in order. */
function previewInputs(page: Page): Record<string, unknown>[] {
  const sent: Record<string, unknown>[] = [];
  page.on("request", (request: Request) => {
    const body = request.method() === "POST" ? (request.postDataJSON() as { query?: string; variables?: { input: Record<string, unknown> } } | null) : null;
    if (body?.query?.startsWith("query RequestsPagePreview")) sent.push(body.variables!.input);
  });
  return sent;
}

/** Waits until the preview is shown for the current choices and `selector` in it matches. */
const shown = (page: Page, selector: string) => page.locator(`#preview[data-state=ready] ${selector}`).waitFor();
const text = async (page: Page, selector: string) => (await page.locator(`#preview ${selector}`).textContent()) ?? "";
const emailsShown = async (page: Page) => (await page.locator("#preview-emails li .to").allTextContents()).sort();

/** What the request, its assignments, its outbox rows, its history and the pools are now. */
async function everything(requestId: string) {
  const stored = await api.stored(requestId);
  const history = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { history { action } } }`, { id: requestId });
  return {
    status: stored.request.status,
    decidedAt: stored.request.decidedAt,
    assignments: stored.assignments.length,
    emails: stored.emails.length,
    history: history.body.data!.licenseRequest.history,
    pools: { bi: await api.pool("POWER_BI_PRO"), e5: await api.pool("SPE_E5"), visio: await api.pool("VISIO_PLAN2") },
  };
}

test("shows what Approve would do before the click, follows every change of choices, changes nothing, and Approve then does it", async () => {
  const session = await openLive();
  const { page } = session;
  const inputs = previewInputs(page);
  const requestId = await api.submitted(ADELE, "POWER_BI_PRO", [ALEX, MEGAN]);
  const before = await everything(requestId);
  const available = (pool: { total: number; assigned: number }) => pool.total - pool.assigned;
  const since = mail.delivered.length;
  await selectRequest(page, requestId, "Power BI Pro");

  // As the form opens: everyone, directly from Power BI Pro.
  await shown(page, `#preview-available[data-count="${available(before.pools.bi) - 3}"]`);
  await expect(page.locator("#preview-approved").getAttribute("data-count")).resolves.toBe("3");
  await expect(page.locator("#preview-denied").count()).resolves.toBe(0);
  await expect(text(page, "#preview-product")).resolves.toBe("Power BI Pro");
  await expect(text(page, "#preview-available")).resolves.toBe(
    `${available(before.pools.bi) - 3} of ${before.pools.bi.total} (${available(before.pools.bi)} now)`,
  );
  await expect(emailsShown(page)).resolves.toEqual([ADELE, ALEX, MEGAN].sort());

  // Megan left out: two licenses, Megan denied, still three emails (hers says no).
  await page.locator(`#details li[data-user-id="${server.ids.user(MEGAN)}"] button[data-action=exclude]`).click();
  await shown(page, `#preview-available[data-count="${available(before.pools.bi) - 2}"]`);
  await expect(text(page, "#preview-denied")).resolves.toBe("Megan Bowen");
  await expect(text(page, "#preview-approved")).resolves.toBe("Adele Vance, Alex Wilber");
  await expect(emailsShown(page)).resolves.toEqual([ADELE, ALEX, MEGAN].sort());

  // From Microsoft 365 E5 instead: its pool.
  await page.locator(`#details input[name=product][value="${server.ids.product("SPE_E5")}"]`).check();
  await shown(page, `#preview-product[data-product-id="${server.ids.product("SPE_E5")}"]`);
  await expect(page.locator("#preview-available").getAttribute("data-count")).resolves.toBe(String(available(before.pools.e5) - 2));

  // Through the E5 group: the group, and the same pool.
  await page.locator("#details #assign-group").check();
  await shown(page, "#preview-group");
  await expect(text(page, "#preview-group")).resolves.toBe("Microsoft 365 E5 users");
  await expect(text(page, "#preview-product")).resolves.toBe("Microsoft 365 E5");
  await expect(page.locator("#preview-available").getAttribute("data-count")).resolves.toBe(String(available(before.pools.e5) - 2));

  // Directly again, with Teams turned off: asked again with the app off.
  await page.locator("#details #assign-direct").check();
  await page.locator(`#details input[type=checkbox][value="${server.ids.plan("TEAMS1")}"]`).check();
  await eventually(() => inputs.some((input) => JSON.stringify(input.disabledServicePlanIds) === JSON.stringify([server.ids.plan("TEAMS1")])));
  await shown(page, `#preview-product[data-product-id="${server.ids.product("SPE_E5")}"]`);
  const last = inputs[inputs.length - 1];
  expect(last).toEqual({
    requestId,
    decision: "APPROVE",
    productId: server.ids.product("SPE_E5"),
    excludedUserIds: [server.ids.user(MEGAN)],
    disabledServicePlanIds: [server.ids.plan("TEAMS1")],
  });
  await page.screenshot({ path: path.join(ROOT, "test-artifacts", "requests-page-preview.png"), fullPage: true });
  // Typing a message asks nothing more.
  const asked = inputs.length;
  await page.locator("#details textarea#message").fill("Megan has one already.");
  await page.waitForTimeout(400);
  expect(inputs.length).toBe(asked);

  // Nothing changed: no decision, license, email, history entry or pool count; nothing delivered.
  expect(await everything(requestId)).toEqual(before);
  expect(mail.delivered.slice(since)).toEqual([]);
  await page.locator('#details [data-field=status] .status[data-status="PENDING"]').waitFor();

  // Approve does what the preview showed.
  const previewed = Number(await page.locator("#preview-available").getAttribute("data-count"));
  const subjects = await page.locator("#preview-emails li").allTextContents();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator('#details [data-field=status] .status[data-status="PARTIALLY_APPROVED"]').waitFor();
  const after = await everything(requestId);
  expect(available(after.pools.e5)).toBe(previewed);
  expect(after.assignments).toBe(2);
  await eventually(() => mail.delivered.length >= since + 3, WAIT_MS, "the decision's three emails");
  expect(
    mail.delivered
      .slice(since)
      .map((email) => `${email.to} “${email.subject}”`)
      .sort(),
  ).toEqual(subjects.sort());

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("shows the userErrors the real call would give, and what Approve would do once the choices fit", async () => {
  const session = await openLive();
  const { page } = session;
  const requestId = await api.submitted(LEE, "VISIO_PLAN2", [NESTOR, ADELE, MEGAN]);
  const before = await everything(requestId);
  const free = before.pools.visio.total - before.pools.visio.assigned;
  expect(free).toBeLessThan(4);
  await selectRequest(page, requestId, "Visio Plan 2");

  await page.locator("#preview[data-state=refused] #preview-errors li[data-code=INSUFFICIENT_LICENSES]").waitFor();
  const refusal = await text(page, "#preview-errors li");
  // The real call says the same, and changes nothing either.
  await page.getByRole("button", { name: "Approve" }).click();
  await page.locator("#details .errors[role=alert] li", { hasText: refusal }).waitFor();
  expect(await everything(requestId)).toEqual(before);

  // Leaving out as many as it takes: it would go through.
  const leaveOut = [MEGAN, ADELE, NESTOR].slice(0, 4 - free);
  for (const email of leaveOut) await page.locator(`#details li[data-user-id="${server.ids.user(email)}"] button[data-action=exclude]`).click();
  await shown(page, `#preview-available[data-count="0"]`);
  await expect(page.locator("#preview-denied").getAttribute("data-count")).resolves.toBe(String(leaveOut.length));
  await expect(page.locator("#preview-errors").count()).resolves.toBe(0);
  expect(await everything(requestId)).toEqual(before);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});
