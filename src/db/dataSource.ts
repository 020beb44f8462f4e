/**
 * The TypeORM data source for MySQL/MariaDB (mysql2) or embedded SQLite
 * (better-sqlite3), from one `DatabaseConfig`. Migrations run at start;
 * `synchronize` is never used.
 */
import fs from "node:fs";
import path from "node:path";
import { DataSource, DataSourceOptions, Logger, QueryFailedError, QueryRunner } from "typeorm";
import type { MysqlDriver } from "typeorm/driver/mysql/MysqlDriver";
import type { LogLevel } from "typeorm/logger/Logger";
import { allEntities } from "../entities";
import { migrations } from "./migrations";
import { boundedMysqlDriver } from "./boundedMysql";
import type { DatabaseConfig, DatabaseLimits } from "../config";
import { traceSqliteStatements } from "../tracing/statements";
import { bindIntegersOnSqlite } from "./sqliteBoundIntegers";

export interface CreateDataSourceOptions {
  /** Receives every SQL statement (tests count them to prove batching). */
  onQuery?: ((sql: string) => void) | undefined;
  /** Connection pool size for MySQL. */
  poolSize?: number | undefined;
  /** Bounds on statements and connection acquisition (MySQL/MariaDB); none when absent. */
  limits?: DatabaseLimits | undefined;
  /** A span per SQL statement on SQLite (tracing is on; MySQL's come from the mysql2 instrumentation). */
  traceStatements?: boolean | undefined;
}

