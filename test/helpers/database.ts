/**
 * A fresh, migrated database for one test file: a temporary SQLite file, or,
 * with TEST_DATABASE_URL=mysql://…, a MySQL/MariaDB database of its own
 * (created here, dropped by `drop()`), so Jest workers never share one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { DataSource } from "typeorm";
import type { DatabaseConfig } from "../../src/config";
import { openDatabase } from "../../src/db/dataSource";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || "";
export const usingMysql = /^(mysql|mariadb):\/\//.test(TEST_DATABASE_URL);
export const databaseKind = usingMysql ? "mysql" : "sqlite";

export interface TestDatabase {
  config: DatabaseConfig;
  /** The DATABASE_URL a server process would be given. */
  url: string;
  open(options?: { onQuery?: (sql: string) => void; poolSize?: number }): Promise<DataSource>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = `${process.env.JEST_WORKER_ID ?? "0"}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  if (usingMysql) {
    const server = new URL(TEST_DATABASE_URL.replace(/^mariadb:/, "mysql:"));
    const name = `lr_test_${suffix}`;
    const admin = await mysql.createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username || "root"),
      password: decodeURIComponent(server.password),
    });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    const url = new URL(server.toString());
    url.pathname = `/${name}`;
    const config: DatabaseConfig = { type: "mysql", url: url.toString() };
    return {
      config,
      url: url.toString(),
      open: (options) => openDatabase(config, options),
      drop: async () => {
        const conn = await mysql.createConnection({
          host: server.hostname,
          port: Number(server.port || 3306),
          user: decodeURIComponent(server.username || "root"),
          password: decodeURIComponent(server.password),
        });
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await conn.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lr-test-"));
  const file = path.join(dir, `test_${suffix}.db`);
  const config: DatabaseConfig = { type: "sqlite", path: file };
  return {
    config,
    url: `sqlite:${file}`,
    open: (options) => openDatabase(config, options),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
