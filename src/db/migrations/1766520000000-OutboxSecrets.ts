import { createHash } from "node:crypto";
import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `outbox_email.secret` (services/shared/outbox.ts): an email that carries a
 * secret (a shared request's link) is stored with a placeholder where the
 * secret goes and the secret in this column, which the dispatcher clears when
 * it marks the row sent. Emails written before hold their links in their
 * bodies: up moves each one's secret out (into the column while the email is
 * owed; gone when it was sent), so no delivered email keeps a usable link.
 * Down puts the owed ones' secrets back into their bodies (a sent email's is
 * gone for good). Both databases end exactly where the entity says
 * (test/integration/outboxSecretsMigration.test.ts).
 */

/** The links written before: the second-opinion link and its 43-character secret (services/recommendations/tokens.ts). */
const LINK = /\/recommend\?token=([A-Za-z0-9_-]{43})/;

/** The placeholder as services/shared/outbox.ts makes it, copied here so that this migration does not change with that code. */
const placeholderOf = (secret: string) => `{{secret:${createHash("sha256").update(`outbox secret:${secret}`, "utf8").digest("hex").slice(0, 16)}}}`;

const replaced = (body: string, from: string, to: string) => body.split(from).join(to);

interface Row {
  id: number;
  textBody: string;
  htmlBody: string;
  sentAt: number | string | null;
  secret?: string | null;
}

export class OutboxSecrets1766520000000 implements MigrationInterface {
  name = "OutboxSecrets1766520000000";

  async up(runner: QueryRunner): Promise<void> {
    const q = (name: string) => runner.connection.driver.escape(name);
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    await runner.query(mysql ? "ALTER TABLE `outbox_email` ADD `secret` varchar(128) NULL" : 'ALTER TABLE "outbox_email" ADD COLUMN "secret" varchar(128)');
    const rows = (await runner.query(
      `SELECT ${q("id")}, ${q("textBody")}, ${q("htmlBody")}, ${q("sentAt")} FROM ${q("outbox_email")} WHERE ${q("textBody")} LIKE '%/recommend?token=%'`,
    )) as Row[];
    for (const row of rows) {
      const secret = LINK.exec(row.textBody)?.[1];
      if (!secret) continue;
      const placeholder = placeholderOf(secret);
      await runner.query(`UPDATE ${q("outbox_email")} SET ${q("textBody")} = ?, ${q("htmlBody")} = ?, ${q("secret")} = ? WHERE ${q("id")} = ?`, [
        replaced(row.textBody, secret, placeholder),
        replaced(row.htmlBody, secret, placeholder),
        row.sentAt === null ? secret : null,
        row.id,
      ]);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    const q = (name: string) => runner.connection.driver.escape(name);
    const rows = (await runner.query(
      `SELECT ${q("id")}, ${q("textBody")}, ${q("htmlBody")}, ${q("secret")} FROM ${q("outbox_email")} WHERE ${q("secret")} IS NOT NULL`,
    )) as Row[];
    for (const { id, textBody, htmlBody, secret } of rows) {
      const placeholder = placeholderOf(secret!);
      await runner.query(`UPDATE ${q("outbox_email")} SET ${q("textBody")} = ?, ${q("htmlBody")} = ? WHERE ${q("id")} = ?`, [
        replaced(textBody, placeholder, secret!),
        replaced(htmlBody, placeholder, secret!),
        id,
      ]);
    }
    await runner.query(`ALTER TABLE ${q("outbox_email")} DROP COLUMN ${q("secret")}`);
  }
}
