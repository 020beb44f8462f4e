/**
 * The groups migration (src/db/migrations/1766100000000-Groups.ts) on a
 * database made by the migrations before it, with assignments that other rows
 * refer to: the group tables arrive, every assignment keeps its row (and the
 * references to it) with no group, TypeORM finds nothing left to change, and
 * down brings the schema back as it was. On the database the suite runs on.
 */
import { DataSource } from "typeorm";
import { createDataSource, openDatabase } from "../../src/db/dataSource";
import { Initial1764000000000 } from "../../src/db/migrations/1764000000000-Initial";
import { JoinTables1765000000000 } from "../../src/db/migrations/1765000000000-JoinTables";
import { TestDatabase, createTestDatabase, undoMigrationsThrough } from "../helpers/database";

const rowsOf = async (ds: DataSource, sql: string) =>
  (await ds.query<Record<string, unknown>[]>(sql)).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v])),
  );

describe("the groups migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const before = createDataSource(database.config);
    const old = new DataSource({ ...before.options, migrations: [Initial1764000000000, JoinTables1765000000000] });
    await old.initialize();
    await old.runMigrations();
    const statements = [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      ...[5, 6].map((id) => `INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (${id}, 1, 'U${id}', 'u${id}@x.example', 'USER')`),
      "INSERT INTO service_plan (id, organizationId, name, servicePlanName) VALUES (1, 1, 'P1', 'PLAN_1')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'E5', 'SPE_E5', 0, 10, 2)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES (10, 1, 1, 5, NULL, 'APPROVED', 1, 1000, 2000, 1500, 5, NULL, 1)",
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt, requestId) VALUES (30, 1, 5, 1, 1500, 10)",
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt, requestId) VALUES (31, 1, 6, 1, 900, NULL)",
      "INSERT INTO license_request_recipient (requestId, userId, organizationId, position, decision, pendingProductId, assignmentId) VALUES (10, 5, 1, 0, 'APPROVED', NULL, 30)",
      "INSERT INTO assignment_disabled_plan (assignmentId, servicePlanId, organizationId) VALUES (30, 1, 1)",
    ];
    for (const statement of statements) await old.query(statement);
    await old.destroy();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("adds the group tables and an empty groupId to every assignment, keeps the references to them, leaves no drift; down restores the schema", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect(await rowsOf(migrated, "SELECT id, userId, productId, assignedAt, requestId, groupId FROM license_assignment ORDER BY id")).toEqual([
        { id: 30, userId: 5, productId: 1, assignedAt: 1500, requestId: 10, groupId: null },
        { id: 31, userId: 6, productId: 1, assignedAt: 900, requestId: null, groupId: null },
      ]);
      expect(await rowsOf(migrated, "SELECT assignmentId FROM license_request_recipient")).toEqual([{ assignmentId: 30 }]);
      expect(await rowsOf(migrated, "SELECT assignmentId, servicePlanId FROM assignment_disabled_plan")).toEqual([{ assignmentId: 30, servicePlanId: 1 }]);
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);

      // The new keys hold: a member of a group that does not exist is refused, as is an assignment through one.
      await migrated.query("INSERT INTO security_group (id, organizationId, name) VALUES (1, 1, 'E5 users')");
      await migrated.query("INSERT INTO group_member (groupId, userId, organizationId) VALUES (1, 5, 1)");
      await migrated.query("INSERT INTO group_licensed_product (groupId, productId, organizationId) VALUES (1, 1, 1)");
      await migrated.query("UPDATE license_assignment SET groupId = 1 WHERE id = 30");
      await expect(migrated.query("INSERT INTO group_member (groupId, userId, organizationId) VALUES (99, 6, 1)")).rejects.toThrow();
      await expect(migrated.query("UPDATE license_assignment SET groupId = 99 WHERE id = 31")).rejects.toThrow();
      // The unique index of a user's product is back.
      await expect(
        migrated.query("INSERT INTO license_assignment (organizationId, userId, productId, assignedAt, requestId) VALUES (1, 6, 1, 1, NULL)"),
      ).rejects.toThrow();
      await migrated.query("UPDATE license_assignment SET groupId = NULL");
      for (const table of ["group_licensed_product", "group_member", "security_group"]) await migrated.query(`DELETE FROM ${table}`);

      await undoMigrationsThrough(migrated, "Groups1766100000000");
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("license_assignment"))!.columns.map((c) => c.name)).not.toContain("groupId");
      expect(await runner.hasTable("security_group")).toBe(false);
      await runner.release();
      expect(await rowsOf(migrated, "SELECT id, requestId FROM license_assignment ORDER BY id")).toEqual([
        { id: 30, requestId: 10 },
        { id: 31, requestId: null },
      ]);
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
