/**
 * The Requests page's "Admin notices" select in a real headless Chromium
 * against a real server: it shows the organization's adminNotification as the
 * API has it, saves a new choice through updateRequestProcessSettings without
 * touching the own-process switch, and says so; it sits in the page's column,
 * aligned with the list, at any width.
 */
import path from "node:path";
import { browserSuite, Chromium, expectOnlyOwnOrigin } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { TestServer } from "../helpers/server";

const ADMIN = "admin@contoso.example";

const suite = browserSuite();
let server: TestServer;
let browser: Chromium;

beforeAll(() => {
  ({ server, browser } = suite);
});

const settings = async () =>
  (await server.gql(ADMIN, `{ requestProcessSettings { adminNotification useOwnRequestProcess message } }`)).body.data!.requestProcessSettings as Record<
    string,
    unknown
  >;

it("shows the admin-notices choice and saves a new one, leaving the own-process settings as they were", async () => {
  const kept = await server.gql(
    ADMIN,
    `mutation { updateRequestProcessSettings(input: { useOwnRequestProcess: false, message: "Ask IT first.", adminNotification: OFF }) { userErrors { code } } }`,
  );
  expect(kept.body.data!.updateRequestProcessSettings.userErrors).toEqual([]);

  const session = await browser.open(`${server.url}/requests`);
  const { page } = session;
  const select = page.locator("#admin-notification");
  await select.waitFor();
  expect(await select.inputValue()).toBe("OFF");
  expect(await page.locator("label[for=admin-notification]").textContent()).toBe("Admin notices");

  await select.selectOption("DAILY_DIGEST");
  await page.locator("#admin-notices [role=status]", { hasText: "Saved." }).waitFor();
  expect(await settings()).toEqual({ adminNotification: "DAILY_DIGEST", useOwnRequestProcess: false, message: "Ask IT first." });

  // A reload shows what was saved.
  await page.reload();
  await page.locator("#admin-notification").waitFor();
  expect(await page.locator("#admin-notification").inputValue()).toBe("DAILY_DIGEST");
  expectOnlyOwnOrigin(session);
  expect(session.problems).toEqual([]);
});

it.each([
  ["wide", 1280],
  ["narrow", 600],
])("sits inside the page's main column, not at its left edge (%s window)", async (name, width) => {
  const session = await browser.open(`${server.url}/requests`, { viewport: { width, height: 800 } });
  const { page } = session;
  await page.locator("#admin-notification").waitFor();
  await page.locator("#main").waitFor();
  await page.screenshot({ path: path.join(ROOT, "test-artifacts", `admin-notices-${name}.png`), fullPage: true });
  // The column: #main's content box (inside its padding), which the list fills.
  const column = await page.locator("#main").evaluate((main) => {
    const box = main.getBoundingClientRect();
    const style = getComputedStyle(main);
    return { left: box.left + parseFloat(style.paddingLeft), right: box.right - parseFloat(style.paddingRight) };
  });
  expect(column.left).toBeGreaterThanOrEqual(16);
  for (const selector of ["#admin-notices", "#admin-notification", "label[for=admin-notification]"]) {
    const box = (await page.locator(selector).boundingBox())!;
    expect({ selector, inside: box.x >= column.left - 0.5 && box.x + box.width <= column.right + 0.5 }).toEqual({ selector, inside: true });
  }
  // The card spans the column, as the own-process pane above it and the list below it do.
  const card = (await page.locator("#admin-notices").boundingBox())!;
  expect(Math.abs(card.x - column.left)).toBeLessThanOrEqual(1);
  expect(Math.abs(card.x + card.width - column.right)).toBeLessThanOrEqual(1);
  expect(Math.abs(card.x - (await page.locator("#main .list").boundingBox())!.x)).toBeLessThanOrEqual(1);
  expect(session.problems).toEqual([]);
});
