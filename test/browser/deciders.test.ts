/**
 * The Requests tab for everyone who may decide (api.md "Who decides"), in a
 * real headless Chromium against a real server: each viewer sees only the
 * panes `me { permissions }` grants. A license admin gets the settings, the
 * request lifetime and the product approvers, not Integrations; a user admin
 * decides every request and gets no settings; a product's approver sees only
 * that product's requests, decides one, gets no decision form on a request
 * they are a recipient of, and reads the API's NOT_PERMITTED as it words it.
 * Approvers are set through the pane's people picker; a delegation is made and
 * cancelled through its pane, and the delegate meanwhile sees and decides the
 * delegator's requests, recorded as on their behalf.
 *
 * Roles come from the directory: the tests set them in the database (and put
 * them back after each test), as they set approvers through the API. Each page
 * runs on the server's manual clock, so the dates it offers are the server's.
 */
import { Page } from "playwright-core";
import { browserSuite, Chromium, expectOnlyOwnOrigin, Session } from "../helpers/browser";
import { RequestsApi } from "../helpers/requests";
import { TestServer } from "../helpers/server";
import { eventually, WAIT_MS } from "../helpers/ws";

const ADMIN = "admin@contoso.example";
const ADELE = "adele@contoso.example";
const ALEX = "alex@contoso.example";
const MEGAN = "megan@contoso.example";
const LEE = "lee@contoso.example";
const NESTOR = "nestor@contoso.example";
const ISAIAH = "isaiah@contoso.example";
const MIRIAM = "miriam@contoso.example";

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
  // Every test starts from the directory's roles, no approvers and no delegations.
  const ds = server.service.dataSource;
  await ds.query(`UPDATE app_user SET role = 'USER' WHERE email IN (?, ?, ?, ?, ?, ?, ?)`, [ADELE, ALEX, MEGAN, LEE, NESTOR, ISAIAH, MIRIAM]);
  await ds.query(`DELETE FROM product_approver`);
  await ds.query(`DELETE FROM approval_delegation`);
});

async function setRole(email: string, role: "LICENSE_ADMIN" | "USER_ADMIN"): Promise<void> {
  await server.service.dataSource.query(`UPDATE app_user SET role = ? WHERE email = ?`, [role, email]);
}

async function setApprovers(sku: string, emails: string[]): Promise<void> {
  const res = await server.gql(ADMIN, `mutation($input: SetProductApproversInput!) { setProductApprovers(input: $input) { userErrors { code message } } }`, {
    input: { productId: server.ids.product(sku), userIds: emails.map((e) => server.ids.user(e)) },
  });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.setProductApprovers.userErrors).toEqual([]);
}

/** Opens the Requests tab as `email`, on the server's clock. */
async function open(email: string): Promise<Session> {
  const token = await server.ids.token(email);
  return browser.open(`${server.url}/requests`, {
    now: server.clock.now(),
    initScript: { fn: (value) => sessionStorage.setItem("licenseRequests.token", value), arg: token },
  });
}

const row = (page: Page, requestId: string) => page.locator(`tr[data-request-id="${requestId}"]`);

async function shownRequestIds(page: Page): Promise<string[]> {
  return page.locator("#rows tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-request-id") ?? ""));
}

/** Waits until the page has asked for what the viewer may do and drawn the list. */
async function signedIn(page: Page): Promise<void> {
  await page.locator("#main").waitFor();
  await page.locator("#live[data-state=live]").waitFor();
}

/** Every pending request's ID whose product is `sku`, as the global admin reads them. */
async function pendingOf(sku: string): Promise<string[]> {
  const res = await server.gql(ADMIN, `{ licenseRequests(filter: { state: PENDING }, first: 100) { nodes { id product { skuPartNumber } } } }`);
  return res.body
    .data!.licenseRequests.nodes.filter((n: { product: { skuPartNumber: string } }) => n.product.skuPartNumber === sku)
    .map((n: { id: string }) => n.id);
}

