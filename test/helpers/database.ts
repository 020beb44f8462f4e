/**
 * A fresh, migrated database for one test file: a temporary SQLite file, or,
 * with TEST_DATABASE_URL=mysql://…, a MySQL/MariaDB database of its own
 * (created here, dropped by `drop()`), so Jest workers never share one.
 * Tests that need a MySQL/MariaDB server on both legs (a proxy in front of
 * it) take one of their own from `createMysqlDatabase(MYSQL_TEST_URL)`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { DataSource } from "typeorm";
import type { DatabaseConfig } from "../../src/config";
import { createDataSource, openDatabase } from "../../src/db/dataSource";
import { migrations } from "../../src/db/migrations";

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

/** The MySQL/MariaDB server the fault tests use on both legs (they need a network connection to put a proxy in). */
export const MYSQL_TEST_URL = process.env.MYSQL_TEST_URL?.trim() || (usingMysql ? TEST_DATABASE_URL : "mysql://root@127.0.0.1:3306/test");

const uniqueSuffix = () => `${process.env.JEST_WORKER_ID ?? "0"}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

/** A fresh database of its own on the MySQL/MariaDB server at `serverUrl` (created here, dropped by `drop()`). */
export async function createMysqlDatabase(serverUrl: string): Promise<TestDatabase> {
  const server = new URL(serverUrl.replace(/^mariadb:/, "mysql:"));
  const name = `lr_test_${uniqueSuffix()}`;
  const admin = () =>
    mysql.createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username || "root"),
      password: decodeURIComponent(server.password),
    });
  const creating = await admin();
  await creating.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await creating.end();
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { type: "mysql", url: url.toString() };
  return {
    config,
    url: url.toString(),
    open: (options) => openDatabase(config, options),
    drop: async () => {
      const conn = await admin();
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (usingMysql) return createMysqlDatabase(TEST_DATABASE_URL);
  const suffix = uniqueSuffix();
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

/**
 * Undoes migrations, newest first, until `name` is undone too: a migration's
 * down is tested whatever migrations came after it.
 */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last] = await dataSource.query<{ name: string }[]>("SELECT name FROM migrations ORDER BY id DESC LIMIT 1");
    if (!last) throw new Error(`migration ${name} was never run`);
    await dataSource.undoLastMigration({ transaction: "each" });
    if (last.name === name) return;
  }
}

/**
 * Brings `database` to where it stood just before the migration `name` (every
 * migration before it, none after), and runs `statements` on it: the rows a
 * migration test gives the migration to work on.
 */
export async function migratedUpTo(database: TestDatabase, name: string, statements: readonly string[]): Promise<void> {
  const index = migrations.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`no migration ${name}`);
  const old = new DataSource({ ...createDataSource(database.config).options, migrations: migrations.slice(0, index) });
  await old.initialize();
  try {
    await old.runMigrations();
    for (const statement of statements) await old.query(statement);
  } finally {
    await old.destroy();
  }
}

/** A statement's rows, with the integers MySQL/MariaDB return as strings (BIGINT, COUNT) read as numbers. */
export async function numericRows(ds: DataSource, sql: string): Promise<Record<string, unknown>[]> {
  return (await ds.query<Record<string, unknown>[]>(sql)).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v])),
  );
}
