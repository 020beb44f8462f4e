/**
 * The outbox-secrets migration (src/db/migrations/1766520000000-OutboxSecrets.ts)
 * on a database made by the migrations before it, holding share emails
 * written the old way (the link's secret in the bodies): a sent one keeps no
 * usable link, an owed one keeps its secret in the new column only and is
 * still delivered with its link, other emails stay as they were, TypeORM finds
 * nothing left to change, and down puts an owed email's secret back into its
 * bodies. On the database the suite runs on.
 */
import { DataSource } from "typeorm";
import { openDatabase } from "../../src/db/dataSource";
import { OutboxDispatcher } from "../../src/infra/outbox";
import { ManualClock } from "../../src/services/shared/clock";
import { secretPlaceholder } from "../../src/services/shared/outbox";
import { Database } from "../../src/services/shared/unitOfWork";
import { TestDatabase, createTestDatabase, migratedUpTo, numericRows, undoMigrationsThrough } from "../helpers/database";
import { mailbox } from "../helpers/mailbox";

const SENT_TOKEN = "S".repeat(20) + "sent_secret-" + "s".repeat(11);
const OWED_TOKEN = "O".repeat(20) + "owed_secret-" + "o".repeat(11);
const link = (token: string) => `https://licenses.example/recommend?token=${token}`;
const OUTBOX_INSERT =
  "INSERT INTO outbox_email (id, organizationId, requestId, recipientUserId, toAddress, subject, textBody, htmlBody, attempts, createdAt, nextAttemptAt, sentAt) VALUES ";
const shareEmail = (id: number, token: string, sentAt: number | null) =>
  `${OUTBOX_INSERT}(${id}, 1, 10, 5, 'adele@x.example', 'Your opinion?', 'Answer here: ${link(token)}', '<p><a href="${link(token)}">Answer here</a></p>', ${
    sentAt === null ? 0 : 1
  }, 1000, 1000, ${sentAt ?? "NULL"})`;

const rowsOf = numericRows;
/** Every column of every outbox row, as one text to search. */
const outboxText = async (ds: DataSource) => JSON.stringify(await ds.query("SELECT * FROM outbox_email"));

describe("the outbox-secrets migration", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migratedUpTo(database, "OutboxSecrets1766520000000", [
      "INSERT INTO organization (id, name) VALUES (1, 'Contoso')",
      "INSERT INTO app_user (id, organizationId, displayName, email, role) VALUES (5, 1, 'Adele', 'adele@x.example', 'USER')",
      "INSERT INTO product (id, organizationId, name, skuPartNumber, selfServicePurchaseAllowed, totalLicenses, assignedLicenses) VALUES (1, 1, 'Visio', 'VISIO_PLAN2', 0, 3, 0)",
      "INSERT INTO license_request (id, organizationId, productId, requesterId, justification, status, recipientCount, requestedAt, expiresAt, decidedAt, decidedById, decisionMessage, assignedProductId) VALUES (10, 1, 1, 5, 'why', 'PENDING', 1, 1000, 2000, NULL, NULL, NULL, NULL)",
      shareEmail(1, SENT_TOKEN, 1500),
      shareEmail(2, OWED_TOKEN, null),
      `${OUTBOX_INSERT}(3, 1, 10, 5, 'adele@x.example', 'Your request was denied', 'See https://licenses.example/requests', '<p>html</p>', 0, 1000, 1000, NULL)`,
    ]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("keeps no usable link in a sent email, keeps an owed one's secret apart until delivery, leaves no drift, and goes down and up again", async () => {
    const migrated = await openDatabase(database.config);
    try {
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      expect(await outboxText(migrated)).not.toContain(SENT_TOKEN);
      expect(await rowsOf(migrated, "SELECT id, textBody, secret FROM outbox_email ORDER BY id")).toEqual([
        { id: 1, textBody: `Answer here: ${link(secretPlaceholder(SENT_TOKEN))}`, secret: null },
        { id: 2, textBody: `Answer here: ${link(secretPlaceholder(OWED_TOKEN))}`, secret: OWED_TOKEN },
        { id: 3, textBody: "See https://licenses.example/requests", secret: null },
      ]);
      expect((await rowsOf(migrated, "SELECT htmlBody FROM outbox_email WHERE id = 2"))[0].htmlBody).toBe(
        `<p><a href="${link(secretPlaceholder(OWED_TOKEN))}">Answer here</a></p>`,
      );

      // Down: the owed email reads as before; the sent one's secret is gone for good.
      await undoMigrationsThrough(migrated, "OutboxSecrets1766520000000");
      const runner = migrated.createQueryRunner();
      expect((await runner.getTable("outbox_email"))!.columns.map((c) => c.name)).not.toContain("secret");
      await runner.release();
      expect(await rowsOf(migrated, "SELECT id, textBody FROM outbox_email WHERE id < 3 ORDER BY id")).toEqual([
        { id: 1, textBody: `Answer here: ${link(secretPlaceholder(SENT_TOKEN))}` },
        { id: 2, textBody: `Answer here: ${link(OWED_TOKEN)}` },
      ]);
      await migrated.runMigrations({ transaction: "each" });
      expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);

      // The owed email goes out with its link, and then no row holds the secret.
      const mail = mailbox();
      const clock = new ManualClock(Date.parse("2026-11-24T12:00:00.000Z"));
      const dispatcher = new OutboxDispatcher(new Database(migrated), mail.transport, clock, { from: "test@x.example", pollIntervalMs: 60_000 });
      expect(await dispatcher.deliverDue()).toBe(2);
      const owed = mail.delivered.find((email) => email.subject === "Your opinion?")!;
      expect(owed.text).toBe(`Answer here: ${link(OWED_TOKEN)}`);
      expect(owed.html).toBe(`<p><a href="${link(OWED_TOKEN)}">Answer here</a></p>`);
      expect(await outboxText(migrated)).not.toContain(OWED_TOKEN);
      expect(await rowsOf(migrated, "SELECT id, secret FROM outbox_email WHERE sentAt IS NOT NULL ORDER BY id")).toEqual([
        { id: 1, secret: null },
        { id: 2, secret: null },
        { id: 3, secret: null },
      ]);
    } finally {
      await migrated.destroy();
    }
  });
});
