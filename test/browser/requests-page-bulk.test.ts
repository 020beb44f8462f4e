/**
 * The Requests page (/requests) with security groups and bulk decisions, in
 * a real headless Chromium against a real server: the approve pane assigns
 * directly or through a group, listing the organization's groups with those
 * that cannot fulfil the request greyed out and saying why; rows ticked in
 * the list are approved or denied in one call, and each row shows its own
 * result (one refused while the others are decided).
 *
 * Every wait is bounded: Playwright's waitFor with a timeout, and
 * `eventually` for server-side conditions.
 */
import { Page } from "playwright-core";
import { GroupMemberEntity, LicenseAssignmentEntity, ProductEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
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

const suite = browserSuite();
let server: TestServer;
let api: RequestsApi;
let browser: Chromium;

beforeAll(() => {
  ({ server, api, browser } = suite);
});

/** Opens the page and waits until its subscription listens on the server. */
async function openLive(): Promise<Session> {
  const session = await browser.open(`${server.url}/requests`);
  await session.page.locator("#live[data-state=live]").waitFor();
  await eventually(() => server.service.services.tails.listenerCount() === 1, WAIT_MS, "the page's subscription");
  return session;
}

const row = (page: Page, requestId: string) => page.locator(`tr[data-request-id="${requestId}"]`);
const rowStatus = (page: Page, requestId: string, status: string) => row(page, requestId).locator(`[data-field=status] .status[data-status="${status}"]`);

async function groupIds(): Promise<Record<string, string>> {
  const res = await server.gql(ADMIN, `{ groups { nodes { id name } } }`);
  return Object.fromEntries((res.body.data!.groups.nodes as { id: string; name: string }[]).map((g) => [g.name, g.id]));
}

test("the approve pane assigns through a group: groups that cannot fulfil the request are greyed out with the reason; the approved people join the group", async () => {
  const session = await openLive();
  const { page } = session;
  const groups = await groupIds();
  const requestId = await api.submitted(ADELE, "POWER_BI_PRO", [ALEX]);
  await rowStatus(page, requestId, "PENDING").waitFor();
  await row(page, requestId).locator("button.row-link").click();
  await page.locator("#details h2", { hasText: "Power BI Pro" }).waitFor();

  await expect(page.locator("#details #assign-direct").isChecked()).resolves.toBe(true);
  await page.locator("#details #assign-group").check();
  const e5 = page.locator(`#details .groups label[data-group-id="${groups["Microsoft 365 E5 users"]}"]`);
  const unlicensed = page.locator(`#details .groups label[data-group-id="${groups["Project managers"]}"]`);
  await e5.waitFor();
  await expect(e5.locator("input").isChecked()).resolves.toBe(true);
  await expect(e5.locator("input").isDisabled()).resolves.toBe(false);
  await expect(unlicensed.locator("input").isDisabled()).resolves.toBe(true);
  await expect(unlicensed.getAttribute("class")).resolves.toBe("unavailable");
  await expect(unlicensed.textContent()).resolves.toContain("Not licensed with any product");
  // Through a group the product is the group's: no product to choose.
  await expect(page.locator("#details fieldset.products").count()).resolves.toBe(0);

  const e5Pool = await api.pool("SPE_E5");
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await rowStatus(page, requestId, "APPROVED").waitFor();
  const stored = await api.read(ADMIN, requestId);
  expect(stored).toMatchObject({ status: "APPROVED", assignedProduct: { skuPartNumber: "SPE_E5" } });
  expect(await api.pool("SPE_E5")).toEqual({ total: e5Pool.total, assigned: e5Pool.assigned + 2 });
  const groupId = localIdOf(groups["Microsoft 365 E5 users"], "Group")!;
  const assignments = await server.service.dataSource.getRepository(LicenseAssignmentEntity).findBy({ requestId: localIdOf(requestId, "LicenseRequest")! });
  expect(assignments.map((a) => a.groupId)).toEqual([groupId, groupId]);
  const members = (await server.service.dataSource.getRepository(GroupMemberEntity).findBy({ groupId })).map((m) => m.userId);
  expect(members).toEqual(expect.arrayContaining([server.ids.userRow(ADELE).id, server.ids.userRow(ALEX).id]));
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});

test("rows ticked in the list are approved or denied in one call, each row showing its own result", async () => {
  const session = await openLive();
  const { page } = session;
  const ids = [await api.submitted(MEGAN, "VISIO_PLAN2"), await api.submitted(LEE, "VISIO_PLAN2"), await api.submitted(NESTOR, "POWER_BI_PRO")];
  for (const id of ids) await rowStatus(page, id, "PENDING").waitFor();
  // One Visio license left: of the two Visio approvals the first gets it, the second is refused.
  const products = server.service.dataSource.getRepository(ProductEntity);
  const visio = server.ids.productRow("VISIO_PLAN2");
  const pool = await api.pool("VISIO_PLAN2");
  await products.update({ id: visio.id }, { totalLicenses: pool.assigned + 1 });
  try {
    await expect(page.locator("#bulk").isHidden()).resolves.toBe(true);
    for (const id of ids.slice(0, 2)) await row(page, id).locator("input.bulk-select").check();
    await page.locator("#bulk-count", { hasText: "2 selected" }).waitFor();
    // Ticking a row does not open it.
    await expect(page.locator("#details").isHidden()).resolves.toBe(true);
    await page.getByRole("button", { name: "Approve selected" }).click();

    await rowStatus(page, ids[0], "APPROVED").waitFor();
    await row(page, ids[0]).locator("[data-field=result]", { hasText: "Approved" }).waitFor();
    await row(page, ids[1]).locator("[data-field=result].bulk-error", { hasText: "Visio Plan 2 has 0 available licenses" }).waitFor();
    await expect(rowStatus(page, ids[1], "PENDING").count()).resolves.toBe(1);
    await expect(api.read(ADMIN, ids[1])).resolves.toMatchObject({ status: "PENDING" });
    // The refused row stays ticked; the decided one is done.
    await expect(row(page, ids[1]).locator("input.bulk-select").isChecked()).resolves.toBe(true);
    await expect(row(page, ids[0]).locator("input.bulk-select").count()).resolves.toBe(0);

    await row(page, ids[2]).locator("input.bulk-select").check();
    await page.locator("#bulk-count", { hasText: "2 selected" }).waitFor();
    await page.getByRole("button", { name: "Deny selected" }).click();
    for (const id of ids.slice(1)) {
      await rowStatus(page, id, "DENIED").waitFor();
      await row(page, id).locator("[data-field=result]", { hasText: "Denied" }).waitFor();
      await expect(api.read(ADMIN, id)).resolves.toMatchObject({ status: "DENIED" });
    }
    await expect(page.locator("#bulk").isHidden()).resolves.toBe(true);
  } finally {
    await products.update({ id: visio.id }, { totalLicenses: pool.total });
  }
  expectOnlyOwnOrigin(session);
  expect(session.failures).toEqual([]);
  expect(session.problems).toEqual([]);
});
