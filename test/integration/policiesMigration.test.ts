/**
 * The policies migration (src/db/migrations/1766800000000-Policies.ts) on a
 * database made by the migrations before it, with a person, a product and a
 * license: the tables and columns are made exactly as the entities say
 * (TypeORM finds nothing left to change), the license is held and lasts, a
 * reclaimed license no longer blocks a new one of the same product, and down
 * and up again end where they began. On the database the suite runs on.
 */
import { openDatabase } from "../../src/db/dataSource";
import { TestDatabase, createTestDatabase, migratedUpTo, undoMigrationsThrough } from "../helpers/database";

describe("the policies migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "Policies1766800000000", [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (1, 1, 'Admin', 'admin@x.example', 'GLOBAL_ADMIN')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'Visio', 'VISIO', 0, 5, 1)",
      "INSERT INTO license_assignment (id, organizationId, userId, productId, assignedAt) VALUES (1, 1, 1, 1, 1000)",
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("makes what the entities describe, keeps licenses held and lasting, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      const [license] = await migrated.query("SELECT held, expiresAt, reclaimedAt, expiryNoticesDone FROM license_assignment WHERE id = 1");
      expect({ held: Number(license.held), expiresAt: license.expiresAt, reclaimedAt: license.reclaimedAt, done: Number(license.expiryNoticesDone) }).toEqual({
        held: 1,
        expiresAt: null,
        reclaimedAt: null,
        done: 0,
      });
      const [user] = await migrated.query("SELECT managerId FROM app_user WHERE id = 1");
      expect(user.managerId).toBeNull();
      // A second held license of the same product is refused; once the first is reclaimed, it is not.
      await expect(migrated.query("INSERT INTO license_assignment (organizationId, userId, productId, assignedAt) VALUES (1, 1, 1, 2000)")).rejects.toThrow();
      await migrated.query("UPDATE license_assignment SET held = NULL, reclaimedAt = 1500 WHERE id = 1");
      await migrated.query("INSERT INTO license_assignment (organizationId, userId, productId, assignedAt) VALUES (1, 1, 1, 2000)");

      await undoMigrationsThrough(migrated, "Policies1766800000000");
      const runner = migrated.createQueryRunner();
      for (const table of ["license_request_policy", "license_request_policy_change"]) expect(await runner.hasTable(table)).toBe(false);
      expect(await runner.hasColumn("license_assignment", "expiresAt")).toBe(false);
      expect(await runner.hasColumn("app_user", "managerId")).toBe(false);
      await runner.release();
      // The reclaimed license went with the column that told it apart; the held one stays.
      expect((await migrated.query("SELECT assignedAt FROM license_assignment")).map((r: { assignedAt: unknown }) => Number(r.assignedAt))).toEqual([2000]);
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
