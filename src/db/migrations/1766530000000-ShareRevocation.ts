import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `license_request_share.revokedAt` (revokeLicenseRequestShare): when an admin
 * withdrew the link, null for every share made before. A nullable column is
 * added in place on SQLite too (the recommendations refer to this table, so it
 * is not rebuilt). Down keeps a withdrawn link dead: its expiry becomes the
 * time it was withdrawn. Both databases end exactly where the entity says
 * (test/integration/shareRevocationMigration.test.ts).
 */
export class ShareRevocation1766530000000 implements MigrationInterface {
  name = "ShareRevocation1766530000000";

  async up(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    await runner.query(
      mysql ? "ALTER TABLE `license_request_share` ADD `revokedAt` bigint NULL" : 'ALTER TABLE "license_request_share" ADD COLUMN "revokedAt" bigint',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const mysql = runner.connection.driver.options.type !== "better-sqlite3";
    const q = (name: string) => runner.connection.driver.escape(name);
    await runner.query(
      `UPDATE ${q("license_request_share")} SET ${q("expiresAt")} = ${q("revokedAt")} WHERE ${q("revokedAt")} IS NOT NULL AND ${q("revokedAt")} < ${q("expiresAt")}`,
    );
    await runner.query(mysql ? "ALTER TABLE `license_request_share` DROP COLUMN `revokedAt`" : 'ALTER TABLE "license_request_share" DROP COLUMN "revokedAt"');
  }
}
