/**
 * The Requests page (an admin) and /requests/mine (a user) resume after a lost
 * connection, in a real headless Chromium against a real server (api.md
 * "Nothing missed"): each page follows the activity log from where it read
 * its list; while its socket is down it says "Reconnecting…" (a polite live
 * region); three changes made meanwhile through the API (a request submitted,
 * one approved, one denied) all appear once the socket is back, without a
 * reload and without reading the list again (the server replays them from the
 * last entry the page saw). When the log no longer keeps that entry
 * (CURSOR_EXPIRED) the page reads its list afresh and goes on live from there.
 *
 * The sockets are dropped in the browser (Playwright's WebSocket route,
 * test/helpers/browser.ts `socketSwitch`): closed at both ends and refused
 * until restored, while HTTP goes through. Every wait is bounded.
 */
import { Page } from "playwright-core";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session, socketSwitch, SocketSwitch } from "../helpers/browser";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const LEE = "lee@contoso.example";
const NESTOR = "nestor@contoso.example";
const MEGAN = "megan@contoso.example";
const GRADY = "grady@contoso.example";
const LYNNE = "lynne@contoso.example";

/**
 * What a page reads again after entries by design, besides its list: the seats
 * chart and one's licenses, whose numbers the entries do not carry (seats.js,
 * mineLicenses.js). The list itself is replayed, not read.
 */
const PANE_READS = new Set(["SeatsAtAGlance", "MineLicenses"]);
const listReads = (operations: string[]) => operations.filter((name) => !PANE_READS.has(name));

/** graphql-ws connects again after a backoff of up to 15 s (and a half at random): a restored page may take that long to be back. */
const RESUME_MS = 30_000;
jest.setTimeout(120_000);

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(async () => {
  ({ server, api, browser } = suite);
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
});

interface LivePage {
  session: Session;
  page: Page;
  sockets: SocketSwitch;
  /** The names of the operations the page sent over HTTP, in order. */
  operations: string[];
}

/** Opens `path` with its sockets on a switch and waits until it is live and `listeners` subscriptions listen on the server. */
async function openLive(path: string, listeners: number): Promise<LivePage> {
  const sockets = socketSwitch();
  const session = await browser.open(`${server.url}${path}`, { routeWebSockets: sockets.route });
  const operations: string[] = [];
  session.page.on("request", (request) => {
    if (request.method() !== "POST" || new URL(request.url()).pathname !== "/graphql") return;
    const body = request.postDataJSON() as { query?: string } | null;
    const name = /^(?:query|mutation)\s+(\w+)/.exec(body?.query ?? "")?.[1];
    if (name) operations.push(name);
  });
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === listeners, WAIT_MS, "the pages' subscriptions");
  await session.page.evaluate(() => ((window as unknown as { unchanged: boolean }).unchanged = true));
  return { session, page: session.page, sockets, operations };
}

const adminRow = (page: Page, requestId: string) => page.locator(`#rows tr[data-request-id="${requestId}"]`);
const mineRow = (page: Page, requestId: string) => page.locator(`#my-rows tr[data-request-id="${requestId}"]`);
const statusIn = (row: ReturnType<Page["locator"]>, status: string) => row.locator(`[data-field=status] .status[data-status="${status}"]`);

async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { unchanged?: boolean }).unchanged === true);
}

/** The badge says the page is reconnecting, in a polite live region. */
async function expectReconnecting(page: Page): Promise<void> {
  const badge = page.locator("#live");
  await page.locator("#live[data-state=reconnecting]").waitFor();
  await expect(badge.textContent()).resolves.toBe("Reconnecting…");
  await expect(badge.getAttribute("role")).resolves.toBe("status");
  await expect(badge.getAttribute("aria-live")).resolves.toBe("polite");
}

