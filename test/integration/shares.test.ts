/**
 * The second-opinion migration (src/db/migrations/1766200000000-Shares.ts) on
 * the database the suite runs on: its tables are exactly what the entities
 * say (no schema drift), a link's hash and a share's answer are unique, the
 * foreign keys hold, and down removes the tables (up brings them back).
 */
import { DataSource } from "typeorm";
import { LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "../../src/entities";
import { createTestDatabase, TestDatabase, undoMigrationsThrough } from "../helpers/database";

describe("the second-opinion migration", () => {
  let database: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await database.open();
    for (const statement of [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (5, 1, 'U5', 'u5@x.example', 'GLOBAL_ADMIN')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (6, 1, 'U6', 'u6@x.example', 'USER')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'E5', 'SPE_E5', 0, 10, 2)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES (10, 1, 1, 6, NULL, 'PENDING', 1, 1000, 2000, NULL, NULL, NULL, NULL)",
    ]) {
      await ds.query(statement);
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await database?.drop();
  });

  const share = (id: number, tokenHash: string, requestId = 10) => ({
    id,
    organizationId: 1,
    requestId,
    sharedWithId: 6,
    sharedById: 5,
    sharedAt: new Date(1000),
    expiresAt: new Date(2000),
    tokenHash,
    subject: null,
    message: null,
    usedAt: null,
  });
  const answer = (id: number, shareId: number) => ({
    id,
    organizationId: 1,
    requestId: 10,
    shareId,
    byId: 6,
    verdict: "APPROVE" as const,
    comment: null,
    at: new Date(1500),
  });

  it("leaves no schema drift, keeps hashes and answers unique and references whole, and goes down and up again", async () => {
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
    const shares = ds.getRepository(LicenseRequestShareEntity);
    const answers = ds.getRepository(LicenseRequestRecommendationEntity);
    await shares.insert(share(1, "a".repeat(64)));
    await expect(shares.insert(share(2, "a".repeat(64)))).rejects.toThrow();
    await expect(shares.insert(share(3, "b".repeat(64), 999))).rejects.toThrow();
    await answers.insert(answer(1, 1));
    await expect(answers.insert(answer(2, 1))).rejects.toThrow();
    expect(await answers.count()).toBe(1);

    await undoMigrationsThrough(ds, "Shares1766200000000");
    const runner = ds.createQueryRunner();
    expect(await runner.hasTable("license_request_share")).toBe(false);
    expect(await runner.hasTable("license_request_recommendation")).toBe(false);
    await runner.release();
    await ds.runMigrations({ transaction: "each" });
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });
});
