/**
 * The share-revocation migration (src/db/migrations/1766530000000-ShareRevocation.ts)
 * on a database made by the migrations before it, with a share and its answer:
 * every share reads as not withdrawn, the answer keeps its reference, TypeORM
 * finds nothing left to change, and down keeps a withdrawn link dead (its
 * expiry becomes the time it was withdrawn) before the column goes. On the
 * database the suite runs on.
 */
import { openDatabase } from "../../src/db/dataSource";
import { TestDatabase, createTestDatabase, migratedUpTo, numericRows, undoMigrationsThrough } from "../helpers/database";

const rowsOf = numericRows;
const SHARE_INSERT =
  "INSERT INTO license_request_share (id, organizationId, requestId, sharedWithId, sharedById, sharedAt, expiresAt, tokenHash, subject, message, usedAt) VALUES ";

describe("the share-revocation migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "ShareRevocation1766530000000", [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (5, 1, 'Admin', 'admin@x.example', 'GLOBAL_ADMIN')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (6, 1, 'Adele', 'adele@x.example', 'USER')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'Visio', 'VISIO_PLAN2', 0, 3, 0)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES (10, 1, 1, 6, NULL, 'PENDING', 1, 1000, 90000, NULL, NULL, NULL, NULL)",
      `${SHARE_INSERT}(1, 1, 10, 6, 5, 1000, 50000, '${"a".repeat(64)}', NULL, 'Your view?', 1500)`,
      `${SHARE_INSERT}(2, 1, 10, 6, 5, 1000, 50000, '${"b".repeat(64)}', NULL, NULL, NULL)`,
      "INSERT INTO license_request_recommendation (id, organizationId, requestId, shareId, byId, verdict, comment, at) VALUES (1, 1, 10, 1, 6, 'APPROVE', NULL, 1500)",
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("adds an empty revokedAt to every share, keeps the answers' references, leaves no drift; down keeps a withdrawn link expired", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect(await rowsOf(migrated, "SELECT id, usedAt, revokedAt, expiresAt FROM license_request_share ORDER BY id")).toEqual([
        { id: 1, usedAt: 1500, revokedAt: null, expiresAt: 50000 },
        { id: 2, usedAt: null, revokedAt: null, expiresAt: 50000 },
      ]);
      expect(await rowsOf(migrated, "SELECT id, shareId FROM license_request_recommendation")).toEqual([{ id: 1, shareId: 1 }]);
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      // The answer still refers to a share that exists.
      await expect(
        migrated.query(
          "INSERT INTO license_request_recommendation (organizationId, requestId, shareId, byId, verdict, comment, at) VALUES (1, 10, 99, 6, 'DENY', NULL, 1)",
        ),
      ).rejects.toThrow();

      await migrated.query("UPDATE license_request_share SET revokedAt = 2000 WHERE id = 2");
      await undoMigrationsThrough(migrated, "ShareRevocation1766530000000");
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("license_request_share"))!.columns.map((c) => c.name)).not.toContain("revokedAt");
      await runner.release();
      expect(await rowsOf(migrated, "SELECT id, usedAt, expiresAt FROM license_request_share ORDER BY id")).toEqual([
        { id: 1, usedAt: 1500, expiresAt: 50000 },
        { id: 2, usedAt: null, expiresAt: 2000 },
      ]);
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
