/**
 * The webhooks migration (src/db/migrations/1766610000000-Webhooks.ts) on a
 * database made by the migrations before it: the tables are made exactly as
 * the entities say (TypeORM finds nothing left to change), the delivery's
 * unique key holds, and down removes both tables and up brings them back. On
 * the database the suite runs on.
 */
import { openDatabase } from "../../src/db/dataSource";
import { TestDatabase, createTestDatabase, migratedUpTo, undoMigrationsThrough } from "../helpers/database";

describe("the webhooks migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "Webhooks1766610000000", ["INSERT INTO organization (id, name) VALUES (1, 'Contoso')"]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("makes the tables the entities describe, keeps one delivery per endpoint and entry, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      await migrated.query(
        "INSERT INTO webhook_endpoint (id, organizationId, url, description, kinds, enabled, secretCipher, createdAt) VALUES (1, 1, 'https://x.example/h', NULL, 0, 1, 'v1.a.b.c', 1000)",
      );
      const delivery =
        "INSERT INTO webhook_delivery (organizationId, endpointId, eventId, status, attempts, createdAt, nextAttemptAt) VALUES (1, 1, 7, 'PENDING', 0, 1000, 1000)";
      await migrated.query(delivery);
      await expect(migrated.query(delivery)).rejects.toThrow();

      await undoMigrationsThrough(migrated, "Webhooks1766610000000");
      const runner = migrated.createQueryRunner();
      expect(await runner.hasTable("webhook_endpoint")).toBe(false);
      expect(await runner.hasTable("webhook_delivery")).toBe(false);
      await runner.release();
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
