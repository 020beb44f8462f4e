/**
 * The Requests page's "Admin notices" select in a real headless Chromium
 * against a real server: it shows the organization's adminNotification as the
 * API has it, saves a new choice through updateRequestProcessSettings without
 * touching the own-process switch, and says so.
 */
import { browserSuite, Chromium, expectOnlyOwnOrigin } from "../helpers/browser";
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
