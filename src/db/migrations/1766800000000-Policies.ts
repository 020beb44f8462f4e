import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Policies (api.md "Policies"): `license_request_policy` (one product's
 * automatic approval, manager endorsement and license duration) and
 * `license_request_policy_change` (every change: who, when, what); a person's
 * manager; a request's skipped automatic approval, renewal and endorsement; a
 * license's expiry, reclaim and expiry notices; and what an emailed link's
 * secret may do. A reclaimed license stays as history, so "one license of a
 * product per person" becomes a unique index over held licenses only. Columns
 * are added in place (license_request keeps its tally triggers). Both
 * databases end exactly where the entities say
 * (test/integration/policiesMigration.test.ts).
 */
const mysqlUp = [
  "CREATE TABLE `license_request_policy` (`productId` int NOT NULL, `organizationId` int NOT NULL, `autoApproveMaxRecipients` int NULL, `autoApproveRequesterGroupId` int NULL, " +
    "`autoApproveDisabledPlanIds` varchar(2000) NOT NULL DEFAULT '[]', `escalateAfterDays` int NULL, `licenseDurationDays` int NULL, `updatedAt` bigint NOT NULL, `updatedById` int NULL, " +
    "INDEX `ix_policy_org` (`organizationId`), PRIMARY KEY (`productId`)) ENGINE=InnoDB",
  "CREATE TABLE `license_request_policy_change` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `productId` int NOT NULL, `changedById` int NOT NULL, " +
    "`changedAt` bigint NOT NULL, `policy` text NOT NULL, INDEX `ix_policy_change_product` (`organizationId`, `productId`, `changedAt`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "ALTER TABLE `app_user` ADD `managerId` int NULL",
  "ALTER TABLE `license_request` ADD `autoApproveSkippedReason` varchar(300) NULL",
  "ALTER TABLE `license_request` ADD `renewalOfId` int NULL",
  "ALTER TABLE `license_request` ADD `endorsementState` varchar(20) NULL",
  "ALTER TABLE `license_request` ADD `endorsementManagerId` int NULL",
  "ALTER TABLE `license_request` ADD `endorsementAt` bigint NULL",
  "ALTER TABLE `license_request` ADD `endorsementComment` varchar(1000) NULL",
  "ALTER TABLE `license_request` ADD `endorsementEscalatesAt` bigint NULL",
  "ALTER TABLE `license_assignment` ADD `expiresAt` bigint NULL",
  "ALTER TABLE `license_assignment` ADD `reclaimedAt` bigint NULL",
  "ALTER TABLE `license_assignment` ADD `held` tinyint NULL DEFAULT 1",
  "ALTER TABLE `license_assignment` ADD `expiryNoticesDone` int NOT NULL DEFAULT '0'",
  "ALTER TABLE `decision_link` ADD `purpose` varchar(20) NOT NULL DEFAULT 'DECIDE'",
  "CREATE INDEX `ix_request_org_manager` ON `license_request` (`organizationId`, `endorsementManagerId`, `requestedAt`, `id`)",
  "CREATE INDEX `ix_request_endorsement_due` ON `license_request` (`endorsementState`, `endorsementEscalatesAt`)",
  "CREATE INDEX `ix_assignment_expiry` ON `license_assignment` (`expiresAt`)",
  // The new unique index first: the foreign key on userId needs an index that starts with it at every moment.
  "CREATE UNIQUE INDEX `ux_assignment_user_product_held` ON `license_assignment` (`userId`, `productId`, `held`)",
  "DROP INDEX `ux_assignment_user_product` ON `license_assignment`",
  "ALTER TABLE `license_request_policy` ADD CONSTRAINT `FK_d0171801f30acce1ac8aa8edc5c` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_policy` ADD CONSTRAINT `FK_6aabc65eaad3e895b5e7a3ec74b` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_policy` ADD CONSTRAINT `FK_d6acad544814322fa06890233ce` FOREIGN KEY (`autoApproveRequesterGroupId`) REFERENCES `security_group`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_policy` ADD CONSTRAINT `FK_46ec4ba3122ea0313e8268ea1e1` FOREIGN KEY (`updatedById`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_policy_change` ADD CONSTRAINT `FK_44ae34aece140ebabf93d3da7db` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_policy_change` ADD CONSTRAINT `FK_ca88e697824c7e2ba712409b5e1` FOREIGN KEY (`changedById`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

/** Down: reclaimed licenses go (they were history only), so one license per person and product holds again. */
const mysqlDown = [
  "DROP TABLE `license_request_policy_change`",
  "DROP TABLE `license_request_policy`",
  "DELETE FROM `assignment_disabled_plan` WHERE `assignmentId` IN (SELECT `id` FROM `license_assignment` WHERE `held` IS NULL)",
  "UPDATE `license_request_recipient` SET `assignmentId` = NULL WHERE `assignmentId` IN (SELECT `id` FROM `license_assignment` WHERE `held` IS NULL)",
  "DELETE FROM `license_assignment` WHERE `held` IS NULL",
  "CREATE UNIQUE INDEX `ux_assignment_user_product` ON `license_assignment` (`userId`, `productId`)",
  "DROP INDEX `ux_assignment_user_product_held` ON `license_assignment`",
  "DROP INDEX `ix_assignment_expiry` ON `license_assignment`",
  "DROP INDEX `ix_request_endorsement_due` ON `license_request`",
  "DROP INDEX `ix_request_org_manager` ON `license_request`",
  "ALTER TABLE `decision_link` DROP COLUMN `purpose`",
  "ALTER TABLE `license_assignment` DROP COLUMN `expiryNoticesDone`, DROP COLUMN `held`, DROP COLUMN `reclaimedAt`, DROP COLUMN `expiresAt`",
  "ALTER TABLE `license_request` DROP COLUMN `endorsementEscalatesAt`, DROP COLUMN `endorsementComment`, DROP COLUMN `endorsementAt`, DROP COLUMN `endorsementManagerId`, " +
    "DROP COLUMN `endorsementState`, DROP COLUMN `renewalOfId`, DROP COLUMN `autoApproveSkippedReason`",
  "ALTER TABLE `app_user` DROP COLUMN `managerId`",
];

const sqliteUp = [
  'CREATE TABLE "license_request_policy" ("productId" integer PRIMARY KEY NOT NULL, "organizationId" integer NOT NULL, "autoApproveMaxRecipients" integer, "autoApproveRequesterGroupId" integer, ' +
    '"autoApproveDisabledPlanIds" varchar(2000) NOT NULL DEFAULT (\'[]\'), "escalateAfterDays" integer, "licenseDurationDays" integer, "updatedAt" bigint NOT NULL, "updatedById" integer, ' +
    'CONSTRAINT "FK_d0171801f30acce1ac8aa8edc5c" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_6aabc65eaad3e895b5e7a3ec74b" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_d6acad544814322fa06890233ce" FOREIGN KEY ("autoApproveRequesterGroupId") REFERENCES "security_group" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_46ec4ba3122ea0313e8268ea1e1" FOREIGN KEY ("updatedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_policy_org" ON "license_request_policy" ("organizationId") ',
  'CREATE TABLE "license_request_policy_change" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "productId" integer NOT NULL, "changedById" integer NOT NULL, ' +
    '"changedAt" bigint NOT NULL, "policy" text NOT NULL, ' +
    'CONSTRAINT "FK_44ae34aece140ebabf93d3da7db" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, ' +
    'CONSTRAINT "FK_ca88e697824c7e2ba712409b5e1" FOREIGN KEY ("changedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_policy_change_product" ON "license_request_policy_change" ("organizationId", "productId", "changedAt", "id") ',
  'ALTER TABLE "app_user" ADD COLUMN "managerId" integer',
  'ALTER TABLE "license_request" ADD COLUMN "autoApproveSkippedReason" varchar(300)',
  'ALTER TABLE "license_request" ADD COLUMN "renewalOfId" integer',
  'ALTER TABLE "license_request" ADD COLUMN "endorsementState" varchar(20)',
  'ALTER TABLE "license_request" ADD COLUMN "endorsementManagerId" integer',
  'ALTER TABLE "license_request" ADD COLUMN "endorsementAt" bigint',
  'ALTER TABLE "license_request" ADD COLUMN "endorsementComment" varchar(1000)',
  'ALTER TABLE "license_request" ADD COLUMN "endorsementEscalatesAt" bigint',
  'ALTER TABLE "license_assignment" ADD COLUMN "expiresAt" bigint',
  'ALTER TABLE "license_assignment" ADD COLUMN "reclaimedAt" bigint',
  'ALTER TABLE "license_assignment" ADD COLUMN "held" boolean DEFAULT (1)',
  'ALTER TABLE "license_assignment" ADD COLUMN "expiryNoticesDone" integer NOT NULL DEFAULT (0)',
  'ALTER TABLE "decision_link" ADD COLUMN "purpose" varchar(20) NOT NULL DEFAULT (\'DECIDE\')',
  'CREATE INDEX "ix_request_org_manager" ON "license_request" ("organizationId", "endorsementManagerId", "requestedAt", "id") ',
  'CREATE INDEX "ix_request_endorsement_due" ON "license_request" ("endorsementState", "endorsementEscalatesAt") ',
  'CREATE INDEX "ix_assignment_expiry" ON "license_assignment" ("expiresAt") ',
  'DROP INDEX "ux_assignment_user_product"',
  'CREATE UNIQUE INDEX "ux_assignment_user_product_held" ON "license_assignment" ("userId", "productId", "held") ',
];

const sqliteDown = [
  'DROP TABLE "license_request_policy_change"',
  'DROP TABLE "license_request_policy"',
  'DELETE FROM "assignment_disabled_plan" WHERE "assignmentId" IN (SELECT "id" FROM "license_assignment" WHERE "held" IS NULL)',
  'UPDATE "license_request_recipient" SET "assignmentId" = NULL WHERE "assignmentId" IN (SELECT "id" FROM "license_assignment" WHERE "held" IS NULL)',
  'DELETE FROM "license_assignment" WHERE "held" IS NULL',
  'DROP INDEX "ux_assignment_user_product_held"',
  'CREATE UNIQUE INDEX "ux_assignment_user_product" ON "license_assignment" ("userId", "productId") ',
  'DROP INDEX "ix_assignment_expiry"',
  'DROP INDEX "ix_request_endorsement_due"',
  'DROP INDEX "ix_request_org_manager"',
  ...[
    ["decision_link", "purpose"],
    ["license_assignment", "expiryNoticesDone"],
    ["license_assignment", "held"],
    ["license_assignment", "reclaimedAt"],
    ["license_assignment", "expiresAt"],
    ["license_request", "endorsementEscalatesAt"],
    ["license_request", "endorsementComment"],
    ["license_request", "endorsementAt"],
    ["license_request", "endorsementManagerId"],
    ["license_request", "endorsementState"],
    ["license_request", "renewalOfId"],
    ["license_request", "autoApproveSkippedReason"],
    ["app_user", "managerId"],
  ].map(([table, column]) => `ALTER TABLE "${table}" DROP COLUMN "${column}"`),
];

export class Policies1766800000000 implements MigrationInterface {
  name = "Policies1766800000000";

  async up(runner: QueryRunner): Promise<void> {
    const sqlite = runner.connection.driver.options.type === "better-sqlite3";
    for (const statement of sqlite ? sqliteUp : mysqlUp) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const sqlite = runner.connection.driver.options.type === "better-sqlite3";
    for (const statement of sqlite ? sqliteDown : mysqlDown) await runner.query(statement);
  }
}
