/**
 * The policy panes of the Requests tab (api.md "Policies") in a real headless
 * Chromium against a real server: whoever manages the request process sets a
 * product's policy in the "Request policies" pane (automatic approval with a
 * requester group and apps turned off, the manager's endorsement, the license
 * duration), finds it after a reload, and turns parts off, each save sending
 * only what changed; out-of-range numbers get the API's userErrors next to
 * their fields and change nothing. "Seats at a glance" draws each product the
 * viewer decides as an SVG chart whose title and text give the API's numbers,
 * and follows a request and its approval made elsewhere live. A request shows
 * where its manager's endorsement stands (the manager reads "your
 * endorsement", deciders may still decide, an escalation arrives live as "not
 * endorsed" with why automatic approval passed it by); the manager endorses
 * and declines from the page. /requests/mine lists the viewer's licenses with
 * their expiry, and Renew asks for a renewal, which deciders read as one.
 *
 * The expiry of a demo license (which through the API only a new approval
 * gives) is written to the database, as the deciders' tests set roles; the
 * escalation sweep is run by the test after moving the server's clock. Every
 * wait is bounded and waits for a condition.
 */
import { Page, Request } from "playwright-core";
import { LicenseAssignmentEntity } from "../../src/entities";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const MEGAN = "megan@contoso.example";
const MIRIAM = "miriam@contoso.example";
const HENRIETTA = "henrietta@contoso.example";
const ISAIAH = "isaiah@contoso.example";
const JONI = "joni@contoso.example";
const NESTOR = "nestor@contoso.example";
const VISIO = "VISIO_PLAN2";
const POWER_BI = "POWER_BI_PRO";
const DAY_MS = 24 * 60 * 60 * 1000;

jest.setTimeout(60_000);

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(async () => {
  ({ server, api, browser } = suite);
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, adminNotification: "OFF" })).userErrors).toEqual([]);
});

afterEach(async () => {
  // Every test starts with every product's policy off.
  await server.service.dataSource.query(`DELETE FROM license_request_policy`);
});

/** Opens the Requests tab as `email`, on the server's clock, and waits until it is live. */
async function open(email: string): Promise<Session> {
  const token = await server.ids.token(email);
  const session = await browser.open(`${server.url}/requests`, {
    now: server.clock.now(),
    initScript: { fn: (value) => sessionStorage.setItem("licenseRequests.token", value), arg: token },
  });
  await signedIn(session.page);
  return session;
}

async function signedIn(page: Page): Promise<void> {
  await page.locator("#main").waitFor();
  await page.locator("#live[data-state=live]").waitFor();
}

function expectClean(session: Session): void {
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
}

const POLICY = `requestPolicy {
  autoApprove { maxRecipients requesterGroup { name } disabledServicePlans { name } }
  managerEndorsement { escalateAfterDays }
  licenseDurationDays updatedAt updatedBy { email }
}`;

/** A product's policy as the global admin reads it. */
async function policyOf(sku: string) {
  const res = await server.gql(ADMIN, `query($id: ID!) { product(id: $id) { ${POLICY} } }`, { id: server.ids.product(sku) });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.product.requestPolicy;
}

interface Seats {
  total: number;
  assigned: number;
  available: number;
  requested: number;
  reclaimingWithin30Days: number;
}

