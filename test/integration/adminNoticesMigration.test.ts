/**
 * The admin-notices migration (src/db/migrations/1766300000000-AdminNotices.ts)
 * on a database made by the schema before it, with data in it: settings keep
 * their values and read IMMEDIATELY, the outbox keeps its rows and takes a
 * digest's (no request), the notice tables hold one row per key, TypeORM finds
 * nothing left to change, and down brings the schema before back. On the
 * database the suite runs on.
 */
import { DataSource } from "typeorm";
import { createDataSource, openDatabase } from "../../src/db/dataSource";
import { Initial1764000000000 } from "../../src/db/migrations/1764000000000-Initial";
import { JoinTables1765000000000 } from "../../src/db/migrations/1765000000000-JoinTables";
import { isDuplicateKeyError } from "../../src/services/shared/unitOfWork";
import { TestDatabase, createTestDatabase, undoMigrationsThrough } from "../helpers/database";

const rowsOf = (ds: DataSource, sql: string) => ds.query<Record<string, unknown>[]>(sql);
const numbers = (rows: Record<string, unknown>[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v])));
const OUTBOX_INSERT =
  "INSERT INTO outbox_email (organizationId, requestId, recipientUserId, toAddress, subject, textBody, htmlBody, attempts, createdAt, nextAttemptAt) VALUES ";

describe("the admin-notices migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const before = createDataSource(database.config);
    const old = new DataSource({ ...before.options, migrations: [Initial1764000000000, JoinTables1765000000000] });
    await old.initialize();
    await old.runMigrations();
    const statements = [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (5, 1, 'Adele', 'adele@x.example', 'USER')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'Visio', 'VISIO_PLAN2', 0, 3, 0)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES (10, 1, 1, 5, 'why', 'DENIED', 1, 1000, 2000, 1500, NULL, 'no', NULL)",
      "INSERT INTO request_process_settings (organizationId, useOwnRequestProcess, message, documentationUrl, updatedAt, updatedById) VALUES (1, 1, 'Ask IT', NULL, 1200, 5)",
      `${OUTBOX_INSERT}(1, 10, 5, 'adele@x.example', 'Your request was denied', 'text', '<p>html</p>', 1, 1500, 1500)`,
    ];
    for (const statement of statements) await old.query(statement);
    await old.destroy();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("adds the setting (IMMEDIATELY), the notice tables and a nullable outbox requestId without losing a row, leaves no schema drift, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect(
        numbers(await rowsOf(migrated, "SELECT organizationId, useOwnRequestProcess, message, updatedById, adminNotification FROM request_process_settings")),
      ).toEqual([{ organizationId: 1, useOwnRequestProcess: 1, message: "Ask IT", updatedById: 5, adminNotification: "IMMEDIATELY" }]);
      expect(numbers(await rowsOf(migrated, "SELECT id, requestId, subject, attempts, sentAt FROM outbox_email"))).toEqual([
        { id: 1, requestId: 10, subject: "Your request was denied", attempts: 1, sentAt: null },
      ]);
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);

      // A digest's email belongs to no request; one notice per request and kind; one digest per organization and day.
      await migrated.query(`${OUTBOX_INSERT}(1, NULL, 5, 'admin@x.example', 'Daily digest', 'text', '<p>html</p>', 0, 3000, 3000)`);
      await migrated.query(
        "INSERT INTO license_request_notice (requestId, kind, organizationId, mode, createdAt, sentAt) VALUES (10, 'SUBMITTED', 1, 'DAILY_DIGEST', 1000, NULL)",
      );
      await migrated.query("INSERT INTO admin_digest (organizationId, day, requestCount, createdAt) VALUES (1, 86400000, 1, 90000000)");
      const refused = async (sql: string) => {
        try {
          await migrated.query(sql);
          return false;
        } catch (error) {
          return isDuplicateKeyError(error);
        }
      };
      expect(
        await refused(
          "INSERT INTO license_request_notice (requestId, kind, organizationId, mode, createdAt, sentAt) VALUES (10, 'SUBMITTED', 1, 'OFF', 2000, NULL)",
        ),
      ).toBe(true);
      expect(await refused("INSERT INTO admin_digest (organizationId, day, requestCount, createdAt) VALUES (1, 86400000, 2, 90000001)")).toBe(true);

      await undoMigrationsThrough(migrated, "AdminNotices1766300000000");
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("request_process_settings"))!.columns.map((c) => c.name)).not.toContain("adminNotification");
      expect((await runner.getTable("outbox_email"))!.findColumnByName("requestId")!.isNullable).toBe(false);
      expect(await runner.hasTable("license_request_notice")).toBe(false);
      expect(await runner.hasTable("admin_digest")).toBe(false);
      await runner.release();
      // The decision's email stays; the digest's, which no request owns, goes.
      expect(numbers(await rowsOf(migrated, "SELECT id, requestId FROM outbox_email"))).toEqual([{ id: 1, requestId: 10 }]);
      expect(numbers(await rowsOf(migrated, "SELECT organizationId, message FROM request_process_settings"))).toEqual([
        { organizationId: 1, message: "Ask IT" },
      ]);

      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});