class QueryCountingLogger implements Logger {
  constructor(private readonly onQuery: (sql: string) => void) {}
  logQuery(query: string): void {
    this.onQuery(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** What mysql2's pooled connection offers here (its `query` bounded by boundedMysql.ts when serving). */
interface PooledConnection {
  query(sql: string, values: unknown, callback: (error: Error | null, result: unknown) => void): unknown;
  release(): void;
}

/**
 * A MySQL/MariaDB data source whose `query` without a query runner (every read outside a transaction: the
 * loaders, the lists, the viewer) runs its statement on a pooled connection itself. TypeORM's own would
 * make a query runner per statement, take the connection through it, broadcast before and after to
 * subscribers (this data source has none), wrap the connection in mysql2's promise API and copy the rows:
 * about a fifth of a page statement's CPU. What a caller sees is the same: the raw result (the rows of a
 * SELECT), the statement logged to the data source's logger, a driver's error as TypeORM's
 * `QueryFailedError` (a `DatabaseUnavailableError` within, where boundedMysql.ts raised one). Given a
 * query runner, or with subscribers registered, it is TypeORM's `query`.
 */
class MysqlDataSource extends DataSource {
  override async query<T = unknown>(query: string, parameters?: unknown[] | Record<string, unknown>, queryRunner?: QueryRunner): Promise<T> {
    if (queryRunner || this.subscribers.length) return super.query<T>(query, parameters, queryRunner);
    const connection = (await (this.driver as MysqlDriver).obtainMasterConnection()) as PooledConnection;
    try {
      this.logger.logQuery(query, parameters as unknown[] | undefined);
      return await new Promise<T>((resolve, reject) => {
        connection.query(query, parameters, (error, result) => (error ? reject(error) : resolve(result as T)));
      });
    } catch (error) {
      this.logger.logQueryError(error as Error, query, parameters as unknown[] | undefined);
      throw new QueryFailedError(query, parameters as unknown[] | undefined, error as Error);
    } finally {
      connection.release();
    }
  }
}

/**
 * @param flavor "mariadb" when the MySQL-protocol server is MariaDB: TypeORM reads
 * MariaDB's catalogue differently (column defaults), and only then does its
 * schema comparison match the migrations.
 */
export function createDataSource(config: DatabaseConfig, options: CreateDataSourceOptions = {}, flavor: "mysql" | "mariadb" = "mysql"): DataSource {
  const common = {
    entities: allEntities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: options.onQuery ? (["query"] as LogLevel[]) : false,
    ...(options.onQuery ? { logger: new QueryCountingLogger(options.onQuery) } : {}),
  };
  let dataSourceOptions: DataSourceOptions;
  if (config.type === "mysql") {
    dataSourceOptions = {
      ...common,
      type: flavor,
      url: config.url,
      // Timestamps are epoch milliseconds; BIGINTs must come back as numbers.
      supportBigNumbers: true,
      bigNumberStrings: false,
      charset: "utf8mb4_unicode_ci",
      poolSize: options.poolSize ?? 10,
      // mysql2 would capture a stack trace on every statement, to put the caller's frames on a
      // driver error's stack: measurable per statement, and no response or log line shows a stack.
      trace: false,
      extra: { connectionLimit: options.poolSize ?? 10, waitForConnections: true, enableKeepAlive: true },
      ...(options.limits ? { driver: boundedMysqlDriver(options.limits), connectTimeout: options.limits.acquireTimeoutMs } : {}),
    };
  } else {
    if (config.path !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(config.path)), { recursive: true });
    dataSourceOptions = {
      ...common,
      type: "better-sqlite3",
      database: config.path,
      enableWAL: config.path !== ":memory:",
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma("busy_timeout = 5000");
        db.pragma("foreign_keys = ON");
        // SQLite's own default page cache (2 MiB) instead of better-sqlite3's build default (16 MB): the cache
        // keeps every page written until it is full, so under a steady stream of decisions the process grew by
        // its size over its first five minutes (bench/results/start-and-soak.md). Pages it does not hold are
        // read from the operating system's file cache.
        db.pragma("cache_size = -2000");
      },
    };
  }
  const dataSource = config.type === "mysql" ? new MysqlDataSource(dataSourceOptions) : new DataSource(dataSourceOptions);
  if (config.type === "sqlite") {
    bindIntegersOnSqlite(dataSource);
    if (options.traceStatements) traceSqliteStatements(dataSource, config.path);
  }
  return dataSource;
}

/** Opens the data source and applies pending migrations. */
export async function openDatabase(config: DatabaseConfig, options: CreateDataSourceOptions = {}): Promise<DataSource> {
  let dataSource = createDataSource(config, options);
  await dataSource.initialize();
  if (config.type === "mysql") {
    const [{ version } = { version: "" }] = await dataSource.query<{ version: string }[]>("SELECT VERSION() AS version");
    if (/mariadb/i.test(version)) {
      await dataSource.destroy();
      dataSource = createDataSource(config, options, "mariadb");
      await dataSource.initialize();
    }
  }
  await exclusively(dataSource, "migrate", () => dataSource.runMigrations({ transaction: "each" }));
  return dataSource;
}

/**
 * The data source to serve with, once start-time work (migrations, seeding) is
 * done on `started`: start-time work waits on other instances' locks for up to
 * two minutes and may run long statements, so it is not bounded; serving is.
 * For MySQL/MariaDB `started` is closed and a data source bounded by `limits`
 * is opened on the same database; embedded SQLite (in the process, no pool) is
 * served by `started` itself.
 */
export async function servingDataSource(
  started: DataSource,
  config: DatabaseConfig,
  limits: DatabaseLimits,
  options: CreateDataSourceOptions = {},
): Promise<DataSource> {
  if (!isMysqlFamily(started)) return started;
  const flavor = started.options.type === "mariadb" ? "mariadb" : "mysql";
  await started.destroy();
  const bounded = createDataSource(config, { ...options, limits }, flavor);
  await bounded.initialize();
  return bounded;
}

/** MySQL or MariaDB (row locks, named locks, a connection pool, index hints); false for embedded SQLite. */
export function isMysqlFamily(dataSource: DataSource): boolean {
  const type = dataSource.options.type;
  return type === "mysql" || type === "mariadb";
}

/**
 * Runs `work` while holding a MySQL/MariaDB named lock, so instances starting
 * together on one database migrate (and seed) it one at a time: the second
 * finds the work done. The lock belongs to one connection, held for the whole
 * call. Embedded SQLite serves one process; there `work` just runs.
 */
export async function exclusively<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<T> {
  if (!isMysqlFamily(dataSource)) return work();
  const lockName = `license_requests.${name}`;
  const runner = dataSource.createQueryRunner();
  try {
    const [row] = (await runner.query("SELECT GET_LOCK(?, 120) AS acquired", [lockName])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) throw new Error(`could not take the database lock "${lockName}" within 120 s`);
    try {
      return await work();
    } finally {
      await runner.query("SELECT RELEASE_LOCK(?)", [lockName]);
    }
  } finally {
    await runner.release();
  }
}
