/**
 * Second opinions in a real headless Chromium against a real server: the
 * Requests page's "Share" pane picks people through users(search:), sends
 * shareLicenseRequest with a subject and a message, and shows the
 * recommendations as they arrive (live) and whom the request was shared with,
 * whose links Revoke withdraws; the /recommend page shows the shared request
 * from the link alone (no bearer token), records "Recommend approval" with a
 * comment once, renders every text as text under a strict CSP, and explains
 * a used, withdrawn or forged link.
 *
 * Links are read from the delivered emails, as their people read them. Every
 * wait is bounded: Playwright's waits with a timeout, and `eventually`.
 */
import path from "node:path";
import { OutboxEmailEntity } from "../../src/entities";
import { browserSuite, Chromium, expectOnlyOwnOrigin } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { linkTokenIn, Mailbox } from "../helpers/mailbox";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;
let mail: Mailbox;

beforeAll(() => {
  ({ server, api, browser, mail } = suite);
});

/** The share emails written to `address` (newest last). */
async function shareEmailsTo(address: string): Promise<OutboxEmailEntity[]> {
  const rows = await server.service.dataSource.getRepository(OutboxEmailEntity).find({ where: { toAddress: address }, order: { id: "ASC" } });
  return rows.filter((row) => row.textBody.includes("/recommend?token="));
}

const RECOMMENDATIONS = `query($id: ID!) { licenseRequest(id: $id) { recommendations { verdict comment by { email } } } }`;

