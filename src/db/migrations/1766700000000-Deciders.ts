import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Who decides (api.md "Who decides"): `product_approver` (a product's
 * approvers), `approval_delegation` (rights lent for a window),
 * `decision_link` (a notice email's decision links, by their secrets'
 * hashes); a request's and a history entry's delegator and channel; the
 * organization's request lifetime and decision-link switch; and
 * `outbox_email.secret` grows to hold several secrets (a digest's links).
 * Roles are plain values of `app_user.role` (LICENSE_ADMIN, USER_ADMIN): no
 * change. Both databases end exactly where the entities say
 * (test/integration/decidersMigration.test.ts).
 */
const mysqlUp = [
  "CREATE TABLE `product_approver` (`productId` int NOT NULL, `userId` int NOT NULL, `organizationId` int NOT NULL, `position` int NOT NULL, " +
    "INDEX `ix_product_approver_user` (`organizationId`, `userId`), PRIMARY KEY (`productId`, `userId`)) ENGINE=InnoDB",
  "CREATE TABLE `approval_delegation` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `fromUserId` int NOT NULL, `toUserId` int NOT NULL, " +
    "`startsAt` bigint NOT NULL, `endsAt` bigint NOT NULL, `createdAt` bigint NOT NULL, `cancelledAt` bigint NULL, INDEX `ix_delegation_org_end` (`organizationId`, `endsAt`, `id`), " +
    "INDEX `ix_delegation_from` (`organizationId`, `fromUserId`, `endsAt`), INDEX `ix_delegation_to` (`organizationId`, `toUserId`, `endsAt`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `decision_link` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `requestId` int NOT NULL, `userId` int NOT NULL, `tokenHash` varchar(64) NOT NULL, " +
    "`createdAt` bigint NOT NULL, `expiresAt` bigint NOT NULL, `usedAt` bigint NULL, INDEX `ix_decision_link_request` (`requestId`), " +
    "UNIQUE INDEX `ux_decision_link_token` (`tokenHash`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "ALTER TABLE `license_request` ADD `decidedOnBehalfOfId` int NULL",
  "ALTER TABLE `license_request` ADD `decisionChannel` varchar(20) NULL",
  "ALTER TABLE `request_process_settings` ADD `requestLifetimeDays` int NOT NULL DEFAULT '30'",
  "ALTER TABLE `request_process_settings` ADD `decisionLinksInEmail` tinyint NOT NULL DEFAULT 1",
  "ALTER TABLE `decision_record` ADD `onBehalfOfId` int NULL",
  "ALTER TABLE `decision_record` ADD `channel` varchar(20) NULL",
  "ALTER TABLE `outbox_email` MODIFY `secret` text NULL",
  "ALTER TABLE `product_approver` ADD CONSTRAINT `FK_c92080dec143105db71e616359a` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `product_approver` ADD CONSTRAINT `FK_2f7024cf117d8727141fdf3249c` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `product_approver` ADD CONSTRAINT `FK_5426f6c353b85b7cd718c33cf55` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `approval_delegation` ADD CONSTRAINT `FK_b173a58c778316f839872194102` FOREIGN KEY (`fromUserId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `approval_delegation` ADD CONSTRAINT `FK_211c24788fbb16863f1411a7c4c` FOREIGN KEY (`toUserId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `approval_delegation` ADD CONSTRAINT `FK_12438b876931cba1252721fe0b4` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_link` ADD CONSTRAINT `FK_73136fe17449d4f1c1f74c73eee` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_link` ADD CONSTRAINT `FK_72ca6ebbc76244027df7b44e3ca` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const mysqlDown = [
  "DROP TABLE `decision_link`",
  "DROP TABLE `approval_delegation`",
  "DROP TABLE `product_approver`",
  "ALTER TABLE `license_request` DROP COLUMN `decidedOnBehalfOfId`",
  "ALTER TABLE `license_request` DROP COLUMN `decisionChannel`",
  "ALTER TABLE `decision_record` DROP COLUMN `onBehalfOfId`",
  "ALTER TABLE `decision_record` DROP COLUMN `channel`",
  "ALTER TABLE `request_process_settings` DROP COLUMN `requestLifetimeDays`",
  "ALTER TABLE `request_process_settings` DROP COLUMN `decisionLinksInEmail`",
  // An owed email with several secrets cannot keep them all in 128 characters: its links go (the email is still sent, without usable links).
  "UPDATE `outbox_email` SET `secret` = NULL WHERE CHAR_LENGTH(`secret`) > 128",
  "ALTER TABLE `outbox_email` MODIFY `secret` varchar(128) NULL",
];

const sqliteUp = [
  'CREATE TABLE "product_approver" ("productId" integer NOT NULL, "userId" integer NOT NULL, "organizationId" integer NOT NULL, "position" integer NOT NULL, ' +
    'CONSTRAINT "FK_c92080dec143105db71e616359a" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_2f7024cf117d8727141fdf3249c" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_5426f6c353b85b7cd718c33cf55" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("productId", "userId"))',
  'CREATE INDEX "ix_product_approver_user" ON "product_approver" ("organizationId", "userId") ',
  'CREATE TABLE "approval_delegation" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "fromUserId" integer NOT NULL, "toUserId" integer NOT NULL, ' +
    '"startsAt" bigint NOT NULL, "endsAt" bigint NOT NULL, "createdAt" bigint NOT NULL, "cancelledAt" bigint, ' +
    'CONSTRAINT "FK_b173a58c778316f839872194102" FOREIGN KEY ("fromUserId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_211c24788fbb16863f1411a7c4c" FOREIGN KEY ("toUserId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_12438b876931cba1252721fe0b4" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_delegation_org_end" ON "approval_delegation" ("organizationId", "endsAt", "id") ',
  'CREATE INDEX "ix_delegation_from" ON "approval_delegation" ("organizationId", "fromUserId", "endsAt") ',
  'CREATE INDEX "ix_delegation_to" ON "approval_delegation" ("organizationId", "toUserId", "endsAt") ',
  'CREATE TABLE "decision_link" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "userId" integer NOT NULL, ' +
    '"tokenHash" varchar(64) NOT NULL, "createdAt" bigint NOT NULL, "expiresAt" bigint NOT NULL, "usedAt" bigint, ' +
    'CONSTRAINT "FK_73136fe17449d4f1c1f74c73eee" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_72ca6ebbc76244027df7b44e3ca" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_decision_link_request" ON "decision_link" ("requestId") ',
  'CREATE UNIQUE INDEX "ux_decision_link_token" ON "decision_link" ("tokenHash") ',
  // Added in place (license_request keeps its tally triggers), hence without foreign keys (src/entities/LicenseRequest.ts).
  'ALTER TABLE "license_request" ADD COLUMN "decidedOnBehalfOfId" integer',
  'ALTER TABLE "license_request" ADD COLUMN "decisionChannel" varchar(20)',
  'ALTER TABLE "decision_record" ADD COLUMN "onBehalfOfId" integer',
  'ALTER TABLE "decision_record" ADD COLUMN "channel" varchar(20)',
  'ALTER TABLE "request_process_settings" ADD COLUMN "requestLifetimeDays" integer NOT NULL DEFAULT (30)',
  'ALTER TABLE "request_process_settings" ADD COLUMN "decisionLinksInEmail" boolean NOT NULL DEFAULT (1)',
];

const OUTBOX_COLUMNS =
  '"id", "organizationId", "requestId", "recipientUserId", "toAddress", "subject", "textBody", "htmlBody", "attempts", "createdAt", "nextAttemptAt", "lockedBy", "lockedUntil", "sentAt", "lastError", "secret"';
const outboxTable = (secretType: string) =>
  'CREATE TABLE "outbox_email" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer, "recipientUserId" integer NOT NULL, ' +
  '"toAddress" varchar(254) NOT NULL, "subject" varchar(300) NOT NULL, "textBody" text NOT NULL, "htmlBody" text NOT NULL, "attempts" integer NOT NULL DEFAULT (0), ' +
  '"createdAt" bigint NOT NULL, "nextAttemptAt" bigint NOT NULL, "lockedBy" varchar(64), "lockedUntil" bigint, "sentAt" bigint, "lastError" varchar(500), ' +
  `"secret" ${secretType}, CONSTRAINT "FK_fc4f3f01586cc8a94ef40a07981" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)`;

/** SQLite changes a column's type only by building the table anew (nothing refers to outbox_email). */
async function rebuildSqliteOutbox(runner: QueryRunner, secretType: string): Promise<void> {
  await runner.query(`CREATE TABLE "outbox_email_copy" AS SELECT ${OUTBOX_COLUMNS} FROM "outbox_email"`);
  await runner.query('DROP INDEX "ix_outbox_due"');
  await runner.query('DROP TABLE "outbox_email"');
  await runner.query(outboxTable(secretType));
  await runner.query(`INSERT INTO "outbox_email" (${OUTBOX_COLUMNS}) SELECT ${OUTBOX_COLUMNS} FROM "outbox_email_copy"`);
  await runner.query('DROP TABLE "outbox_email_copy"');
  await runner.query('CREATE INDEX "ix_outbox_due" ON "outbox_email" ("sentAt", "nextAttemptAt") ');
}

export class Deciders1766700000000 implements MigrationInterface {
  name = "Deciders1766700000000";

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlUp) await runner.query(statement);
      return;
    }
    for (const statement of sqliteUp) await runner.query(statement);
    await rebuildSqliteOutbox(runner, "text");
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.driver.options.type !== "better-sqlite3") {
      for (const statement of mysqlDown) await runner.query(statement);
      return;
    }
    for (const table of ["decision_link", "approval_delegation", "product_approver"]) await runner.query(`DROP TABLE "${table}"`);
    for (const [table, column] of [
      ["license_request", "decidedOnBehalfOfId"],
      ["license_request", "decisionChannel"],
      ["decision_record", "onBehalfOfId"],
      ["decision_record", "channel"],
      ["request_process_settings", "requestLifetimeDays"],
      ["request_process_settings", "decisionLinksInEmail"],
    ])
      await runner.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
    await runner.query('UPDATE "outbox_email" SET "secret" = NULL WHERE length("secret") > 128');
    await rebuildSqliteOutbox(runner, "varchar(128)");
  }
}