/** A product's seats as the global admin reads them now. */
async function seatsOf(sku: string): Promise<Seats> {
  const res = await server.gql(ADMIN, `query($id: ID!) { product(id: $id) { seats { total assigned available requested reclaimingWithin30Days } } }`, {
    id: server.ids.product(sku),
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.product.seats;
}

/** What a chart's title says of `seats`: every number, in words. */
const sentence = (name: string, s: Seats) =>
  `${name}: ${s.assigned} of ${s.total} licenses assigned, ${s.available} free, ${s.requested} asked for by pending requests, ` +
  `${s.reclaimingWithin30Days} due to be reclaimed in the next 30 days.`;

/** The inputs of every SetProductPolicy the page sends, in order. */
function policyInputs(page: Page): Record<string, unknown>[] {
  const sent: Record<string, unknown>[] = [];
  page.on("request", (request: Request) => {
    if (request.method() !== "POST" || !request.url().endsWith("/graphql")) return;
    const body = request.postDataJSON() as { query?: string; variables?: { input?: Record<string, unknown> } } | null;
    if (body?.query?.startsWith("mutation SetProductPolicy")) sent.push(body.variables!.input!);
  });
  return sent;
}

/** Sets a product's policy as the global admin (an omitted part keeps its value). */
async function setPolicy(sku: string, input: Record<string, unknown>): Promise<void> {
  const res = await server.gql(
    ADMIN,
    `mutation($input: SetLicenseRequestPolicyInput!) { setLicenseRequestPolicy(input: $input) { userErrors { code message } } }`,
    { input: { productId: server.ids.product(sku), ...input } },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.setLicenseRequestPolicy.userErrors).toEqual([]);
}

const REQUEST = `status decisionMessage decidedBy { email } renewalOf { id expiresAt } autoApproveSkippedReason
  endorsement { state comment escalatesAt manager { email } }`;

/** A request as the global admin reads it. */
async function requestOf(requestId: string) {
  const res = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { ${REQUEST} } }`, { id: requestId });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.licenseRequest;
}

test("whoever manages the request process sets a product's policy in the pane, which is there after a reload, and turns its parts off, sending only what changed", async () => {
  const session = await open(ADMIN);
  const { page } = session;
  const sent = policyInputs(page);
  const pane = page.getByRole("region", { name: "Request policies" });
  const item = pane.locator(`li[data-product-id="${server.ids.product(VISIO)}"]`);
  await item.locator("[data-field=autoApprove]", { hasText: "Off" }).waitFor();
  await expect(item.locator("[data-field=updated]").textContent()).resolves.toBe("Never set: every part is off.");

  await item.getByRole("button", { name: "Edit the policy of Visio Plan 2" }).click();
  const form = pane.getByRole("form", { name: "Policy of Visio Plan 2" });
  // Each part's fields wait until it is turned on.
  await expect(form.getByLabel("For requests of at most").isDisabled()).resolves.toBe(true);
  await form.getByLabel("Approve requests automatically while licenses remain").check();
  await form.getByLabel("For requests of at most").fill("3");
  await form.getByLabel("Only when the requester is in").selectOption({ label: "Project managers" });
  await form.getByLabel("Visio Web App").check();
  await form.getByLabel("Ask the requester's manager to endorse a request first").check();
  await form.getByLabel("Without an answer, escalate after").fill("5");
  await form.getByLabel("Limited, then reclaimed").check();
  await form.getByRole("spinbutton", { name: "Licenses last" }).fill("90");
  await form.getByRole("button", { name: "Set policy" }).click();
  await pane.getByRole("status").filter({ hasText: "Set the policy of Visio Plan 2." }).waitFor();
  await expect(form.count()).resolves.toBe(0);

  const set = await policyOf(VISIO);
  expect(set).toEqual({
    autoApprove: { maxRecipients: 3, requesterGroup: { name: "Project managers" }, disabledServicePlans: [{ name: "Visio Web App" }] },
    managerEndorsement: { escalateAfterDays: 5 },
    licenseDurationDays: 90,
    updatedAt: expect.any(String),
    updatedBy: { email: ADMIN },
  });
  // Another product's policy stays off.
  expect((await policyOf(POWER_BI)).updatedAt).toBeNull();

  await page.reload();
  await signedIn(page);
  await expect(item.locator("[data-field=autoApprove]").textContent()).resolves.toBe(
    "Requests for up to 3 people, when the requester is in Project managers, while licenses remain; turned off: Visio Web App.",
  );
  await expect(item.locator("[data-field=managerEndorsement]").textContent()).resolves.toBe(
    "The requester's manager first; without an answer after 5 days, the approvers decide.",
  );
  await expect(item.locator("[data-field=licenseDurationDays]").textContent()).resolves.toBe("90 days, then the license is reclaimed.");
  await item.locator("[data-field=updated]", { hasText: "by MOD Administrator." }).waitFor();
  await expect(item.locator("[data-field=updated] time").getAttribute("datetime")).resolves.toBe(set.updatedAt);

  // The editor opens with the policy as set; turning two parts off sends those two only (the third is kept as it is).
  await item.getByRole("button", { name: "Edit the policy of Visio Plan 2" }).click();
  await expect(form.getByLabel("For requests of at most").inputValue()).resolves.toBe("3");
  await expect(form.getByLabel("Only when the requester is in").locator("option:checked").textContent()).resolves.toBe("Project managers");
  await expect(form.getByLabel("Visio Web App").isChecked()).resolves.toBe(true);
  await expect(form.getByLabel("Visio Desktop App").isChecked()).resolves.toBe(false);
  await expect(form.getByRole("spinbutton", { name: "Licenses last" }).inputValue()).resolves.toBe("90");
  await form.getByLabel("Ask the requester's manager to endorse a request first").uncheck();
  await form.getByLabel("Unlimited: licenses last until removed").check();
  await form.getByRole("button", { name: "Set policy" }).click();
  await pane.getByRole("status").filter({ hasText: "Set the policy of Visio Plan 2." }).waitFor();
  await expect(item.locator("[data-field=managerEndorsement]").textContent()).resolves.toBe("Off.");
  await expect(item.locator("[data-field=licenseDurationDays]").textContent()).resolves.toBe("Unlimited: licenses last until removed.");
  expect(sent.at(-1)).toEqual({
    productId: server.ids.product(VISIO),
    managerEndorsement: null,
    licenseDurationDays: null,
    idempotencyKey: expect.any(String),
  });
  expect(await policyOf(VISIO)).toEqual({ ...set, managerEndorsement: null, licenseDurationDays: null, updatedAt: expect.any(String) });

  // And the last part.
  await item.getByRole("button", { name: "Edit the policy of Visio Plan 2" }).click();
  await form.getByLabel("Approve requests automatically while licenses remain").uncheck();
  await form.getByRole("button", { name: "Set policy" }).click();
  await item.locator("[data-field=autoApprove]", { hasText: "Off: people decide every request." }).waitFor();
  expect(sent.at(-1)).toEqual({ productId: server.ids.product(VISIO), autoApprove: null, idempotencyKey: expect.any(String) });
  expect(await policyOf(VISIO)).toMatchObject({ autoApprove: null, managerEndorsement: null, licenseDurationDays: null, updatedBy: { email: ADMIN } });
  expect(sent).toHaveLength(3);
  expectClean(session);
});

test("numbers out of range get the API's userErrors next to their fields, and nothing changes", async () => {
  const before = await policyOf(POWER_BI);
  const session = await open(ADMIN);
  const { page } = session;
  const sent = policyInputs(page);
  const pane = page.getByRole("region", { name: "Request policies" });
  const item = pane.locator(`li[data-product-id="${server.ids.product(POWER_BI)}"]`);
  await item.getByRole("button", { name: "Edit the policy of Power BI Pro" }).click();
  const form = pane.getByRole("form", { name: "Policy of Power BI Pro" });
  await form.getByLabel("Approve requests automatically while licenses remain").check();
  const maxRecipients = form.getByLabel("For requests of at most");
  const maxRecipientsError = form.locator("#policy-max-recipients-error");

  for (const [typed, attempt] of [
    ["51", 1],
    ["0", 2],
  ] as const) {
    await maxRecipients.fill(typed);
    await form.getByRole("button", { name: "Set policy" }).click();
    await eventually(() => sent.length === attempt, WAIT_MS, `set policy call ${attempt}`);
    await maxRecipientsError.filter({ hasText: "maxRecipients is 1 to 50." }).waitFor();
    await expect(maxRecipients.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(maxRecipients.getAttribute("aria-describedby")).resolves.toContain("policy-max-recipients-error");
    await form.locator("#policy-set:enabled").waitFor();
    expect(await policyOf(POWER_BI)).toEqual(before);
  }
  expect(sent.map((input) => (input.autoApprove as { maxRecipients: number }).maxRecipients)).toEqual([51, 0]);

  // Several at once: each beside its own field.
  await maxRecipients.fill("50");
  await form.getByLabel("Ask the requester's manager to endorse a request first").check();
  await form.getByLabel("Without an answer, escalate after").fill("31");
  await form.getByLabel("Limited, then reclaimed").check();
  await form.getByRole("spinbutton", { name: "Licenses last" }).fill("3651");
  await form.getByRole("button", { name: "Set policy" }).click();
  await form.locator("#policy-escalate-error", { hasText: "escalateAfterDays is 1 to 30." }).waitFor();
  await form.locator("#policy-duration-days-error", { hasText: "licenseDurationDays is 1 to 3,650, or null." }).waitFor();
  await expect(maxRecipientsError.isHidden()).resolves.toBe(true);
  await expect(maxRecipients.getAttribute("aria-invalid")).resolves.toBeNull();
  expect(await policyOf(POWER_BI)).toEqual(before);

  // Put right, it is set, and the errors are gone with the editor.
  await form.getByLabel("Without an answer, escalate after").fill("30");
  await form.getByRole("spinbutton", { name: "Licenses last" }).fill("3650");
  await form.getByRole("button", { name: "Set policy" }).click();
  await pane.getByRole("status").filter({ hasText: "Set the policy of Power BI Pro." }).waitFor();
  expect(await policyOf(POWER_BI)).toMatchObject({
    autoApprove: { maxRecipients: 50, requesterGroup: null, disabledServicePlans: [] },
    managerEndorsement: { escalateAfterDays: 30 },
    licenseDurationDays: 3650,
  });
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("seats at a glance: the chart and its text give the API's numbers and follow a request and its approval made elsewhere", async () => {
  // One of Power BI Pro's licenses is due to be reclaimed within 30 days.
  const ds = server.service.dataSource;
  await ds
    .getRepository(LicenseAssignmentEntity)
    .update(
      { userId: server.ids.userRow(ISAIAH).id, productId: server.ids.productRow(POWER_BI).id },
      { expiresAt: new Date(server.clock.now().getTime() + 10 * DAY_MS) },
    );
  const first = await seatsOf(POWER_BI);
  expect(first.reclaimingWithin30Days).toBe(1);

  const session = await open(ADMIN);
  const { page } = session;
  const item = page.getByRole("region", { name: "Seats at a glance" }).locator(`li[data-product-id="${server.ids.product(POWER_BI)}"]`);
  const chart = item.getByRole("img");
  await expect(chart.getAttribute("aria-labelledby")).resolves.toBe(await item.locator("svg title").getAttribute("id"));
  await expect(item.locator("svg title").textContent()).resolves.toBe(sentence("Power BI Pro", first));
  const shown = async () =>
    Object.fromEntries(
      await item.locator(".seat-numbers li[data-field]").evaluateAll((items) => items.map((li) => [li.getAttribute("data-field"), li.textContent])),
    );
  expect(await shown()).toEqual({
    assigned: `${first.assigned} assigned`,
    available: `${first.available} free`,
    requested: `${first.requested} asked for`,
    reclaimingWithin30Days: "1 reclaimed within 30 days",
    total: `of ${first.total}`,
  });
  const assignedWidth = async () => Number(await item.locator("rect.seat-assigned").getAttribute("width"));
  const widthBefore = await assignedWidth();
  // Every product the global admin decides has its chart.
  await expect(page.locator("#seats svg[role=img]").count()).resolves.toBe(4);

  // A request made elsewhere: asked for one more.
  const requestId = await api.submitted(ADELE, POWER_BI);
  const asked = await seatsOf(POWER_BI);
  expect(asked.requested).toBe(first.requested + 1);
  await item.locator("svg title", { hasText: sentence("Power BI Pro", asked) }).waitFor({ state: "attached" });

  // Approved elsewhere: one more assigned, one fewer free and asked for.
  expect((await api.approve(ADMIN, requestId)).userErrors).toEqual([]);
  const approved = await seatsOf(POWER_BI);
  expect(approved).toEqual({ ...asked, assigned: asked.assigned + 1, available: asked.available - 1, requested: asked.requested - 1 });
  await item.locator("svg title", { hasText: sentence("Power BI Pro", approved) }).waitFor({ state: "attached" });
  await item.locator(".seat-numbers [data-field=assigned]", { hasText: `${approved.assigned} assigned` }).waitFor();
  await expect(item.locator("svg").getAttribute("data-available")).resolves.toBe(String(approved.available));
  expect(await assignedWidth()).toBeGreaterThan(widthBefore);
  expectClean(session);
});

test("the seats pane shows an approver their products only, and a user who decides nothing neither pane", async () => {
  const approver = await open(HENRIETTA);
  const seats = approver.page.getByRole("region", { name: "Seats at a glance" });
  await seats.locator(`li[data-product-id="${server.ids.product(POWER_BI)}"] svg`).waitFor();
  await expect(seats.locator("li[data-product-id]").count()).resolves.toBe(1);
  await expect(approver.page.locator("#policies").isHidden()).resolves.toBe(true);
  expect(approver.operations).not.toContain("ProductPolicies");

  const user = await open(ADELE);
  // The panes are chosen once the viewer is read, before the delegations are asked for.
  await eventually(() => user.operations.includes("ApprovalDelegations"), WAIT_MS, "the viewer's panes to be chosen");
  await expect(user.page.locator("#seats").isHidden()).resolves.toBe(true);
  await expect(user.page.locator("#policies").isHidden()).resolves.toBe(true);
  expect(user.operations).not.toContain("SeatsAtAGlance");
  expect(user.operations).not.toContain("ProductPolicies");
  for (const session of [approver, user]) expectClean(session);
});

test("a request shows where its manager's endorsement stands: the manager's is awaited, deciders still decide, an escalated one is not endorsed", async () => {
  // Automatic approval for one person, after the manager's endorsement: a request for two waits for the manager, then for people.
  await setPolicy(VISIO, { autoApprove: { maxRecipients: 1 }, managerEndorsement: { escalateAfterDays: 1 } });
  const requestId = await api.submitted(ALEX, VISIO, [MEGAN]);
  const awaiting = await requestOf(requestId);
  expect(awaiting).toMatchObject({ status: "PENDING", autoApproveSkippedReason: null, endorsement: { state: "AWAITING", manager: { email: MIRIAM } } });

  // The manager (no decider) sees the request awaiting them.
  const manager = await open(MIRIAM);
  const managerRow = manager.page.locator(`#rows tr[data-request-id="${requestId}"]`);
  await managerRow.locator("[data-field=policy]", { hasText: "Awaiting your endorsement" }).waitFor();
  await managerRow.locator("button.row-link").click();
  const endorsement = manager.page.locator("#details [data-field=endorsement]");
  await endorsement.filter({ hasText: "Awaiting your endorsement (escalates to the approvers on" }).waitFor();
  await expect(endorsement.locator("time").getAttribute("datetime")).resolves.toBe(awaiting.endorsement.escalatesAt);

  // A decider reads whose endorsement it awaits, and may decide meanwhile.
  const admin = await open(ADMIN);
  const adminRow = admin.page.locator(`#rows tr[data-request-id="${requestId}"]`);
  await adminRow.locator("[data-field=policy]", { hasText: "Awaiting Miriam Graham's endorsement" }).waitFor();
  await adminRow.locator("button.row-link").click();
  await admin.page.locator("#details [data-field=endorsement]", { hasText: "Awaiting Miriam Graham's endorsement" }).waitFor();
  await admin.page.locator("#approve").waitFor();
  await admin.page.locator("#deny").waitFor();

  // Unanswered a day later, it escalates (the sweep, run here), and automatic approval passes it by: both pages follow live.
  server.clock.advance(DAY_MS + 60_000);
  expect(await server.service.services.requests.escalateDue(server.clock.now())).toBe(1);
  const escalated = await requestOf(requestId);
  expect(escalated).toMatchObject({ status: "PENDING", endorsement: { state: "ESCALATED" }, autoApproveSkippedReason: expect.any(String) });
  await adminRow.locator("[data-field=policy]", { hasText: "Not endorsed" }).waitFor();
  await admin.page.locator("#details [data-field=endorsement]", { hasText: "Not endorsed: Miriam Graham did not answer in time" }).waitFor();
  await admin.page.locator("#details [data-field=autoApproveSkippedReason]", { hasText: escalated.autoApproveSkippedReason }).waitFor();
  await endorsement.filter({ hasText: "Not endorsed: you did not answer in time" }).waitFor();
  await expect(manager.page.locator("#endorse-form").count()).resolves.toBe(0);
  await admin.page.locator("#deny").click();
  await adminRow.locator('.status[data-status="DENIED"]').waitFor();
  for (const session of [manager, admin]) expectClean(session);
});