test("a license admin gets the settings, the request lifetime and the approvers, not Integrations, and saves a lifetime", async () => {
  await setRole(MEGAN, "LICENSE_ADMIN");
  const session = await open(MEGAN);
  const { page } = session;
  await signedIn(page);
  const days = page.getByLabel("Request lifetime", { exact: true });
  await days.waitFor();
  expect(await days.inputValue()).toBe("30");
  await expect(page.getByLabel("Approve and Deny links in the notice emails").isChecked()).resolves.toBe(true);
  await page.locator("#admin-notification").waitFor();
  await page.locator("#own-process").waitFor();
  await page.getByRole("region", { name: "Product approvers" }).locator("li[data-product-id]").first().waitFor();
  await page.getByRole("region", { name: "Delegation" }).waitFor();
  await expect(page.locator("#integrations").isHidden()).resolves.toBe(true);
  expect(session.operations).not.toContain("IntegrationsPane");

  // Out of range: said on the page, nothing sent.
  await days.fill("400");
  await page.locator("#lifetime-save").click();
  await page.locator("#request-lifetime [role=alert]", { hasText: "7 to 365 days" }).waitFor();
  expect(session.operations).not.toContain("RequestLifetimeSave");

  await days.fill("14");
  await page.getByLabel("Approve and Deny links in the notice emails").uncheck();
  await page.locator("#lifetime-save").click();
  await page.locator("#lifetime-status", { hasText: "Saved." }).waitFor();
  const saved = await server.gql(ADMIN, `{ requestProcessSettings { requestLifetimeDays decisionLinksInEmail useOwnRequestProcess adminNotification } }`);
  expect(saved.body.data!.requestProcessSettings).toEqual({
    requestLifetimeDays: 14,
    decisionLinksInEmail: false,
    useOwnRequestProcess: false,
    adminNotification: "OFF",
  });
  // New requests live 14 days now.
  const requestId = await api.submitted(ADELE, "VISIO_PLAN2");
  expect(Date.parse((await api.read(ADMIN, requestId))!.expiresAt) - server.clock.now().getTime()).toBe(14 * 24 * 60 * 60 * 1000);
  expect((await api.settings(ADMIN, { useOwnRequestProcess: false, requestLifetimeDays: 30, decisionLinksInEmail: true })).userErrors).toEqual([]);
  await api.cancel(ADELE, requestId);

  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a user admin decides any request and gets no settings, approvers or Integrations", async () => {
  await setRole(LEE, "USER_ADMIN");
  const requestId = await api.submitted(ADELE, "POWER_BI_PRO");
  const session = await open(LEE);
  const { page } = session;
  await signedIn(page);
  await page.getByRole("region", { name: "Delegation" }).locator("#delegation-form").waitFor();
  for (const id of await pendingOf("VISIO_PLAN2")) await row(page, id).waitFor();
  await row(page, requestId).locator("button.row-link").click();
  await page.locator("#deny").click();
  await row(page, requestId).locator('.status[data-status="DENIED"]').waitFor();
  expect((await api.read(ADMIN, requestId))!.decidedBy).toEqual({ email: LEE });

  for (const id of ["#own-process", "#admin-notices", "#request-lifetime", "#approvers", "#integrations"]) {
    await expect(page.locator(id).isHidden()).resolves.toBe(true);
  }
  for (const operation of ["RequestProcessSettings", "RequestLifetime", "ProductApprovers", "IntegrationsPane"])
    expect(session.operations).not.toContain(operation);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("a product's approver sees only its requests, decides one, and gets no decision form on their own", async () => {
  await setApprovers("VISIO_PLAN2", [NESTOR]);
  const theirs = await api.submitted(ADELE, "VISIO_PLAN2");
  const own = await api.submitted(ALEX, "VISIO_PLAN2", [NESTOR]);
  const other = await api.submitted(ADELE, "POWER_BI_PRO");
  const session = await open(NESTOR);
  const { page } = session;
  await signedIn(page);
  const visio = await pendingOf("VISIO_PLAN2");
  for (const id of visio) await row(page, id).waitFor();
  expect((await shownRequestIds(page)).sort()).toEqual(visio.sort());
  expect(await shownRequestIds(page)).not.toContain(other);

  // Their own request: no checkbox, no form, and why.
  await expect(row(page, own).locator("input.bulk-select").count()).resolves.toBe(0);
  await row(page, own).locator("button.row-link").click();
  await page.locator("#not-yours", { hasText: "You are one of its recipients" }).waitFor();
  await expect(page.locator("#approve").count()).resolves.toBe(0);
  await expect(page.locator("#deny").count()).resolves.toBe(0);

  // A decision the API refuses as NOT_PERMITTED (sent here for their own request) is said as the API words it.
  await row(page, theirs).locator("button.row-link").click();
  await page.locator("#approve").waitFor();
  let redirected = false;
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string; variables?: { input: { requestId: string } } } | null;
    if (redirected || !body?.query?.startsWith("mutation RequestsPageDeny")) return route.continue();
    redirected = true;
    await route.continue({ postData: JSON.stringify({ ...body, variables: { input: { ...body.variables!.input, requestId: own } } }) });
  });
  await page.locator("#deny").click();
  await page.locator("#details [role=alert]", { hasText: "You are one of this request's recipients: someone else decides it." }).waitFor();
  expect((await api.read(ADMIN, own))!.status).toBe("PENDING");

  await page.locator("#approve").click();
  await row(page, theirs).locator('.status[data-status="APPROVED"]').waitFor();
  expect((await api.read(ADMIN, theirs))!.decidedBy).toEqual({ email: NESTOR });

  for (const id of ["#own-process", "#admin-notices", "#request-lifetime", "#approvers", "#integrations"]) {
    await expect(page.locator(id).isHidden()).resolves.toBe(true);
  }
  await page.getByRole("region", { name: "Delegation" }).locator("#delegation-form").waitFor();
  await api.cancel(ALEX, own);
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("the approvers pane names a product's approvers through the people picker and saves them", async () => {
  await setApprovers("POWER_BI_PRO", [ISAIAH]);
  const session = await open(ADMIN);
  const { page } = session;
  await signedIn(page);
  const pane = page.getByRole("region", { name: "Product approvers" });
  const item = pane.locator(`li[data-product-id="${server.ids.product("POWER_BI_PRO")}"]`);
  await item.locator("[data-field=approvers]", { hasText: "Isaiah Langer" }).waitFor();
  await item.getByRole("button", { name: "Edit who decides Power BI Pro" }).click();

  const search = page.getByRole("combobox", { name: "Approvers of Power BI Pro" });
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("approvers-picker-search");
  await search.fill("Megan");
  await page.locator("#approvers-picker-results [role=option]", { hasText: "Megan Bowen" }).click();
  await item.getByRole("button", { name: "Remove Isaiah Langer" }).click();
  await item.getByRole("button", { name: "Update the list" }).click();
  await pane.getByRole("status").filter({ hasText: "Saved the approvers of Power BI Pro." }).waitFor();
  await item.locator("[data-field=approvers]", { hasText: "Megan Bowen" }).waitFor();

  const read = await server.gql(ADMIN, `query($id: ID!) { product(id: $id) { approvers { email } } }`, { id: server.ids.product("POWER_BI_PRO") });
  expect(read.body.data!.product.approvers).toEqual([{ email: MEGAN }]);
  // Megan now decides Power BI Pro's requests.
  const me = await server.gql(MEGAN, `{ me { permissions { decideAllRequests decidesProducts { name } } } }`);
  expect(me.body.data!.me.permissions).toEqual({ decideAllRequests: false, decidesProducts: [{ name: "Power BI Pro" }] });
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("an approver delegates through the pane, the delegate decides on their behalf, and cancelling ends it", async () => {
  await setApprovers("VISIO_PLAN2", [NESTOR]);
  const requestId = await api.submitted(ISAIAH, "VISIO_PLAN2");
  const session = await open(NESTOR);
  const { page } = session;
  await signedIn(page);
  const pane = page.getByRole("region", { name: "Delegation" });
  await pane.locator("#delegations-mine-empty").waitFor();

  // Until three days from today (the server's today), starting now.
  const until = new Date(server.clock.now().getTime() + 3 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  await page.getByRole("combobox", { name: "Delegate to" }).fill("Miriam");
  await page.locator("#delegation-picker-results [role=option]", { hasText: "Miriam Graham" }).click();
  await page.getByLabel("Until (last day)").fill(until);
  await pane.getByRole("button", { name: "Delegate", exact: true }).click();
  await pane.getByRole("status").filter({ hasText: "Delegated to Miriam Graham." }).waitFor();
  const delegationRow = pane.locator("#delegations-mine tbody tr");
  await expect(delegationRow.locator("[data-field=to]").textContent()).resolves.toBe("Miriam Graham");
  await expect(delegationRow.locator("[data-field=from]").textContent()).resolves.toBe("You");
  expect(await delegationRow.getAttribute("data-state")).toBe("ACTIVE");

  // The delegate sees the delegator's requests, and a decision says on whose behalf.
  const delegate = await open(MIRIAM);
  await signedIn(delegate.page);
  for (const id of await pendingOf("VISIO_PLAN2")) await row(delegate.page, id).waitFor();
  await expect(delegate.page.locator(`#delegations-mine tbody tr [data-field=from]`).textContent()).resolves.toBe("Nestor Wilke");
  await row(delegate.page, requestId).locator("button.row-link").click();
  await delegate.page.locator("#deny").click();
  await delegate.page.locator("#details [data-field=decidedBy]", { hasText: "Miriam Graham on behalf of Nestor Wilke" }).waitFor();
  const decided = await server.gql(ADMIN, `query($id: ID!) { licenseRequest(id: $id) { status decidedBy { email } decidedOnBehalfOf { email } } }`, {
    id: requestId,
  });
  expect(decided.body.data!.licenseRequest).toEqual({ status: "DENIED", decidedBy: { email: MIRIAM }, decidedOnBehalfOf: { email: NESTOR } });

  // Cancelled by the delegator: it ends at once.
  await delegationRow.getByRole("button", { name: "Cancel the delegation from Nestor Wilke to Miriam Graham" }).click();
  await pane.getByRole("status").filter({ hasText: "Cancelled the delegation" }).waitFor();
  expect(await pane.locator("#delegations-mine tbody tr").getAttribute("data-state")).toBe("CANCELLED");
  await expect(pane.locator("#delegations-mine button.cancel").count()).resolves.toBe(0);
  await eventually(
    async () => {
      const me = await server.gql(MIRIAM, `{ me { permissions { decidesProducts { id } } } }`);
      return me.body.data!.me.permissions.decidesProducts.length === 0;
    },
    WAIT_MS,
    "the delegate's rights to end",
  );
  for (const s of [session, delegate]) {
    expectOnlyOwnOrigin(s);
    expect(s.failures).toEqual([]);
    expect(s.problems).toEqual([]);
  }
});

test("whoever manages the request process sees everyone's delegations and may cancel them", async () => {
  await setApprovers("VISIO_PLAN2", [NESTOR]);
  const made = await server.gql(
    NESTOR,
    `mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { delegation { id } userErrors { message } } }`,
    { input: { toUserId: server.ids.user(ALEX), endsAt: new Date(server.clock.now().getTime() + 5 * 24 * 60 * 60 * 1000).toISOString() } },
  );
  expect(made.body.data!.delegateApprovals.userErrors).toEqual([]);
  const session = await open(ADMIN);
  const { page } = session;
  await signedIn(page);
  const everyone = page.locator("#delegations-everyone");
  const item = everyone.locator(`tr[data-delegation-id="${made.body.data!.delegateApprovals.delegation.id}"]`);
  await expect(item.locator("[data-field=from]").textContent()).resolves.toBe("Nestor Wilke");
  await page.locator("#delegations-mine-empty").waitFor();
  await item.getByRole("button", { name: "Cancel the delegation from Nestor Wilke to Alex Wilber" }).click();
  await everyone.locator(`tr[data-state=CANCELLED]`).waitFor();
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});
