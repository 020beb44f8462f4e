import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The initial schema. MySQL/MariaDB and SQLite speak different DDL, so each gets
 * its own statements (foreign keys included: RESTRICT, so nothing referred to is
 * ever deleted); both describe the entities in src/entities exactly
 * (test/integration/migrations.test.ts checks that no difference remains).
 */
const mysqlUp = [
  "CREATE TABLE `organization` (`id` int NOT NULL AUTO_INCREMENT, `name` varchar(200) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `app_user` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `displayName` varchar(200) NOT NULL, `email` varchar(254) NOT NULL, `role` varchar(20) NOT NULL DEFAULT 'USER', UNIQUE INDEX `ux_user_email` (`email`), INDEX `ix_user_org_name` (`organizationId`, `displayName`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `service_plan` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `name` varchar(200) NOT NULL, `servicePlanName` varchar(100) NOT NULL, UNIQUE INDEX `ux_plan_org_name` (`organizationId`, `servicePlanName`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `product` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `name` varchar(200) NOT NULL, `skuPartNumber` varchar(100) NOT NULL, `selfServicePurchaseAllowed` tinyint NOT NULL DEFAULT 0, `totalLicenses` int NOT NULL DEFAULT '0', `assignedLicenses` int NOT NULL DEFAULT '0', UNIQUE INDEX `ux_product_org_sku` (`organizationId`, `skuPartNumber`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `product_service_plan` (`productId` int NOT NULL, `servicePlanId` int NOT NULL, `organizationId` int NOT NULL, INDEX `ix_psp_org` (`organizationId`), PRIMARY KEY (`productId`, `servicePlanId`)) ENGINE=InnoDB",
  "CREATE TABLE `license_request` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `productId` int NOT NULL, `requesterId` int NOT NULL, `justification` varchar(2000) NULL, `status` varchar(20) NOT NULL, `recipientCount` int NOT NULL, `requestedAt` bigint NOT NULL, `expiresAt` bigint NOT NULL, `decidedAt` bigint NULL, `decidedById` int NULL, `decisionMessage` varchar(1000) NULL, `assignedProductId` int NULL, `disabledServicePlanIds` varchar(2000) NOT NULL DEFAULT '', INDEX `ix_request_status_expiry` (`status`, `expiresAt`), INDEX `ix_request_org_product` (`organizationId`, `productId`, `requestedAt`), INDEX `ix_request_org_time` (`organizationId`, `requestedAt`, `id`), INDEX `ix_request_org_status_time` (`organizationId`, `status`, `requestedAt`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `license_request_recipient` (`requestId` int NOT NULL, `userId` int NOT NULL, `organizationId` int NOT NULL, `position` int NOT NULL, `decision` varchar(20) NOT NULL DEFAULT 'PENDING', `pendingProductId` int NULL, `assignmentId` int NULL, UNIQUE INDEX `ux_recipient_pending` (`userId`, `pendingProductId`), INDEX `ix_recipient_user_request` (`userId`, `requestId`), PRIMARY KEY (`requestId`, `userId`)) ENGINE=InnoDB",
  "CREATE TABLE `license_assignment` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `userId` int NOT NULL, `productId` int NOT NULL, `assignedAt` bigint NOT NULL, `requestId` int NULL, INDEX `ix_assignment_org_user` (`organizationId`, `userId`), UNIQUE INDEX `ux_assignment_user_product` (`userId`, `productId`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `assignment_disabled_plan` (`assignmentId` int NOT NULL, `servicePlanId` int NOT NULL, `organizationId` int NOT NULL, PRIMARY KEY (`assignmentId`, `servicePlanId`)) ENGINE=InnoDB",
  "CREATE TABLE `request_process_settings` (`organizationId` int NOT NULL, `useOwnRequestProcess` tinyint NOT NULL DEFAULT 0, `message` varchar(1000) NULL, `documentationUrl` varchar(2000) NULL, `updatedAt` bigint NULL, `updatedById` int NULL, PRIMARY KEY (`organizationId`)) ENGINE=InnoDB",
  "CREATE TABLE `decision_record` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `requestId` int NOT NULL, `action` varchar(20) NOT NULL, `actorId` int NULL, `at` bigint NOT NULL, `productId` int NULL, `disabledServicePlanIds` varchar(2000) NOT NULL DEFAULT '', `approvedUserIds` varchar(2000) NOT NULL DEFAULT '', `deniedUserIds` varchar(2000) NOT NULL DEFAULT '', `message` varchar(1000) NULL, INDEX `ix_decision_request` (`requestId`), INDEX `ix_decision_org_time` (`organizationId`, `at`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `outbox_email` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `requestId` int NOT NULL, `recipientUserId` int NOT NULL, `toAddress` varchar(254) NOT NULL, `subject` varchar(300) NOT NULL, `textBody` text NOT NULL, `htmlBody` text NOT NULL, `attempts` int NOT NULL DEFAULT '0', `createdAt` bigint NOT NULL, `nextAttemptAt` bigint NOT NULL, `lockedBy` varchar(64) NULL, `lockedUntil` bigint NULL, `sentAt` bigint NULL, `lastError` varchar(500) NULL, INDEX `ix_outbox_due` (`sentAt`, `nextAttemptAt`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `idempotency_record` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `userId` int NOT NULL, `mutation` varchar(64) NOT NULL, `idempotencyKey` varchar(64) NOT NULL, `inputHash` varchar(64) NOT NULL, `outcome` text NOT NULL, `createdAt` bigint NOT NULL, INDEX `ix_idempotency_created` (`createdAt`), UNIQUE INDEX `ux_idempotency` (`organizationId`, `userId`, `mutation`, `idempotencyKey`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "ALTER TABLE `app_user` ADD CONSTRAINT `FK_f0378161891caa3b5d8365fa445` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `service_plan` ADD CONSTRAINT `FK_aca8dc030b8edab14646e4ecd89` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `product` ADD CONSTRAINT `FK_32a4bdd261ec81f4ca6b3abe262` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `product_service_plan` ADD CONSTRAINT `FK_7e11fe64f5d471af4f70398459b` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `product_service_plan` ADD CONSTRAINT `FK_07ea7f5f71dcc2e7c5ca07974d2` FOREIGN KEY (`servicePlanId`) REFERENCES `service_plan`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request` ADD CONSTRAINT `FK_38754fab0ec2a3b9c4e89691a8a` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request` ADD CONSTRAINT `FK_a82ef7f02d370f98434b4a2343a` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request` ADD CONSTRAINT `FK_48486a3ca4a2ab5e7082249c3d2` FOREIGN KEY (`requesterId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request` ADD CONSTRAINT `FK_e1d77e35cba99ac21f45d5401a6` FOREIGN KEY (`decidedById`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request` ADD CONSTRAINT `FK_0511d72931cb7ca9e549c17db71` FOREIGN KEY (`assignedProductId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_recipient` ADD CONSTRAINT `FK_45e96b3c1a262db7ba2cae3f7bb` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_request_recipient` ADD CONSTRAINT `FK_43529c5936f5e84da9c050b6631` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_assignment` ADD CONSTRAINT `FK_154593c5af550292bd0abb563f6` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_assignment` ADD CONSTRAINT `FK_413d85d958ef2d730321194e0bf` FOREIGN KEY (`productId`) REFERENCES `product`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `license_assignment` ADD CONSTRAINT `FK_805d5ca14ebeb932afd4465ee6f` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `assignment_disabled_plan` ADD CONSTRAINT `FK_2e2365fa6fed896f72487fafc78` FOREIGN KEY (`assignmentId`) REFERENCES `license_assignment`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `assignment_disabled_plan` ADD CONSTRAINT `FK_3c15d18a322997ba9687aaad662` FOREIGN KEY (`servicePlanId`) REFERENCES `service_plan`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `request_process_settings` ADD CONSTRAINT `FK_ba805a264414c33e0583d894653` FOREIGN KEY (`organizationId`) REFERENCES `organization`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `request_process_settings` ADD CONSTRAINT `FK_c92d17e1ca43796c9ff5217a65c` FOREIGN KEY (`updatedById`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record` ADD CONSTRAINT `FK_1287ad4620a91f76bedf7f8b5bb` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `decision_record` ADD CONSTRAINT `FK_a0f9de4855c3771484acfda5b9b` FOREIGN KEY (`actorId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `outbox_email` ADD CONSTRAINT `FK_fc4f3f01586cc8a94ef40a07981` FOREIGN KEY (`requestId`) REFERENCES `license_request`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
  "ALTER TABLE `idempotency_record` ADD CONSTRAINT `FK_75c367b18b299f2e4b2dd0c7205` FOREIGN KEY (`userId`) REFERENCES `app_user`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
];

const sqliteUp = [
  'CREATE TABLE "organization" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(200) NOT NULL)',
  'CREATE TABLE "app_user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "displayName" varchar(200) NOT NULL, "email" varchar(254) NOT NULL, "role" varchar(20) NOT NULL DEFAULT (\'USER\'), CONSTRAINT "FK_f0378161891caa3b5d8365fa445" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_user_org_name" ON "app_user" ("organizationId", "displayName", "id") ',
  'CREATE UNIQUE INDEX "ux_user_email" ON "app_user" ("email") ',
  'CREATE TABLE "service_plan" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "name" varchar(200) NOT NULL, "servicePlanName" varchar(100) NOT NULL, CONSTRAINT "FK_aca8dc030b8edab14646e4ecd89" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE UNIQUE INDEX "ux_plan_org_name" ON "service_plan" ("organizationId", "servicePlanName") ',
  'CREATE TABLE "product" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "name" varchar(200) NOT NULL, "skuPartNumber" varchar(100) NOT NULL, "selfServicePurchaseAllowed" boolean NOT NULL DEFAULT (0), "totalLicenses" integer NOT NULL DEFAULT (0), "assignedLicenses" integer NOT NULL DEFAULT (0), CONSTRAINT "FK_32a4bdd261ec81f4ca6b3abe262" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE UNIQUE INDEX "ux_product_org_sku" ON "product" ("organizationId", "skuPartNumber") ',
  'CREATE TABLE "product_service_plan" ("productId" integer NOT NULL, "servicePlanId" integer NOT NULL, "organizationId" integer NOT NULL, CONSTRAINT "FK_7e11fe64f5d471af4f70398459b" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_07ea7f5f71dcc2e7c5ca07974d2" FOREIGN KEY ("servicePlanId") REFERENCES "service_plan" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("productId", "servicePlanId"))',
  'CREATE INDEX "ix_psp_org" ON "product_service_plan" ("organizationId") ',
  'CREATE TABLE "license_request" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "productId" integer NOT NULL, "requesterId" integer NOT NULL, "justification" varchar(2000), "status" varchar(20) NOT NULL, "recipientCount" integer NOT NULL, "requestedAt" bigint NOT NULL, "expiresAt" bigint NOT NULL, "decidedAt" bigint, "decidedById" integer, "decisionMessage" varchar(1000), "assignedProductId" integer, "disabledServicePlanIds" varchar(2000) NOT NULL DEFAULT (\'\'), CONSTRAINT "FK_38754fab0ec2a3b9c4e89691a8a" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_a82ef7f02d370f98434b4a2343a" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_48486a3ca4a2ab5e7082249c3d2" FOREIGN KEY ("requesterId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_e1d77e35cba99ac21f45d5401a6" FOREIGN KEY ("decidedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_0511d72931cb7ca9e549c17db71" FOREIGN KEY ("assignedProductId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_request_org_product" ON "license_request" ("organizationId", "productId", "requestedAt") ',
  'CREATE INDEX "ix_request_org_status_time" ON "license_request" ("organizationId", "status", "requestedAt", "id") ',
  'CREATE INDEX "ix_request_org_time" ON "license_request" ("organizationId", "requestedAt", "id") ',
  'CREATE INDEX "ix_request_status_expiry" ON "license_request" ("status", "expiresAt") ',
  'CREATE TABLE "license_request_recipient" ("requestId" integer NOT NULL, "userId" integer NOT NULL, "organizationId" integer NOT NULL, "position" integer NOT NULL, "decision" varchar(20) NOT NULL DEFAULT (\'PENDING\'), "pendingProductId" integer, "assignmentId" integer, CONSTRAINT "FK_45e96b3c1a262db7ba2cae3f7bb" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_43529c5936f5e84da9c050b6631" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("requestId", "userId"))',
  'CREATE INDEX "ix_recipient_user_request" ON "license_request_recipient" ("userId", "requestId") ',
  'CREATE UNIQUE INDEX "ux_recipient_pending" ON "license_request_recipient" ("userId", "pendingProductId") ',
  'CREATE TABLE "license_assignment" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "userId" integer NOT NULL, "productId" integer NOT NULL, "assignedAt" bigint NOT NULL, "requestId" integer, CONSTRAINT "FK_154593c5af550292bd0abb563f6" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_413d85d958ef2d730321194e0bf" FOREIGN KEY ("productId") REFERENCES "product" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_805d5ca14ebeb932afd4465ee6f" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_assignment_org_user" ON "license_assignment" ("organizationId", "userId") ',
  'CREATE UNIQUE INDEX "ux_assignment_user_product" ON "license_assignment" ("userId", "productId") ',
  'CREATE TABLE "assignment_disabled_plan" ("assignmentId" integer NOT NULL, "servicePlanId" integer NOT NULL, "organizationId" integer NOT NULL, CONSTRAINT "FK_2e2365fa6fed896f72487fafc78" FOREIGN KEY ("assignmentId") REFERENCES "license_assignment" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_3c15d18a322997ba9687aaad662" FOREIGN KEY ("servicePlanId") REFERENCES "service_plan" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, PRIMARY KEY ("assignmentId", "servicePlanId"))',
  'CREATE TABLE "request_process_settings" ("organizationId" integer PRIMARY KEY NOT NULL, "useOwnRequestProcess" boolean NOT NULL DEFAULT (0), "message" varchar(1000), "documentationUrl" varchar(2000), "updatedAt" bigint, "updatedById" integer, CONSTRAINT "FK_ba805a264414c33e0583d894653" FOREIGN KEY ("organizationId") REFERENCES "organization" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_c92d17e1ca43796c9ff5217a65c" FOREIGN KEY ("updatedById") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE TABLE "decision_record" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "action" varchar(20) NOT NULL, "actorId" integer, "at" bigint NOT NULL, "productId" integer, "disabledServicePlanIds" varchar(2000) NOT NULL DEFAULT (\'\'), "approvedUserIds" varchar(2000) NOT NULL DEFAULT (\'\'), "deniedUserIds" varchar(2000) NOT NULL DEFAULT (\'\'), "message" varchar(1000), CONSTRAINT "FK_1287ad4620a91f76bedf7f8b5bb" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, CONSTRAINT "FK_a0f9de4855c3771484acfda5b9b" FOREIGN KEY ("actorId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_decision_org_time" ON "decision_record" ("organizationId", "at", "id") ',
  'CREATE INDEX "ix_decision_request" ON "decision_record" ("requestId") ',
  'CREATE TABLE "outbox_email" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "requestId" integer NOT NULL, "recipientUserId" integer NOT NULL, "toAddress" varchar(254) NOT NULL, "subject" varchar(300) NOT NULL, "textBody" text NOT NULL, "htmlBody" text NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "createdAt" bigint NOT NULL, "nextAttemptAt" bigint NOT NULL, "lockedBy" varchar(64), "lockedUntil" bigint, "sentAt" bigint, "lastError" varchar(500), CONSTRAINT "FK_fc4f3f01586cc8a94ef40a07981" FOREIGN KEY ("requestId") REFERENCES "license_request" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_outbox_due" ON "outbox_email" ("sentAt", "nextAttemptAt") ',
  'CREATE TABLE "idempotency_record" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "userId" integer NOT NULL, "mutation" varchar(64) NOT NULL, "idempotencyKey" varchar(64) NOT NULL, "inputHash" varchar(64) NOT NULL, "outcome" text NOT NULL, "createdAt" bigint NOT NULL, CONSTRAINT "FK_75c367b18b299f2e4b2dd0c7205" FOREIGN KEY ("userId") REFERENCES "app_user" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT)',
  'CREATE INDEX "ix_idempotency_created" ON "idempotency_record" ("createdAt") ',
  'CREATE UNIQUE INDEX "ux_idempotency" ON "idempotency_record" ("organizationId", "userId", "mutation", "idempotencyKey") ',
];

const tables = [
  "idempotency_record",
  "outbox_email",
  "decision_record",
  "request_process_settings",
  "license_request_recipient",
  "license_request",
  "assignment_disabled_plan",
  "license_assignment",
  "product_service_plan",
  "product",
  "service_plan",
  "app_user",
  "organization",
];

export class Initial1764000000000 implements MigrationInterface {
  name = "Initial1764000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = queryRunner.connection.options.type === "better-sqlite3" ? sqliteUp : mysqlUp;
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables) await queryRunner.query(`DROP TABLE ${queryRunner.connection.driver.escape(table)}`);
  }
}
