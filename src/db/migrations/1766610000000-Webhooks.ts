import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Webhooks (api.md "Nothing missed"): `webhook_endpoint` (where an
 * organization's activity is POSTed, its kinds as a bit mask, its secret
 * encrypted) and `webhook_delivery` (the outbox of entries owed to each
 * endpoint). Both databases end exactly where the entities say
 * (test/integration/webhooksMigration.test.ts).
 */
const mysqlUp = [
  "CREATE TABLE `webhook_endpoint` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `url` varchar(2000) NOT NULL, `description` varchar(500) NULL, " +
    "`kinds` int NOT NULL, `enabled` tinyint NOT NULL, `secretCipher` varchar(200) NOT NULL, `createdAt` bigint NOT NULL, `lastSuccessAt` bigint NULL, " +
    "`failingSince` bigint NULL, INDEX `ix_webhook_endpoint_org` (`organizationId`, `enabled`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
  "CREATE TABLE `webhook_delivery` (`id` int NOT NULL AUTO_INCREMENT, `organizationId` int NOT NULL, `endpointId` int NOT NULL, `eventId` int NOT NULL, " +
    "`status` varchar(10) NOT NULL, `attempts` int NOT NULL, `createdAt` bigint NOT NULL, `nextAttemptAt` bigint NULL, `lastAttemptAt` bigint NULL, " +
    "`lastResponseStatus` int NULL, `body` text NULL, `lockedBy` varchar(64) NULL, `lockedUntil` bigint NULL, INDEX `ix_webhook_delivery_event` (`eventId`), " +
    "INDEX `ix_webhook_delivery_list` (`endpointId`, `createdAt`, `id`), INDEX `ix_webhook_delivery_due` (`status`, `nextAttemptAt`), " +
    "UNIQUE INDEX `ux_webhook_delivery_endpoint_event` (`endpointId`, `eventId`), PRIMARY KEY (`id`)) ENGINE=InnoDB",
];

const sqliteUp = [
  'CREATE TABLE "webhook_endpoint" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "url" varchar(2000) NOT NULL, ' +
    '"description" varchar(500), "kinds" integer NOT NULL, "enabled" boolean NOT NULL, "secretCipher" varchar(200) NOT NULL, "createdAt" bigint NOT NULL, ' +
    '"lastSuccessAt" bigint, "failingSince" bigint)',
  'CREATE INDEX "ix_webhook_endpoint_org" ON "webhook_endpoint" ("organizationId", "enabled") ',
  'CREATE TABLE "webhook_delivery" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "organizationId" integer NOT NULL, "endpointId" integer NOT NULL, ' +
    '"eventId" integer NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL, "createdAt" bigint NOT NULL, "nextAttemptAt" bigint, ' +
    '"lastAttemptAt" bigint, "lastResponseStatus" integer, "body" text, "lockedBy" varchar(64), "lockedUntil" bigint)',
  'CREATE INDEX "ix_webhook_delivery_event" ON "webhook_delivery" ("eventId") ',
  'CREATE INDEX "ix_webhook_delivery_list" ON "webhook_delivery" ("endpointId", "createdAt", "id") ',
  'CREATE INDEX "ix_webhook_delivery_due" ON "webhook_delivery" ("status", "nextAttemptAt") ',
  'CREATE UNIQUE INDEX "ux_webhook_delivery_endpoint_event" ON "webhook_delivery" ("endpointId", "eventId") ',
];

export class Webhooks1766610000000 implements MigrationInterface {
  name = "Webhooks1766610000000";

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of runner.connection.driver.options.type === "better-sqlite3" ? sqliteUp : mysqlUp) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const sqlite = runner.connection.driver.options.type === "better-sqlite3";
    for (const table of ["webhook_delivery", "webhook_endpoint"]) await runner.query(sqlite ? `DROP TABLE "${table}"` : `DROP TABLE \`${table}\``);
  }
}
