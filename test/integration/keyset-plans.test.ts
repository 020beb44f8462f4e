/**
 * Every list pages through an index, on both databases: the statement of a
 * page past a cursor (src/services/shared/keyset.ts) is planned as a seek of
 * the list's index to the cursor, in the list's order, never as a scan of the
 * table or a sort. SQLite says so in EXPLAIN QUERY PLAN (`SEARCH … USING INDEX
 * ix (organizationId=? AND sort>?)`, no `TEMP B-TREE`); MySQL/MariaDB in
 * EXPLAIN (`range` on the index, no filesort).
 */
import type { DataSource } from "typeorm";
import { isMysqlFamily } from "../../src/db/dataSource";
import { groupsList, membersList } from "../../src/services/groups/directory";
import { deliveriesList } from "../../src/services/webhooks/loaders";
import { historyList } from "../../src/services/history/history";
import { LicenseRequestQueries } from "../../src/services/licenseRequests/queries";
import { KeysetList, keysetPage } from "../../src/services/shared/keyset";
import { searchPattern } from "../../src/services/shared/text";
import { viewerOf } from "../../src/services/shared/viewer";
import { peopleList } from "../../src/services/users/directory";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { OrganizationSeed, seedOrganization } from "../helpers/seed";

describe("the plan of every list's page", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let org: OrganizationSeed;
  let admin: Awaited<ReturnType<OrganizationSeed["user"]>>;
  let groupId: number;
  let productId: number;
  const now = new Date("2026-12-01T12:00:00Z");

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open();
    // Two organizations, so that the organization's prefix of each index selects something.
    for (const seeded of [await seedOrganization(dataSource), (org = await seedOrganization(dataSource))]) {
      const people = [];
      for (let i = 0; i < 12; i++) people.push(await seeded.user());
      const product = await seeded.product();
      const group = await seeded.group({ licensedWith: [product], members: people.slice(0, 6) });
      for (let i = 0; i < 12; i++) {
        const request = await seeded.request({
          requester: people[i],
          product,
          status: i % 3 === 0 ? "PENDING" : "DENIED",
          requestedAt: new Date(now.getTime() - i * 60_000),
        });
        await seeded.decision({ request, action: "DENIED", actor: people[0], at: new Date(now.getTime() - i * 60_000) });
      }
      if (seeded === org) {
        groupId = group.id;
        productId = product.id;
      }
    }
    admin = await org.user({ role: "GLOBAL_ADMIN" });
    await dataSource.query(isMysqlFamily(dataSource) ? "ANALYZE TABLE `license_request`, `app_user`, `security_group`, `decision_record`" : "ANALYZE");
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const requests = () => new LicenseRequestQueries(dataSource);
  const adminViewer = () => viewerOf(admin, null);

  /** The statement of the page after a cursor in the middle of `list`. */
  function pageAfter(list: KeysetList, sort: number | string) {
    return keysetPage(list, { direction: "forward", size: 5, cursor: { sort, id: 1_000_000 }, bound: null }, isMysqlFamily(dataSource));
  }

  async function expectSeek(list: KeysetList, sort: number | string, sortColumn: string) {
    const page = pageAfter(list, sort);
    if (isMysqlFamily(dataSource)) {
      const plan = await dataSource.query<{ table: string; type: string; key: string | null; Extra: string | null }[]>(`EXPLAIN ${page.sql}`, page.parameters);
      const own = plan.find((row) => row.table === list.alias)!;
      expect({ type: own.type, key: own.key }).toEqual({ type: "range", key: list.index });
      expect(plan.map((row) => row.Extra ?? "").join(" ")).not.toMatch(/filesort|temporary/i);
    } else {
      const plan = await dataSource.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${page.sql}`, page.parameters);
      const details = plan.map((row) => row.detail);
      expect(details.join("\n")).not.toMatch(/TEMP B-TREE|SCAN/);
      const own = details.find((detail) => detail.startsWith(`SEARCH ${list.alias} `))!;
      expect(own).toMatch(new RegExp(`USING (COVERING )?INDEX ${list.index} `));
      expect(own).toMatch(new RegExp(`${sortColumn}[<>]\\?`));
    }
  }

  it("an admin's requests, all of them", async () => {
    await expectSeek(requests().listOf(adminViewer(), null, "DESC", now)!, now.getTime() - 5 * 60_000, "requestedAt");
  });

  it("an admin's pending requests (the Requests tab), oldest first too", async () => {
    const filter = { state: "PENDING" as const };
    await expectSeek(requests().listOf(adminViewer(), filter, "DESC", now)!, now.getTime() - 5 * 60_000, "requestedAt");
    await expectSeek(requests().listOf(adminViewer(), filter, "ASC", now)!, now.getTime() - 5 * 60_000, "requestedAt");
  });

  it("an admin's requests of one product", async () => {
    await expectSeek(requests().listOf(adminViewer(), { productId }, "DESC", now)!, now.getTime() - 5 * 60_000, "requestedAt");
  });

  it("the decision history", async () => {
    await expectSeek(historyList(org.organization.id), now.getTime() - 5 * 60_000, "at");
  });

  it("the people picker, with and without a search", async () => {
    await expectSeek(peopleList(org.organization.id, null), "Person m", "displayName");
    await expectSeek(peopleList(org.organization.id, searchPattern("person")), "Person m", "displayName");
  });

  it("the groups, with and without a search", async () => {
    await expectSeek(groupsList(org.organization.id, null), "Group m", "name");
    await expectSeek(groupsList(org.organization.id, searchPattern("group")), "Group m", "name");
  });

  it("an endpoint's webhook deliveries, newest first", async () => {
    for (let i = 0; i < 24; i++) {
      await dataSource.query(
        "INSERT INTO license_request_event (organizationId, seq, requestId, productId, kind, status, actorId, at) VALUES (?, ?, 1, ?, 'SUBMITTED', 'PENDING', NULL, ?)",
        [org.organization.id, i + 1, productId, now.getTime() - i * 60_000],
      );
    }
    const [first] = await dataSource.query<{ id: number }[]>("SELECT MIN(id) AS id FROM license_request_event");
    for (const endpointId of [1, 2]) {
      for (let i = 0; i < 12; i++) {
        await dataSource.query(
          "INSERT INTO webhook_delivery (organizationId, endpointId, eventId, status, attempts, createdAt, nextAttemptAt) VALUES (?, ?, ?, 'DELIVERED', 1, ?, NULL)",
          [org.organization.id, endpointId, Number(first.id) + i, now.getTime() - i * 60_000],
        );
      }
    }
    await dataSource.query(isMysqlFamily(dataSource) ? "ANALYZE TABLE `webhook_delivery`, `license_request_event`" : "ANALYZE");
    await expectSeek(deliveriesList({ id: 2, organizationId: org.organization.id }), now.getTime() - 5 * 60_000, "createdAt");
  });

  it("a group's members", async () => {
    await expectSeek(membersList({ id: groupId, organizationId: org.organization.id }), "Person m", "displayName");
  });
});
