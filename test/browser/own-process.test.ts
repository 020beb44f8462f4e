/**
 * The Requests tab's "Use your own license request process" pane in a real
 * headless Chromium against a real server: a global admin turns it on with a
 * message and a link (saved with updateRequestProcessSettings), the API's
 * userErrors are shown when the message is missing or the link is no http(s)
 * URL, the banner "You're using your own license request process" heads the
 * tab while it is on (also after a reload), and users asking meanwhile are
 * given the message and link; turning it off keeps the message. The message
 * box takes what the API takes (1,000 characters); a save retried after a lost
 * answer sends the same idempotencyKey. A plain user gets no pane.
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
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const SCREENSHOT = path.join(ROOT, "test-artifacts", "own-process.png");

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(() => {
  ({ server, api, browser } = suite);
});

afterEach(async () => {
  const off = await api.settings(ADMIN, { useOwnRequestProcess: false, message: null, documentationUrl: null });
  expect(off.userErrors).toEqual([]);
});

/** Opens the Requests tab as the demo admin, with the pane read and open. */
async function openTab(): Promise<Session> {
  const session = await browser.open(`${server.url}/requests`);
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  await session.page.locator("#own-process summary").click();
  await session.page.locator("#own-process-on").waitFor();
  return session;
}

async function settings(): Promise<{
  useOwnRequestProcess: boolean;
  message: string | null;
  documentationUrl: string | null;
  updatedBy: { email: string } | null;
}> {
  const res = await server.gql(ADELE, `{ requestProcessSettings { useOwnRequestProcess message documentationUrl updatedBy { email } } }`);
  return res.body.data!.requestProcessSettings;
}

const banner = (page: Page) => page.locator("#own-process-banner", { hasText: "You're using your own license request process" });

interface SaveInput {
  useOwnRequestProcess: boolean;
  message: string | null;
  documentationUrl: string | null;
  idempotencyKey: string;
}

/** Hands every save the page sends to `handle`, in order; the page's other calls go through untouched. */
async function interceptSaves(page: Page, handle: (route: Route, attempt: number) => Promise<void>): Promise<SaveInput[]> {
  const sent: SaveInput[] = [];
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string; variables?: { input: SaveInput } } | null;
    if (!body?.query?.startsWith("mutation OwnProcessSave")) return route.continue();
    sent.push(body.variables!.input);
    await handle(route, sent.length);
  });
  return sent;
}

