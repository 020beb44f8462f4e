import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Admin notices (api.md "Admin notices"): the organization's choice
 * `request_process_settings.adminNotification` (IMMEDIATELY for every
 * organization that had settings), `license_request_notice` (one row per
 * request and notice: its primary key makes each notice exactly once),
 * `admin_digest` (one row per organization and UTC day: one digest a day),
 * and `outbox_email.requestId` nullable (a digest is about several requests).
 * SQLite changes a column by rebuilding its table, as TypeORM does; both
 * databases end exactly where the entities say
 * (test/integration/adminNoticesMigration.test.ts). Down drops the digests'
 * emails, which no request owns.
 */
const mysqlUp = [
  "CREATE TABLE `license_request_notice` (`requestId` int NOT NULL, `kind` varchar(20) NOT NULL, `organizationId` int NOT NULL, `mode` varchar(20) NULL, `createdAt` bigint NOT NULL, `sentAt` bigint NULL, `digestDay` bigint NULL, INDEX `ix_notice_digest` (`mode`, `sentAt`, `organizationId`, `createdAt`), PRIMARY KEY (`requestId`, `kind`)) ENGINE=InnoDB",
  "CREATE TABLE `admin_digest` (`organizationId` int NOT NULL, `day` bigint NOT NULL, `requestCount` int NOT NULL, `createdAt` bigint NOT NULL, PRIMARY KEY (`organizationId`, `day`)) ENGINE=InnoDB",
  "ALTER TABLE `request_process_settings` ADD `adminNotification` varchar(20) NOT NULL DEFAULT 'IMMEDIATELY'",
  "ALTER TABLE `outbox_email` MODIFY `requestId` int NULL",
  "ALTER TABLE `license_request_notice` ADD CONSTRAINT `FK_0c90e537c187a8f3a1d6d186d9c` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_notice` ADD CONSTRAINT `FK_b05f053a74adb6cc2a8efe7673b` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `admin_digest` ADD CONSTRAINT `FK_bd41ce5dd40e6ef6c2c27150859` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const mysqlDown = [
  "DROP TABLE `admin_digest`",
  "DROP TABLE `license_request_notice`",
  "ALTER TABLE `request_process_settings` DROP COLUMN `adminNotification`",
  "DELETE FROM `outbox_email` WHERE `requestId` IS NULL",
  "ALTER TABLE `outbox_email` MODIFY `requestId` int NOT NULL",
];

const OUTBOX_COLUMNS =
  '"id", "organizationId", "requestId", "recipientUserId", "toAddress", "subject", "textBody", "htmlBody", "attempts", "createdAt", "nextAttemptAt", "lockedBy", "lockedUntil", "sentAt", "lastError"';
const SETTINGS_COLUMNS = '"organizationId", "useOwnRequestProcess", "message", "documentationUrl", "updatedAt", "updatedById"';

const outboxTable = (requestId: "integer" | "integer NOT NULL") =>
  `CREATE TABLE "temporary_outbox_email" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" ${requestId}, "recipientUserId" integer NOT NULL, "toAddress" varchar(254) NOT NULL, "subject" varchar(300) NOT NULL, "textBody" text NOT NULL, "htmlBody" text NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "createdAt" bigint NOT NULL, "nextAttemptAt" bigint NOT NULL, "lockedBy" varchar(64), "lockedUntil" bigint, "sentAt" bigint, "lastError" varchar(500), CONSTRAINT "FK_fc4f3f01586cc8a94ef40a07981" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)`;

const settingsTable = (withNotification: boolean) =>
  `CREATE TABLE "temporary_request_process_settings" ("organizationId" integer PRIMARY KEY NOT NULL, "useOwnRequestProcess" boolean NOT NULL DEFAULT (0), "message" varchar(1000), "documentationUrl" varchar(2000), "updatedAt" bigint, "updatedById" integer, ${
    withNotification ? `"adminNotification" varchar(20) NOT NULL DEFAULT ('IMMEDIATELY'), ` : ""
  }CONSTRAINT "FK_c92d17e1ca43796c9ff5217a65c" FOREIGN KEY ("updatedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_ba805a264414c33e0583d894653" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)`;

/** SQLite changes a column by copying the table into a new one (nothing refers to these two tables). */
function sqliteRebuild(table: string, create: string, columns: string, indices: string[] = []): string[] {
  return [
    ...indices.map((index) => `DROP INDEX IF EXISTS "${index.split('"')[1]}"`),
    create,
    `INSERT INTO "temporary_${table}"(${columns}) SELECT ${columns} FROM "${table}"`,
    `DROP TABLE "${table}"`,
    `ALTER TABLE "temporary_${table}" RENAME TO "${table}"`,
    ...indices,
  ];
}

const OUTBOX_INDEX = 'CREATE INDEX "ix_outbox_due" ON "outbox_email" ("sentAt", "nextAttemptAt")';

const sqliteUp = [
  ...sqliteRebuild("outbox_email", outboxTable("integer"), OUTBOX_COLUMNS, [OUTBOX_INDEX]),
  'CREATE TABLE "license_request_notice" ("requestId" integer NOT NULL, "kind" varchar(20) NOT NULL, "organizationId" integer NOT NULL, "mode" varchar(20), "createdAt" bigint NOT NULL, "sentAt" bigint, "digestDay" bigint, CONSTRAINT "FK_0c90e537c187a8f3a1d6d186d9c" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_b05f053a74adb6cc2a8efe7673b" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("requestId", "kind"))',
  'CREATE INDEX "ix_notice_digest" ON "license_request_notice" ("mode", "sentAt", "organizationId", "createdAt")',
  'CREATE TABLE "admin_digest" ("organizationId" integer NOT NULL, "day" bigint NOT NULL, "requestCount" integer NOT NULL, "createdAt" bigint NOT NULL, CONSTRAINT "FK_bd41ce5dd40e6ef6c2c27150859" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("organizationId", "day"))',
  ...sqliteRebuild("request_process_settings", settingsTable(true), SETTINGS_COLUMNS),
];

const sqliteDown = [
  'DROP TABLE "admin_digest"',
  'DROP TABLE "license_request_notice"',
  ...sqliteRebuild("request_process_settings", settingsTable(false), SETTINGS_COLUMNS),
  'DELETE FROM "outbox_email" WHERE "requestId" IS NULL',
  ...sqliteRebuild("outbox_email", outboxTable("integer NOT NULL"), OUTBOX_COLUMNS, [OUTBOX_INDEX]),
];

export class AdminNotices1766300000000 implements MigrationInterface {
  name = "AdminNotices1766300000000";

  async up(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlUp : sqliteUp) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    for (const statement of mysql ? mysqlDown : sqliteDown) await runner.query(statement);
  }
}
