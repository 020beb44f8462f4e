/**
 * The decision-group migration (src/db/migrations/1766540000000-DecisionGroup.ts)
 * on a database made by the migrations before it, with history entries that
 * other rows refer to: an approval recorded through a group gets the group
 * its request's assignments came through, every other entry none, the people
 * and plans of each entry keep their references, the new key holds, TypeORM
 * finds nothing left to change, and down brings the schema back as it was.
 * On the database the suite runs on.
 */
import { openDatabase } from "../../src/db/dataSource";
import { TestDatabase, createTestDatabase, migratedUpTo, numericRows, undoMigrationsThrough } from "../helpers/database";

const rowsOf = numericRows;
const REQUEST_INSERT =
  "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES ";
const DECISION_INSERT = "INSERT INTO decision_record (id, organizationId, requestId, action, actorId, at, productId, message) VALUES ";

describe("the decision-group migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "DecisionGroup1766540000000", [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (5, 1, 'Admin', 'admin@x.example', 'GLOBAL_ADMIN')",
      ...[6, 7, 8].map((id) => `INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (${id}, 1, 'U${id}', 'u${id}@x.example', 'USER')`),
      "INSERT INTO service_plan (id, organizationId, name, servicePlanName) VALUES (1, 1, 'P1', 'PLAN_1')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'E5', 'SPE_E5', 0, 10, 3)",
      "INSERT INTO security_group (id, organizationId, name) VALUES (1, 1, 'E5 users')",
      // 10: approved through the group, 11: partially approved directly, 12: denied.
      `${REQUEST_INSERT}(10, 1, 1, 6, NULL, 'APPROVED', 2, 1000, 90000, 1500, 5, NULL, 1)`,
      `${REQUEST_INSERT}(11, 1, 1, 8, NULL, 'PARTIALLY_APPROVED', 1, 1000, 90000, 1600, 5, NULL, 1)`,
      `${REQUEST_INSERT}(12, 1, 1, 8, NULL, 'DENIED', 1, 1000, 90000, 1700, 5, 'No.', NULL)`,
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt, requestId, groupId) VALUES (30, 1, 6, 1, 1500, 10, 1)",
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt, requestId, groupId) VALUES (31, 1, 7, 1, 1500, 10, 1)",
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt, requestId, groupId) VALUES (32, 1, 8, 1, 1600, 11, NULL)",
      `${DECISION_INSERT}(1, 1, 10, 'APPROVED', 5, 1500, 1, NULL)`,
      `${DECISION_INSERT}(2, 1, 11, 'PARTIALLY_APPROVED', 5, 1600, 1, NULL)`,
      `${DECISION_INSERT}(3, 1, 12, 'DENIED', 5, 1700, NULL, 'No.')`,
      "INSERT INTO decision_record_user (decisionId, userId, organizationId, outcome, position) VALUES (1, 6, 1, 'APPROVED', 0), (1, 7, 1, 'APPROVED', 1), (3, 8, 1, 'DENIED', 0)",
      "INSERT INTO decision_record_disabled_plan (decisionId, servicePlanId, organizationId, position) VALUES (2, 1, 1, 0)",
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("gives an approval through a group its group and every other entry none, keeps the references to the entries, leaves no drift; down restores the schema", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect(await rowsOf(migrated, "SELECT id, requestId, action, actorId, at, productId, message, groupId FROM decision_record ORDER BY id")).toEqual([
        { id: 1, requestId: 10, action: "APPROVED", actorId: 5, at: 1500, productId: 1, message: null, groupId: 1 },
        { id: 2, requestId: 11, action: "PARTIALLY_APPROVED", actorId: 5, at: 1600, productId: 1, message: null, groupId: null },
        { id: 3, requestId: 12, action: "DENIED", actorId: 5, at: 1700, productId: null, message: "No.", groupId: null },
      ]);
      expect(await rowsOf(migrated, "SELECT decisionId, userId FROM decision_record_user ORDER BY decisionId, position")).toEqual([
        { decisionId: 1, userId: 6 },
        { decisionId: 1, userId: 7 },
        { decisionId: 3, userId: 8 },
      ]);
      expect(await rowsOf(migrated, "SELECT decisionId, servicePlanId FROM decision_record_disabled_plan")).toEqual([{ decisionId: 2, servicePlanId: 1 }]);
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);

      // The keys hold: an entry through a group that does not exist is refused, as are people of an entry that does not exist.
      await expect(migrated.query("UPDATE decision_record SET groupId = 99 WHERE id = 2")).rejects.toThrow();
      await expect(
        migrated.query("INSERT INTO decision_record_user (decisionId, userId, organizationId, outcome, position) VALUES (99, 6, 1, 'APPROVED', 0)"),
      ).rejects.toThrow();
      // New entries take the next ID.
      await migrated.query(`${DECISION_INSERT.replace("(id, ", "(")}(1, 12, 'DENIED', 5, 1800, NULL, NULL)`);
      expect(await rowsOf(migrated, "SELECT MAX(id) AS id FROM decision_record")).toEqual([{ id: 4 }]);

      await undoMigrationsThrough(migrated, "DecisionGroup1766540000000");
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("decision_record"))!.columns.map((c) => c.name)).not.toContain("groupId");
      await runner.release();
      expect(await rowsOf(migrated, "SELECT id, requestId FROM decision_record ORDER BY id")).toEqual([
        { id: 1, requestId: 10 },
        { id: 2, requestId: 11 },
        { id: 3, requestId: 12 },
        { id: 4, requestId: 12 },
      ]);
      await expect(
        migrated.query("INSERT INTO decision_record_user (decisionId, userId, organizationId, outcome, position) VALUES (99, 6, 1, 'APPROVED', 0)"),
      ).rejects.toThrow();
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      expect(await rowsOf(migrated, "SELECT id, groupId FROM decision_record ORDER BY id")).toEqual([
        { id: 1, groupId: 1 },
        { id: 2, groupId: null },
        { id: 3, groupId: null },
        { id: 4, groupId: null },
      ]);
    } finally {
      await migrated.destroy();
    }
  });
});
