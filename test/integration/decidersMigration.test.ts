/**
 * The deciders migration (src/db/migrations/1766700000000-Deciders.ts) on a
 * database made by the migrations before it, with an owed email holding a
 * secret: the tables and columns are made exactly as the entities say
 * (TypeORM finds nothing left to change), the owed email keeps its secret,
 * settings read 30 days and links on, and down and up again end where they
 * began. On the database the suite runs on.
 */
import { openDatabase } from "../../src/db/dataSource";
import { TestDatabase, createTestDatabase, migratedUpTo, undoMigrationsThrough } from "../helpers/database";

describe("the deciders migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "Deciders1766700000000", [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (1, 1, 'Admin', 'admin@x.example', 'GLOBAL_ADMIN')",
      "INSERT INTO request_process_settings (organizationId, useOwnRequestProcess, adminNotification) VALUES (1, 0, 'IMMEDIATELY')",
      "INSERT INTO outbox_email (organizationId, requestId, recipientUserId, toAddress, subject, textBody, htmlBody, attempts, createdAt, nextAttemptAt, secret) " +
        "VALUES (1, NULL, 1, 'admin@x.example', 'Hi', 'a {{secret:0}}', 'a', 0, 1, 1, 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')",
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("makes what the entities describe, keeps owed secrets and the settings' meaning, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      const [settings] = await migrated.query("SELECT requestLifetimeDays, decisionLinksInEmail FROM request_process_settings WHERE organizationId = 1");
      expect({ days: Number(settings.requestLifetimeDays), links: Number(settings.decisionLinksInEmail) }).toEqual({ days: 30, links: 1 });
      const [owed] = await migrated.query("SELECT secret FROM outbox_email");
      expect(owed.secret).toBe("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
      await migrated.query(`UPDATE outbox_email SET secret = '${"s".repeat(43)} ${"t".repeat(43)} ${"u".repeat(43)} ${"v".repeat(43)}'`);
      await migrated.query("INSERT INTO product_approver (productId, userId, organizationId, position) SELECT 1, 1, 1, 0 WHERE 1 = 0");

      await undoMigrationsThrough(migrated, "Deciders1766700000000");
      const runner = migrated.createQueryRunner();
      for (const table of ["product_approver", "approval_delegation", "decision_link"]) expect(await runner.hasTable(table)).toBe(false);
      expect(await runner.hasColumn("license_request", "decidedOnBehalfOfId")).toBe(false);
      await runner.release();
      // Several secrets do not fit the old column: that owed email loses its links rather than the migration failing.
      expect((await migrated.query("SELECT secret FROM outbox_email"))[0].secret).toBeNull();
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
