/**
 * The /decide page (api.md "Decisions from the email") in a real headless
 * Chromium with JavaScript turned off, as a careful mail client opens links:
 * the Approve link of a notice email shows the request and a labelled
 * confirmation form, decides nothing until confirmed, decides once when
 * confirmed (with the message typed), and says why a used link does nothing.
 * Every answer is `no-store` and sends no Referer. Links are read from the
 * delivered emails, as their people read them.
 */
import { LicenseRequestEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import { browserSuite } from "../helpers/browser";
import { decisionSecretsIn } from "../helpers/decisionLinks";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const suite = browserSuite();

test("an Approve link shows a confirmation that works without JavaScript, decides once when confirmed, and then says it was used", async () => {
  const { server, api, browser, mail } = suite;
  const since = mail.delivered.length;
  const id = await api.submitted("megan@contoso.example", "VISIO_PLAN2");
  await eventually(() => mail.delivered.slice(since).some((e) => e.to === ADMIN && e.subject.startsWith("New license request")), WAIT_MS, "the notice");
  const notice = mail.delivered.slice(since).find((e) => e.to === ADMIN && e.subject.startsWith("New license request"))!;
  const [secret] = decisionSecretsIn(notice);
  const link = `${server.url}/decide?token=${secret}&verdict=APPROVE`;
  const stored = () => server.service.dataSource.getRepository(LicenseRequestEntity).findOneByOrFail({ id: localIdOf(id, "LicenseRequest")! });

  const context = await browser.browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const opened = await page.goto(link);
    expect(opened!.status()).toBe(200);
    expect(opened!.headers()["cache-control"]).toContain("no-store");
    expect(opened!.headers()["referrer-policy"]).toBe("no-referrer");
    await page.getByRole("heading", { name: "Do you want to approve this license request?" }).waitFor();
    await page.getByText("Visio Plan 2").first().waitFor();
    await page.getByText("Megan Bowen").first().waitFor();
    // Opening the link decided nothing (link scanners open links).
    expect((await stored()).status).toBe("PENDING");

    // The form is labelled: the message box by its label, the button by its words.
    await page.getByLabel(/Message to the people it asks for/).fill("Enjoy the diagrams.");
    const [decided] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Approve the request" }).click()]);
    expect(decided!.status()).toBe(200);
    expect(decided!.headers()["cache-control"]).toContain("no-store");
    await page.getByRole("status").filter({ hasText: "The request is approved" }).waitFor();
    expect(await stored()).toMatchObject({ status: "APPROVED", decisionChannel: "EMAIL_LINK", decisionMessage: "Enjoy the diagrams." });

    // The same link again: it says why, offers no form, and changes nothing.
    const again = await page.goto(link);
    expect(again!.status()).toBe(409);
    await page.getByText(/already used/).waitFor();
    await expect(page.locator("form").count()).resolves.toBe(0);
    expect((await stored()).status).toBe("APPROVED");
  } finally {
    await context.close();
  }
});
