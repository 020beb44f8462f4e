/**
 * mysql2, bounded: given to TypeORM as its MySQL driver (the data source's
 * `driver` option) for serving, so that a database that stops answering ends
 * an operation with a `DatabaseUnavailableError` instead of a hang.
 *
 * - Every statement gets mysql2's `timeout`. mysql2 only reports a timed-out
 *   statement; its connection keeps waiting for the answer, and the next
 *   statement on it queues behind, without a timer of its own, for good. So a
 *   timed-out statement's connection is closed (out of the pool). TypeORM's own
 *   `enableQueryTimeout` is not used: it logs every statement over the limit,
 *   SQL and values included, whatever `logging` says.
 * - Acquiring a connection (connecting included) is bounded: mysql2's pool has
 *   no acquire timeout and waits for a free connection for ever.
 * - A connection that last answered before the latest statement timeout is not
 *   handed out again: the silence that timed that statement out has likely
 *   taken the idle connections too. It is closed and another one is taken.
 * - A connection lost or refused is reported as unavailable too.
 */
import type { Pool, PoolConnection, PoolOptions, QueryError } from "mysql2";
import type { DatabaseLimits } from "../config";
import { DatabaseUnavailableError } from "./unavailable";

type Mysql = typeof import("mysql2");
type Callback = (error: unknown, ...results: unknown[]) => void;
type QueryFunction = (sql: unknown, values?: unknown, callback?: Callback) => unknown;

/** A mysql2 module whose pools bound statements and connection acquisition by `limits`. */
export function boundedMysqlDriver(limits: DatabaseLimits): Mysql {
  // Required here, not imported at the top: only a MySQL/MariaDB database needs mysql2, and on
  // embedded SQLite loading it would cost every start its time (~60 ms) and memory for nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require("mysql2") as Mysql;
  const driver = Object.create(mysql) as Mysql;
  driver.createPool = ((options: PoolOptions) => bound(mysql.createPool(options), limits)) as Mysql["createPool"];
  return driver;
}

function bound(pool: Pool, limits: DatabaseLimits): Pool {
  // Statement timeouts so far; each connection remembers the count when it last answered.
  let silences = 0;
  const answeredAt = new WeakMap<PoolConnection, number>();
  const bounded = new WeakSet<PoolConnection>();
  pool.on("connection", (connection) => answeredAt.set(connection, silences));

  const boundStatements = (connection: PoolConnection) => {
    if (bounded.has(connection)) return;
    bounded.add(connection);
    const query = connection.query.bind(connection) as QueryFunction;
    const settle = (error: unknown): unknown => {
      const driverError = error as Partial<QueryError> | null;
      if (!driverError) {
        answeredAt.set(connection, silences);
        return null;
      }
      if (driverError.code === "PROTOCOL_SEQUENCE_TIMEOUT") {
        silences += 1;
        connection.destroy();
        return new DatabaseUnavailableError("DB_STATEMENT_TIMEOUT", `The database did not answer a statement within ${limits.statementTimeoutMs} ms.`);
      }
      if (driverError.fatal) {
        connection.destroy();
        return new DatabaseUnavailableError("DB_CONNECTION_FAILED", "The connection to the database was lost.", { cause: error });
      }
      return error;
    };
    const patched: QueryFunction = (sql, values, callback) => {
      if (typeof values === "function") {
        callback = values as Callback;
        values = undefined;
      }
      // A string, or query options; a prepared Query command passes as it is.
      const options =
        typeof sql === "string" ? { sql, timeout: limits.statementTimeoutMs } : isPlainObject(sql) ? { timeout: limits.statementTimeoutMs, ...sql } : sql;
      if (!callback) {
        const command = query(options, values) as { on?: (event: string, listener: (error: unknown) => void) => void };
        command.on?.("error", settle);
        return command;
      }
      const done = callback;
      return query(options, values, (error, ...results) => done(settle(error), ...results));
    };
    (connection as unknown as { query: QueryFunction }).query = patched;
  };

  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback) => {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      callback(
        new DatabaseUnavailableError("DB_ACQUIRE_TIMEOUT", `No database connection within ${limits.acquireTimeoutMs} ms.`),
        undefined as unknown as PoolConnection,
      );
    }, limits.acquireTimeoutMs);
    const take = () =>
      getConnection((error, connection) => {
        if (answered) {
          if (!error) connection.release();
          return;
        }
        if (!error && (answeredAt.get(connection) ?? -1) < silences) {
          connection.destroy();
          return take();
        }
        answered = true;
        clearTimeout(timer);
        if (error) {
          callback(new DatabaseUnavailableError("DB_CONNECTION_FAILED", "Could not connect to the database.", { cause: error }), connection);
          return;
        }
        boundStatements(connection);
        callback(null, connection);
      });
    take();
  };
  return pool;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