test("an admin turns it on with a message and a link; the banner heads the tab; users asking are sent there", async () => {
  const session = await openTab();
  const { page } = session;
  await expect(page.locator("#own-process-banner").isHidden()).resolves.toBe(true);
  await expect(page.locator("#own-process-on").isChecked()).resolves.toBe(false);

  // On without a message: the API says what to do, and nothing changes.
  await page.locator("#own-process-on").check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process .errors li", { hasText: "Write the message users will see" }).waitFor();
  await expect(settings()).resolves.toMatchObject({ useOwnRequestProcess: false });
  await expect(page.locator("#own-process-banner").isHidden()).resolves.toBe(true);

  // A link that is no http(s) URL: likewise.
  await page.locator("#own-process-message").fill("Ask in the <b>IT portal</b>.");
  await page.locator("#own-process-url").fill("javascript:alert(1)");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process .errors li", { hasText: "must be an absolute http(s) URL" }).waitFor();
  await expect(settings()).resolves.toMatchObject({ useOwnRequestProcess: false, message: null });

  await page.locator("#own-process-url").fill("https://contoso.example/licenses");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process-saved", { hasText: "Saved." }).waitFor();
  await banner(page).waitFor();
  await expect(page.locator("#own-process .errors li").count()).resolves.toBe(0);
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await expect(settings()).resolves.toEqual({
    useOwnRequestProcess: true,
    message: "Ask in the <b>IT portal</b>.",
    documentationUrl: "https://contoso.example/licenses",
    updatedBy: { email: ADMIN },
  });
  // API text is text.
  await expect(page.locator("#own-process b, #own-process-banner b").count()).resolves.toBe(0);

  // A user asking now is given the message and link, and nothing is made.
  const asked = await api.submit(ADELE, "POWER_BI_PRO");
  expect(asked).toMatchObject({
    licenseRequest: null,
    ownRequestProcess: { message: "Ask in the <b>IT portal</b>.", documentationUrl: "https://contoso.example/licenses" },
    userErrors: [],
  });

  // A reload shows what was saved.
  await page.reload();
  await banner(page).waitFor();
  await page.locator("#own-process summary").click();
  await expect(page.locator("#own-process-on").isChecked()).resolves.toBe(true);
  await expect(page.locator("#own-process-message").inputValue()).resolves.toBe("Ask in the <b>IT portal</b>.");
  await expect(page.locator("#own-process-url").inputValue()).resolves.toBe("https://contoso.example/licenses");
  await page.locator("#own-process .hint", { hasText: "by MOD Administrator" }).waitFor();

  // Off again: the banner goes, the message stays for next time.
  await page.locator("#own-process-on").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process-saved", { hasText: "Saved." }).waitFor();
  await expect(page.locator("#own-process-banner").isHidden()).resolves.toBe(true);
  await expect(settings()).resolves.toMatchObject({ useOwnRequestProcess: false, message: "Ask in the <b>IT portal</b>." });

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("the message box takes at most 1,000 characters, as the API does, and counts them; the link at most 2,000", async () => {
  const session = await openTab();
  const { page } = session;
  const box = page.locator("#own-process-message");
  const count = page.locator("#own-process-count");
  await expect(box.getAttribute("maxlength")).resolves.toBe("1000");
  await expect(box.getAttribute("aria-describedby")).resolves.toBe("own-process-count");
  await expect(page.locator("#own-process-url").getAttribute("maxlength")).resolves.toBe("2000");
  await expect(count.textContent()).resolves.toBe("0 / 1,000");

  await box.focus();
  await page.keyboard.insertText("m".repeat(1100));
  await expect(box.inputValue()).resolves.toBe("m".repeat(1000));
  await expect(count.textContent()).resolves.toBe("1,000 / 1,000");
  // A re-render (the switch) keeps the message and its count.
  await page.locator("#own-process-on").check();
  await page.getByRole("button", { name: "Save" }).click();
  await banner(page).waitFor();
  await expect(count.textContent()).resolves.toBe("1,000 / 1,000");
  await expect(settings()).resolves.toMatchObject({ useOwnRequestProcess: true, message: "m".repeat(1000) });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a save whose answer was lost is retried with the same idempotencyKey; a changed one gets a new key", async () => {
  const session = await openTab();
  const { page } = session;
  const sent = await interceptSaves(page, async (route, attempt) => {
    if (attempt > 1) return route.continue();
    // The first call reaches the server, which saves; its answer is lost on the way back.
    await route.fetch();
    await route.abort("connectionreset");
  });
  await page.locator("#own-process-on").check();
  await page.locator("#own-process-message").fill("Use the IT portal.");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process .errors li", { hasText: "could not be reached" }).waitFor();
  await expect(settings()).resolves.toMatchObject({ useOwnRequestProcess: true, message: "Use the IT portal." });

  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process-saved", { hasText: "Saved." }).waitFor();
  await banner(page).waitFor();
  expect(sent).toHaveLength(2);
  expect(sent[0]).toEqual({
    useOwnRequestProcess: true,
    message: "Use the IT portal.",
    documentationUrl: null,
    idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/),
  });
  expect(sent[1]).toEqual(sent[0]);

  await page.locator("#own-process-message").fill("Use the IT portal, please.");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#own-process-saved", { hasText: "Saved." }).waitFor();
  expect(sent).toHaveLength(3);
  expect(sent[2].idempotencyKey).not.toBe(sent[0].idempotencyKey);
  await expect(settings()).resolves.toMatchObject({ message: "Use the IT portal, please." });

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toHaveLength(1);
  expect(session.problems[0]).toMatch(/^Failed to load resource/);
});

test("a plain user on the tab gets no pane", async () => {
  const on = await api.settings(ADMIN, { useOwnRequestProcess: true, message: "Use the IT portal." });
  expect(on.userErrors).toEqual([]);
  const token = await server.ids.token(ADELE);
  const session = await browser.open(`${server.url}/requests`, {
    initScript: { fn: (value) => sessionStorage.setItem("licenseRequests.token", value), arg: token },
  });
  const { page } = session;
  await banner(page).waitFor();
  await expect(page.locator("#own-process").isHidden()).resolves.toBe(true);
  await expect(page.locator("#own-process-on").count()).resolves.toBe(0);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
});