test("the requester's manager endorses a request from the page, and declines another with a comment that becomes the denial's message", async () => {
  await setPolicy(VISIO, { managerEndorsement: { escalateAfterDays: 5 } });
  const endorsedId = await api.submitted(ALEX, VISIO);
  const declinedId = await api.submitted(ADELE, VISIO);
  for (const id of [endorsedId, declinedId])
    expect(await requestOf(id)).toMatchObject({ status: "PENDING", endorsement: { state: "AWAITING", manager: { email: MIRIAM } } });

  const session = await open(MIRIAM);
  const { page } = session;
  const endorsedRow = page.locator(`#rows tr[data-request-id="${endorsedId}"]`);
  await endorsedRow.locator("[data-field=policy]", { hasText: "Awaiting your endorsement" }).waitFor();
  await endorsedRow.locator("button.row-link").click();
  const form = page.getByRole("form", { name: "Your endorsement" });
  await form.getByLabel("Comment (optional)").fill("Needed for the floor plans.");
  await form.getByRole("button", { name: "Endorse" }).click();
  await page.locator("#details [data-field=endorsement]", { hasText: "Endorsed by you on" }).waitFor();
  await page.locator("#details [data-field=endorsementComment]", { hasText: "Needed for the floor plans." }).waitFor();
  await expect(form.count()).resolves.toBe(0);
  await endorsedRow.locator("[data-field=policy]", { hasText: "Endorsed" }).waitFor();
  expect(await requestOf(endorsedId)).toMatchObject({
    status: "PENDING",
    endorsement: { state: "ENDORSED", comment: "Needed for the floor plans.", manager: { email: MIRIAM } },
  });

  const declinedRow = page.locator(`#rows tr[data-request-id="${declinedId}"]`);
  await declinedRow.locator("button.row-link").click();
  await form.getByLabel("Comment (optional)").fill("Please use Visio in the browser.");
  await form.getByRole("button", { name: "Decline" }).click();
  await declinedRow.locator('.status[data-status="DENIED"]').waitFor();
  await page.locator("#details [data-field=endorsement]", { hasText: "Declined by you on" }).waitFor();
  expect(await requestOf(declinedId)).toMatchObject({
    status: "DENIED",
    decisionMessage: "Please use Visio in the browser.",
    decidedBy: { email: MIRIAM },
    endorsement: { state: "DECLINED", manager: { email: MIRIAM } },
  });
  expectClean(session);
});