test("the share pane picks people, shares with a subject and a message, and shows the recommendations as they arrive", async () => {
  const id = await api.submitted("adele@contoso.example", "POWER_BI_PRO");
  const session = await browser.open(`${server.url}/requests`);
  const { page } = session;
  await page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  await page.locator(`tr[data-request-id="${id}"]`).click();
  await page.locator("#details h2", { hasText: "Power BI Pro" }).waitFor();
  await page.locator("#recommendations", { hasText: "None yet." }).waitFor();
  const since = mail.delivered.length;

  await page.locator("#share-search").fill("Lee");
  await page.getByRole("button", { name: "Ask Lee Gu" }).click();
  await page.locator("#share-chosen li", { hasText: "Lee Gu" }).waitFor();
  await page.locator("#share-search").fill("nestor");
  await page.getByRole("button", { name: /^Ask Nestor/ }).click();
  await page.locator("#share-chosen li").nth(1).waitFor();
  // Changed minds: Nestor is left out again.
  await page.getByRole("button", { name: /^Don't ask Nestor/ }).click();
  await expect(page.locator("#share-chosen li").count()).resolves.toBe(1);
  await page.locator("#share-subject").fill("Power BI for Adele?");
  await page.locator("#share-message").fill("Is this needed for the Q3 reports?");
  await page.locator("#share-send").click();
  await page.locator("#share-status", { hasText: "Shared with Lee Gu" }).waitFor();

  expect(await shareEmailsTo("lee@contoso.example")).toHaveLength(1);
  expect(await shareEmailsTo("nestor@contoso.example")).toHaveLength(0);
  const emails = await mail.linkEmailsTo("lee@contoso.example", since);
  expect(emails).toHaveLength(1);
  expect(emails[0].subject).toBe("Power BI for Adele?");
  expect(emails[0].text).toContain("Is this needed for the Q3 reports?");

  // Lee answers elsewhere, without a token; the open details show it without a reload.
  const answer = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation($input: RecordRecommendationInput!) { recordRecommendation(input: $input) { userErrors { code } } }`,
      variables: { input: { shareToken: linkTokenIn(emails[0]), verdict: "DENY", comment: "<img src=x onerror=alert(1)> not needed" } },
    }),
  });
  expect(((await answer.json()) as { data: { recordRecommendation: { userErrors: unknown[] } } }).data.recordRecommendation.userErrors).toEqual([]);
  const item = page.locator("#recommendations li[data-verdict=DENY]");
  await item.waitFor();
  await expect(item.textContent()).resolves.toContain("Lee Gu");
  await expect(item.locator(".comment").textContent()).resolves.toBe("<img src=x onerror=alert(1)> not needed");
  await expect(page.locator("#recommendations img").count()).resolves.toBe(0);
  expect(session.problems).toEqual([]);
  expectOnlyOwnOrigin(session);
});

test("the /recommend page shows the shared request from the link alone, records the answer once, and explains a used or forged link", async () => {
  const id = await api.submitted("alex@contoso.example", "VISIO_PLAN2", ["megan@contoso.example"]);
  const since = mail.delivered.length;
  const shared = await server.gql(ADMIN, `mutation($input: ShareLicenseRequestInput!) { shareLicenseRequest(input: $input) { userErrors { code } } }`, {
    input: { requestId: id, userIds: [server.ids.user("nestor@contoso.example")], message: "<b>Your view?</b>" },
  });
  expect(shared.body.data!.shareLicenseRequest.userErrors).toEqual([]);
  const token = await mail.linkTokenTo("nestor@contoso.example", since);

  const session = await browser.open(`${server.url}/recommend?token=${token}`);
  const { page } = session;
  expect(session.response!.status()).toBe(200);
  const headers = session.response!.headers();
  expect(headers["content-security-policy"]).toContain("script-src 'self'");
  expect(headers["content-security-policy"]).toContain("default-src 'none'");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["cache-control"]).toBe("no-store");
  const facts = page.locator("#shared-request");
  await expect(facts.textContent()).resolves.toContain("Visio Plan 2");
  await expect(facts.textContent()).resolves.toContain("Alex Wilber");
  await expect(facts.textContent()).resolves.toContain("Megan Bowen");
  await expect(page.locator("#share-message").textContent()).resolves.toBe("<b>Your view?</b>");
  await expect(page.locator("main b").count()).resolves.toBe(0);

  await page.locator("#comment").fill("Alex runs the floor plans.");
  await page.locator("#comment-count", { hasText: "26 / 1,000" }).waitFor();
  await page.getByRole("button", { name: "Recommend approval" }).click();
  await page.locator("#recommend-outcome", { hasText: "recommendation to approve was recorded" }).waitFor();
  await expect(page.locator("#recommend-form").isHidden()).resolves.toBe(true);
  const read = await server.gql(ADMIN, RECOMMENDATIONS, { id });
  expect(read.body.data!.licenseRequest.recommendations).toEqual([
    { verdict: "APPROVE", comment: "Alex runs the floor plans.", by: { email: "nestor@contoso.example" } },
  ]);
  expect(session.problems).toEqual([]);
  expectOnlyOwnOrigin(session);
  // The page sent no bearer token.
  expect(session.requests.filter((url) => url.endsWith("/graphql"))).toHaveLength(1);

  // The same link again: it says why, and offers nothing to click.
  const again = await browser.open(`${server.url}/recommend?token=${token}`);
  expect(again.response!.status()).toBe(410);
  await expect(again.page.locator("#recommend-refusal").textContent()).resolves.toContain("already used");
  await expect(again.page.locator("#recommend-form").count()).resolves.toBe(0);

  const forged = await browser.open(`${server.url}/recommend?token=${"x".repeat(43)}`);
  expect(forged.response!.status()).toBe(404);
  await expect(forged.page.locator("#recommend-refusal").textContent()).resolves.toContain("not valid");
  expect((await server.gql(ADMIN, RECOMMENDATIONS, { id })).body.data!.licenseRequest.recommendations).toHaveLength(1);
});

test("the details pane lists whom the request was shared with, and Revoke withdraws a link, which then records nothing", async () => {
  const id = await api.submitted("megan@contoso.example", "SPE_E5");
  const session = await browser.open(`${server.url}/requests`);
  const { page } = session;
  await page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  await page.locator(`tr[data-request-id="${id}"]`).click();
  await page.locator("#details h2", { hasText: "Microsoft 365 E5" }).waitFor();
  await page.locator("#shares", { hasText: "Nobody yet." }).waitFor();

  // Shared from the page with Lee and Nestor: both listed at once, each with a Revoke button.
  const since = mail.delivered.length;
  for (const [search, name] of [
    ["Lee", "Lee Gu"],
    ["nestor", /^Ask Nestor/],
  ] as const) {
    await page.locator("#share-search").fill(search);
    await page.getByRole("button", { name: typeof name === "string" ? `Ask ${name}` : name }).click();
  }
  await page.locator("#share-send").click();
  await page.locator("#share-status", { hasText: "Shared with" }).waitFor();
  const shares = page.locator("#shares li");
  await expect(shares.count()).resolves.toBe(2);
  await expect(page.locator("#shares h3").textContent()).resolves.toBe("Shared with (2)");
  await expect(shares.nth(0).textContent()).resolves.toContain("Lee Gu");
  await expect(shares.nth(0).textContent()).resolves.toContain("Link expires");
  await expect(shares.nth(1).textContent()).resolves.toContain("Nestor");
  await expect(page.locator("#shares button.revoke").count()).resolves.toBe(2);

  // Nestor answers: no Revoke for an answered link.
  const nestorLink = await mail.linkTokenTo("nestor@contoso.example", since);
  const answered = await server.gql(null, `mutation($input: RecordRecommendationInput!) { recordRecommendation(input: $input) { userErrors { code } } }`, {
    input: { shareToken: nestorLink, verdict: "APPROVE" },
  });
  expect(answered.body.data!.recordRecommendation.userErrors).toEqual([]);
  await page.locator("#shares li[data-answered=true]", { hasText: "Recommends approval" }).waitFor();
  await expect(page.locator("#shares button.revoke").count()).resolves.toBe(1);

  // Revoke Lee's link: shown as withdrawn, without its button; the link then records nothing.
  await page.locator("#shares").screenshot({ path: path.join(ROOT, "test-artifacts", "requests-page-shares.png") });
  await page.getByRole("button", { name: "Revoke the link of Lee Gu" }).click();
  await page.locator("#shares li[data-revoked=true]", { hasText: "Withdrawn" }).waitFor();
  await expect(page.locator("#shares button.revoke").count()).resolves.toBe(0);
  await expect(page.locator("#shares-errors").isHidden()).resolves.toBe(true);
  const read = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { shares { revokedAt sharedWith { email } } } }`, { id });
  expect(read.body.data!.licenseRequest.shares).toEqual([
    { revokedAt: expect.any(String), sharedWith: { email: "lee@contoso.example" } },
    { revokedAt: null, sharedWith: { email: "nestor@contoso.example" } },
  ]);
  const leeLink = await mail.linkTokenTo("lee@contoso.example", since);
  const late = await server.gql(null, `mutation($input: RecordRecommendationInput!) { recordRecommendation(input: $input) { userErrors { code message } } }`, {
    input: { shareToken: leeLink, verdict: "DENY" },
  });
  expect(late.body.data!.recordRecommendation.userErrors).toEqual([
    { code: "CONFLICT", message: expect.stringContaining("This link was withdrawn by an admin") },
  ]);
  const linkPage = await browser.open(`${server.url}/recommend?token=${leeLink}`);
  expect(linkPage.response!.status()).toBe(410);
  await expect(linkPage.page.locator("#recommend-refusal").textContent()).resolves.toContain("withdrawn by an admin");
  expect(session.problems).toEqual([]);
  expectOnlyOwnOrigin(session);
});