test("after a lost connection both pages show what happened meanwhile (a request submitted, one approved, one denied) without a reload", async () => {
  // Lee is named in Nestor's request (approved while the pages are down) and sent one of their own (denied meanwhile).
  const approvedId = await api.submitted(NESTOR, "VISIO_PLAN2", [LEE]);
  const deniedId = await api.submitted(LEE, "POWER_BI_PRO");

  const admin = await openLive("/requests", 1);
  const lee = await openLive(`/requests/mine?as=${encodeURIComponent(LEE)}`, 2);
  for (const id of [approvedId, deniedId]) await statusIn(adminRow(admin.page, id), "PENDING").waitFor();
  for (const id of [approvedId, deniedId]) await statusIn(mineRow(lee.page, id), "PENDING").waitFor();
  await expect(admin.page.locator("#live").textContent()).resolves.toBe("Live");

  await admin.sockets.drop();
  await lee.sockets.drop();
  await expectReconnecting(admin.page);
  await expectReconnecting(lee.page);
  await eventually(() => server.service.services.tails.listenerCount() === 0, WAIT_MS, "the dropped pages' subscriptions to end");

  // Three changes while the pages are away: Megan asks for a product for herself and Lee, Nestor's request is approved, Lee's denied.
  const submittedId = await api.submitted(MEGAN, "SPE_E5", [LEE]);
  expect((await api.approve(ADMIN, approvedId, { message: "Approved while you were away." })).userErrors).toEqual([]);
  expect((await api.deny(ADMIN, deniedId, { message: "Denied while you were away." })).userErrors).toEqual([]);
  // The pages are still down: they retried and were refused, and show none of it yet.
  await eventually(() => admin.sockets.refused() > 0 && lee.sockets.refused() > 0, RESUME_MS, "the pages to try to connect again");
  await expect(adminRow(admin.page, submittedId).count()).resolves.toBe(0);
  await expect(mineRow(lee.page, submittedId).count()).resolves.toBe(0);
  await statusIn(adminRow(admin.page, approvedId), "PENDING").waitFor();
  await statusIn(mineRow(lee.page, deniedId), "PENDING").waitFor();
  await expectReconnecting(admin.page);
  const operationsBefore = { admin: admin.operations.length, lee: lee.operations.length };

  admin.sockets.restore();
  lee.sockets.restore();
  for (const { page } of [admin, lee]) await page.locator("#live[data-state=live]").waitFor({ timeout: RESUME_MS });
  await expect(admin.page.locator("#live").textContent()).resolves.toBe("Live");

  // The admin's Pending tab: the new request on top (highlighted), the two decided ones with their new status.
  await statusIn(adminRow(admin.page, submittedId), "PENDING").waitFor();
  await expect(adminRow(admin.page, submittedId).getAttribute("class")).resolves.toContain("new");
  await expect(admin.page.locator("#rows tr").first().getAttribute("data-request-id")).resolves.toBe(submittedId);
  await statusIn(adminRow(admin.page, approvedId), "APPROVED").waitFor();
  await statusIn(adminRow(admin.page, deniedId), "DENIED").waitFor();

  // Lee's requests: Megan's naming them, Nestor's approved, their own denied with the message.
  await statusIn(mineRow(lee.page, submittedId), "PENDING").waitFor();
  await expect(mineRow(lee.page, submittedId).locator("[data-field=recipients]").textContent()).resolves.toBe("Megan Bowen, You (asked by Megan Bowen)");
  await statusIn(mineRow(lee.page, approvedId), "APPROVED").waitFor();
  await statusIn(mineRow(lee.page, deniedId), "DENIED").waitFor();
  await mineRow(lee.page, deniedId).locator(".decision-message", { hasText: "Denied while you were away." }).waitFor();

  // Replayed from the last entry seen, not read again: no list query since the drop, no reload; the seats and licenses are read again.
  for (const [live, before, paneRead] of [
    [admin, operationsBefore.admin, "SeatsAtAGlance"],
    [lee, operationsBefore.lee, "MineLicenses"],
  ] as const) {
    await eventually(() => live.operations.slice(before).includes(paneRead), WAIT_MS, `${paneRead} after the replayed entries`);
    expect(listReads(live.operations.slice(before))).toEqual([]);
    await expect(notReloaded(live.page)).resolves.toBe(true);
  }
  // Live again: a change now arrives as before.
  await eventually(() => server.service.services.tails.listenerCount() === 2, WAIT_MS, "the pages' subscriptions again");
  expect((await api.cancel(MEGAN, submittedId)).userErrors).toEqual([]);
  await statusIn(adminRow(admin.page, submittedId), "CANCELLED").waitFor();
  await statusIn(mineRow(lee.page, submittedId), "CANCELLED").waitFor();

  for (const { session } of [admin, lee]) {
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual([]);
    expect(session.problems).toEqual([]);
  }
});

test("when the log no longer keeps the page's last entry (CURSOR_EXPIRED), the page reads its list afresh and goes on live", async () => {
  const approvedId = await api.submitted(GRADY, "POWER_BI_PRO");
  const admin = await openLive("/requests", 1);
  await statusIn(adminRow(admin.page, approvedId), "PENDING").waitFor();

  await admin.sockets.drop();
  await expectReconnecting(admin.page);
  await eventually(() => server.service.services.tails.listenerCount() === 0, WAIT_MS, "the dropped page's subscription to end");
  const submittedId = await api.submitted(LYNNE, "VISIO_PLAN2");
  expect((await api.approve(ADMIN, approvedId)).userErrors).toEqual([]);
  // Everything but each organization's newest entry is past retention: the entry after the page's cursor is gone.
  expect(await server.service.services.activity.prune(new Date(Date.now() + 86_400_000))).toBeGreaterThan(0);
  const operationsBefore = admin.operations.length;

  admin.sockets.restore();
  await admin.page.locator("#live[data-state=live]").waitFor({ timeout: RESUME_MS });
  await statusIn(adminRow(admin.page, submittedId), "PENDING").waitFor();
  // Read afresh: the decided request is no longer pending, so the Pending tab no longer lists it.
  await eventually(async () => (await adminRow(admin.page, approvedId).count()) === 0, WAIT_MS, "the approved request to leave the Pending tab");
  expect(listReads(admin.operations.slice(operationsBefore))).toEqual(["RequestsPageList"]);
  await expect(admin.page.locator("#notice").isHidden()).resolves.toBe(true);

  // And live from the newest cursor it read.
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription again");
  expect((await api.deny(ADMIN, submittedId)).userErrors).toEqual([]);
  await statusIn(adminRow(admin.page, submittedId), "DENIED").waitFor();
  await expect(notReloaded(admin.page)).resolves.toBe(true);
  expect(admin.session.failures).toEqual([]);
  expect(admin.session.problems).toEqual([]);
});