test("/requests/mine links a manager to the Requests tab, as the same person, where their endorsement is asked; a requester with nothing there has no link", async () => {
  await setPolicy(VISIO, { managerEndorsement: { escalateAfterDays: 5 } });
  const requestId = await api.submitted(NESTOR, VISIO);

  // Adele decides nothing and manages nobody: no link.
  const requester = await browser.open(`${server.url}/requests/mine?as=${encodeURIComponent(ADELE)}`, { now: server.clock.now() });
  await requester.page.locator("#who", { hasText: "Adele" }).waitFor();
  await expect(requester.page.locator("#admin-link").isHidden()).resolves.toBe(true);
  expectClean(requester);

  // Miriam, Nestor's manager and no decider, is linked there, and arrives as herself (not as the demo admin).
  const manager = await browser.open(`${server.url}/requests/mine?as=${encodeURIComponent(MIRIAM)}`, { now: server.clock.now() });
  const { page } = manager;
  const link = page.getByRole("link", { name: "Requests tab" });
  await link.waitFor();
  await expect(link.getAttribute("href")).resolves.toBe(`/requests?as=${encodeURIComponent(MIRIAM)}`);
  await link.click();
  await signedIn(page);
  await page.locator(`#rows tr[data-request-id="${requestId}"] [data-field=policy]`, { hasText: "Awaiting your endorsement" }).waitFor();
  await expect(page.getByRole("link", { name: "Your requests" }).getAttribute("href")).resolves.toBe(`/requests/mine?as=${encodeURIComponent(MIRIAM)}`);
  expectClean(manager);
});

