/**
 * The Requests page's "Integrations" pane in a real headless Chromium against
 * a real server and a real webhook receiver on 127.0.0.1 (test/helpers/webhooks.ts,
 * verifying every POST with `standardwebhooks`): a global admin sees the
 * organization's endpoints as the API made them (URL, description, kinds,
 * enabled) and each one's latest deliveries as the dispatcher recorded them:
 * a request denied on the page reaches the receiver and shows as Delivered
 * (1 attempt, HTTP 200); an endpoint answering 500 shows Pending with the next
 * attempt, then Failed once its retries are spent, and its Redeliver button
 * delivers it (the same webhook-id, 3 attempts, 200). The page adds an
 * endpoint and shows its secret once. A user's page has no pane and never asks
 * for the endpoints.
 *
 * The server retries once after 1 ms of its manual clock (WEBHOOK_RETRY_DELAYS_MS=1),
 * so the test decides when a retry is due. Every wait is a bounded condition.
 */
import path from "node:path";
import { Locator, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { ROOT } from "../helpers/built";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { Receiver, startReceiver } from "../helpers/webhooks";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const LEE = "lee@contoso.example";

jest.setTimeout(60_000);

const suite = browserSuite({ env: { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_POLL_INTERVAL_MS: "100", WEBHOOK_RETRY_DELAYS_MS: "1" } });
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;
let receiver: Receiver;

beforeAll(async () => {
  ({ server, api, browser } = suite);
  receiver = await startReceiver();
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
});

afterAll(async () => {
  await receiver?.close();
});

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  endpoint { id url } secret userErrors { code message field } } }`;

/** Makes an endpoint through the API for `path` of the receiver, which then verifies its POSTs with the secret; answers its ID. */
async function createEndpoint(path: string, input: Record<string, unknown> = {}): Promise<string> {
  const res = await server.gql(ADMIN, CREATE, { input: { url: receiver.url(path), ...input } });
  expect(res.body.errors).toBeUndefined();
  const payload = res.body.data!.createWebhookEndpoint;
  expect(payload.userErrors).toEqual([]);
  receiver.secrets.set(path, payload.secret);
  return payload.endpoint.id as string;
}

/** Opens the Requests page as `token` (a raw JWT; the demo admin's when omitted). */
function open(token?: string): Promise<Session> {
  return browser.open(
    `${server.url}/requests`,
    token ? { initScript: { fn: (value) => sessionStorage.setItem("licenseRequests.token", value), arg: token } } : {},
  );
}

const pane = (page: Page) => page.getByRole("region", { name: "Integrations" });
const endpointItem = (page: Page, endpointId: string) => pane(page).locator(`li.endpoint[data-endpoint-id="${endpointId}"]`);
const deliveryRows = (page: Page, endpointId: string) => endpointItem(page, endpointId).locator("table.deliveries tbody tr");

/** A delivery row's cells as text, by their data-field. */
async function rowText(row: Locator): Promise<Record<string, string>> {
  return row
    .locator("td[data-field]")
    .evaluateAll((cells) => Object.fromEntries(cells.map((cell) => [cell.getAttribute("data-field"), (cell.textContent ?? "").replace(/\s+/g, " ").trim()])));
}

/** The status of the endpoint's newest delivery shown, without waiting for one (null when none is). */
const newestStatus = async (page: Page, endpointId: string) =>
  (await deliveryRows(page, endpointId).evaluateAll((rows) => rows.map((row) => row.getAttribute("data-status"))))[0] ?? null;

/** Clicks Refresh until `check` holds for the pane (the pane never polls by itself). */
async function refreshUntil(page: Page, check: () => Promise<boolean>, what: string): Promise<void> {
  await eventually(
    async () => {
      if (await check()) return true;
      await pane(page).getByRole("button", { name: "Refresh" }).click();
      await page.locator("#integrations[aria-busy=false]").waitFor();
      return check();
    },
    WAIT_MS,
    what,
  );
}

const receivedAt = (path: string) => receiver.received.filter((r) => r.path === path);

test("lists an endpoint made through the API; a request denied on the page reaches the receiver and shows as Delivered", async () => {
  const endpointId = await createEndpoint("/denials", { description: "Audit trail", kinds: ["DENIED"] });
  const requestId = await api.submitted(ADELE, "VISIO_PLAN2");
  const session = await open();
  const { page } = session;

  const heading = page.getByRole("heading", { name: "Integrations", level: 2 });
  await heading.waitFor();
  const item = endpointItem(page, endpointId);
  await item.waitFor();
  await expect(item.getByRole("heading", { level: 3 }).textContent()).resolves.toBe(`${receiver.url("/denials")} Enabled`);
  await expect(item.locator("[data-field=description]").textContent()).resolves.toBe("Audit trail");
  await expect(item.locator("[data-field=kinds]").textContent()).resolves.toBe("Denied");
  // Only DENIED entries go there: the submission was not queued.
  await expect(item.locator("p", { hasText: "No deliveries yet." }).count()).resolves.toBe(1);

  await page.locator(`#rows tr[data-request-id="${requestId}"]`).click();
  await page.locator("#details h2", { hasText: "Visio Plan 2" }).waitFor();
  await page.locator("#details").getByRole("button", { name: "Deny" }).click();
  await page.locator(`#rows tr[data-request-id="${requestId}"] [data-field=status] .status[data-status="DENIED"]`).waitFor();

  await eventually(() => receivedAt("/denials").length === 1, WAIT_MS, "the denial's POST");
  const [post] = receivedAt("/denials");
  expect(post.verified).toMatchObject({ type: "license_request.denied" });

  const row = deliveryRows(page, endpointId).first();
  await refreshUntil(page, async () => (await newestStatus(page, endpointId)) === "DELIVERED", "the delivery to show as Delivered");
  await expect(deliveryRows(page, endpointId).count()).resolves.toBe(1);
  expect(await row.getAttribute("data-delivery-id")).toBe(post.headers["webhook-id"]);
  expect(await rowText(row)).toEqual({ event: "Denied", status: "Delivered", attempts: "1", response: "200", when: expect.any(String), action: "" });
  expect(await row.locator("[data-field=event]").getAttribute("data-request-id")).toBe(requestId);
  await expect(row.getByRole("button", { name: "Redeliver" }).count()).resolves.toBe(0);
  // The table is labelled and its columns named.
  await expect(item.getByRole("table").locator("caption").textContent()).resolves.toBe(`Latest deliveries (1 of 1) to ${receiver.url("/denials")}`);
  await expect(item.getByRole("columnheader").allTextContents()).resolves.toEqual(["Event", "Status", "Attempts", "Last response", "When", "Action"]);
  await expect(pane(page).getByRole("status").textContent()).resolves.toMatch(/^Read at /);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("an endpoint answering 500 shows Pending, then Failed once its retries are spent; Redeliver delivers it", async () => {
  receiver.answer("/broken", 500);
  const endpointId = await createEndpoint("/broken");
  const requestId = await api.submitted(ADELE, "POWER_BI_PRO");
  await eventually(() => receivedAt("/broken").length === 1, WAIT_MS, "the first attempt");

  const session = await open();
  const { page } = session;
  const item = endpointItem(page, endpointId);
  await item.waitFor();
  await expect(item.locator("[data-field=kinds]").textContent()).resolves.toBe("All kinds");
  const row = deliveryRows(page, endpointId).first();
  // The attempt is recorded just after the receiver answered.
  await refreshUntil(page, async () => (await rowText(row)).response === "500", "the first attempt to be recorded");
  expect(await row.getAttribute("data-status")).toBe("PENDING");
  expect(await rowText(row)).toMatchObject({ event: "Submitted", attempts: "1", response: "500" });
  await expect(row.locator("[data-field=status]").textContent()).resolves.toMatch(/^Pending · next attempt /);
  expect(await row.locator("[data-field=event]").getAttribute("data-request-id")).toBe(requestId);
  await expect(row.getByRole("button", { name: "Redeliver" }).count()).resolves.toBe(0);

  // The one retry falls due; it fails too, and the delivery is given up.
  server.clock.advance(1);
  await eventually(() => receivedAt("/broken").length === 2, WAIT_MS, "the retry");
  await refreshUntil(page, async () => (await newestStatus(page, endpointId)) === "FAILED", "the delivery to show as Failed");
  expect(await rowText(row)).toEqual({ event: "Submitted", status: "Failed", attempts: "2", response: "500", when: expect.any(String), action: "Redeliver" });

  await pane(page).screenshot({ path: path.join(ROOT, "test-artifacts", "integrations-failed.png") });
  receiver.answer("/broken", 200);
  const redeliver = row.getByRole("button", { name: "Redeliver" });
  await expect(redeliver.getAttribute("aria-describedby")).resolves.toMatch(/\S+ \S+/);
  await redeliver.click();
  await pane(page).getByRole("status").filter({ hasText: "Redelivery queued." }).waitFor();
  // The button it was on is gone: the keyboard is on Refresh.
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("integrations-refresh");
  await eventually(() => receivedAt("/broken").length === 3, WAIT_MS, "the redelivery");
  await refreshUntil(page, async () => (await newestStatus(page, endpointId)) === "DELIVERED", "the redelivery to show as Delivered");
  expect(await rowText(row)).toEqual({ event: "Submitted", status: "Delivered", attempts: "3", response: "200", when: expect.any(String), action: "" });
  const ids = new Set(receivedAt("/broken").map((r) => r.headers["webhook-id"]));
  expect([...ids]).toEqual([await row.getAttribute("data-delivery-id")]);
  expect(receivedAt("/broken").every((r) => r.verified !== null)).toBe(true);
  expect(session.operations).toContain("RedeliverWebhook");

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("adds an endpoint and shows its secret once", async () => {
  const session = await open();
  const { page } = session;
  await pane(page).waitFor();
  await pane(page).locator("summary", { hasText: "Add endpoint" }).click();
  // A read finishing re-renders the pane (here a Refresh; in a slow start the first read): the opened form stays open.
  await pane(page).getByRole("button", { name: "Refresh" }).click();
  await pane(page)
    .getByRole("status")
    .filter({ hasText: /^Read at / })
    .waitFor();
  await expect(page.getByLabel("URL", { exact: true }).isVisible()).resolves.toBe(true);
  // The API's own words for a URL it refuses.
  await page.getByLabel("URL", { exact: true }).fill("not a url");
  await pane(page).getByRole("button", { name: "Add endpoint" }).click();
  await pane(page).locator(".errors[role=alert] li").first().waitFor();

  await page.getByLabel("URL", { exact: true }).fill(receiver.url("/added"));
  await page.getByLabel("Description (optional)").fill("From the page");
  await pane(page).getByRole("checkbox", { name: "Approved", exact: true }).check();
  await pane(page).getByRole("button", { name: "Add endpoint" }).click();
  const secret = pane(page).locator("#integrations-secret");
  await secret.waitFor();
  const text = (await secret.textContent())!;
  await pane(page).screenshot({ path: path.join(ROOT, "test-artifacts", "integrations-added.png") });
  expect(text).toMatch(/^whsec_/);
  const item = pane(page).locator("li.endpoint", { hasText: receiver.url("/added") });
  await item.waitFor();
  await expect(item.locator("[data-field=kinds]").textContent()).resolves.toBe("Approved");
  await expect(item.locator("[data-field=description]").textContent()).resolves.toBe("From the page");

  // The secret signs what the endpoint gets: an approval, verified with it.
  receiver.secrets.set("/added", text);
  const requestId = await api.submitted(ALEX, "VISIO_PLAN2");
  expect((await api.approve(ADMIN, requestId)).userErrors).toEqual([]);
  await eventually(() => receivedAt("/added").length === 1, WAIT_MS, "the approval's POST");
  expect(receivedAt("/added")[0].verified).toMatchObject({ type: "license_request.approved" });
  expect(() => new Webhook(text)).not.toThrow();

  // Read again, the pane no longer shows it.
  await pane(page).getByRole("button", { name: "Refresh" }).click();
  await pane(page)
    .getByRole("status")
    .filter({ hasText: /^Read at / })
    .waitFor();
  await expect(secret.count()).resolves.toBe(0);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a user's page shows no pane and never asks for the endpoints", async () => {
  // The banner is drawn with what OwnProcess answered, which is when an admin's page shows the pane.
  expect((await api.settings(ADMIN, { useOwnRequestProcess: true, message: "Use the IT portal." })).userErrors).toEqual([]);
  try {
    const session = await open(await server.ids.token(LEE));
    const { page } = session;
    // loadIntegrations would have shown the pane in the same task as the banner was drawn.
    await page.locator("#own-process-banner").waitFor();
    await page.locator("#main").waitFor();
    await expect(page.locator("#integrations").isHidden()).resolves.toBe(true);
    await expect(page.getByRole("heading", { name: "Integrations" }).count()).resolves.toBe(0);
    expect(session.operations).toContain("OwnProcess");
    expect(session.operations).not.toContain("IntegrationsPane");
    expectOnlyOwnOrigin(session);
    expect(session.failures).toEqual([]);
  } finally {
    expect((await api.settings(ADMIN, { useOwnRequestProcess: false })).userErrors).toEqual([]);
  }
});

test("an admin's page asks for the endpoints once the viewer is known to be an admin", async () => {
  const session = await open();
  await pane(session.page).waitFor();
  await pane(session.page)
    .getByRole("status")
    .filter({ hasText: /^Read at / })
    .waitFor();
  expect(session.operations.indexOf("IntegrationsPane")).toBeGreaterThan(session.operations.indexOf("OwnProcess"));
  expect(session.operations.filter((name) => name === "IntegrationsPane")).toHaveLength(1);
});