test("/requests/mine lists the viewer's licenses with their expiry", async () => {
  const expiresAt = new Date(server.clock.now().getTime() + 20 * DAY_MS);
  await server.service.dataSource
    .getRepository(LicenseAssignmentEntity)
    .update({ userId: server.ids.userRow(JONI).id, productId: server.ids.productRow("PROJECT_PLAN3").id }, { expiresAt });
  const session = await browser.open(`${server.url}/requests/mine?as=${encodeURIComponent(JONI)}`);
  const { page } = session;
  const licenses = page.getByRole("region", { name: "Your licenses" });
  const rows = licenses.locator("#license-rows tr");
  await rows.first().waitFor();
  const shown = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({
      product: tr.querySelector("[data-field=product]")?.textContent,
      expires: tr.querySelector("[data-field=expiresAt] time")?.getAttribute("datetime") ?? tr.querySelector("[data-field=expiresAt]")?.textContent,
    })),
  );
  expect(shown).toEqual([
    { product: "Microsoft 365 E5", expires: "Until removed" },
    { product: "Project Plan 3", expires: expiresAt.toISOString() },
  ]);
  expectClean(session);
});

test("a license that expires has Renew on /requests/mine, which asks for a renewal the deciders see as one; a refused renewal says why and makes nothing", async () => {
  await setPolicy(POWER_BI, { licenseDurationDays: 30 });
  const requestId = await api.submitted(MEGAN, POWER_BI);
  const approved = await api.approve(ADMIN, requestId);
  expect(approved.userErrors).toEqual([]);
  const licenses = await server.gql(MEGAN, `{ me { licenses { id product { skuPartNumber } expiresAt } } }`);
  const license = licenses.body.data!.me.licenses.find((l: { product: { skuPartNumber: string } }) => l.product.skuPartNumber === POWER_BI);
  expect(Date.parse(license.expiresAt) - server.clock.now().getTime()).toBe(30 * DAY_MS);

  const session = await browser.open(`${server.url}/requests/mine?as=${encodeURIComponent(MEGAN)}`);
  const { page } = session;
  await page.locator("#live[data-state=live]").waitFor();
  const row = page.locator(`#license-rows tr[data-license-id="${license.id}"]`);
  await expect(row.locator("[data-field=expiresAt] time").getAttribute("datetime")).resolves.toBe(license.expiresAt);

  // Refused (sent here for a license that is not hers): the row says why, and no request is made.
  const isaiahs = await server.gql(ADMIN, `query($id: ID!) { node(id: $id) { ... on User { licenses { id } } } }`, { id: server.ids.user(ISAIAH) });
  const foreign = isaiahs.body.data!.node.licenses[0].id;
  let redirected = false;
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string; variables?: { input: Record<string, unknown> } } | null;
    if (redirected || !body?.query?.startsWith("mutation MineRenew")) return route.continue();
    redirected = true;
    await route.continue({ postData: JSON.stringify({ ...body, variables: { input: { ...body.variables!.input, assignmentId: foreign } } }) });
  });
  const before = await server.gql(MEGAN, `{ licenseRequests(first: 100) { totalCount } }`);
  await row.getByRole("button", { name: "Renew your license of Power BI Pro" }).click();
  await row.locator("[role=alert]", { hasText: "No such license." }).waitFor();
  const after = await server.gql(MEGAN, `{ licenseRequests(first: 100) { totalCount } }`);
  expect(after.body.data!.licenseRequests.totalCount).toBe(before.body.data!.licenseRequests.totalCount);

  // Renewed: the request joins "Your requests" as a renewal, and the row says it was asked for.
  await row.getByRole("button", { name: "Renew your license of Power BI Pro" }).click();
  await row.locator("[data-field=renewal]", { hasText: "Renewal asked for on" }).waitFor();
  const renewalId = await row.locator("[data-field=renewal]").getAttribute("data-request-id");
  const renewalRow = page.locator(`#my-rows tr[data-request-id="${renewalId}"]`);
  await renewalRow.locator('[data-field=status] .status[data-status="PENDING"]').waitFor();
  await renewalRow.locator("[data-field=policy]", { hasText: "Renewal" }).waitFor();
  expect(await requestOf(renewalId!)).toMatchObject({ status: "PENDING", renewalOf: { id: license.id, expiresAt: license.expiresAt } });

  // A decider reads it as the renewal of a license expiring then.
  const admin = await open(ADMIN);
  await admin.page.locator(`#rows tr[data-request-id="${renewalId}"] button.row-link`).click();
  const renews = admin.page.locator("#details [data-field=renewalOf]");
  await renews.filter({ hasText: "Renewal of a license expiring" }).waitFor();
  await expect(renews.locator("time").getAttribute("datetime")).resolves.toBe(license.expiresAt);
  for (const s of [session, admin]) expectClean(s);
});
