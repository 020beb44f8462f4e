/**
 * Embedded SQLite: TypeORM's statements bind their integers instead of
 * writing them into the SQL text.
 *
 * TypeORM's SQLite drivers write every number parameter of a statement they
 * build (the query builder's, `save`'s, `update`'s) into its text as a
 * literal: `UPDATE "outbox_email" SET "lockedUntil" = 1796692599489 WHERE
 * "id" = 4211 …`. Each ID and timestamp then makes a statement text of its
 * own, and better-sqlite3's query runner prepares every new text and keeps the
 * last 100 prepared in a first-in-first-out cache. Under a steady load of
 * decisions and mail (bench/startAndSoak.ts) that was a new statement about
 * every 6 ms, 10,000 texts in 90 s: the cache never served TypeORM's writes,
 * every one of them was compiled again, and each evicted statement's memory
 * (SQLite's, outside the JS heap) stayed allocated until a collection found
 * its JS object. Bound, the same load has 85 statement texts in all.
 *
 * Bound, an integer goes as a BigInt: better-sqlite3 binds a BigInt as a
 * 64-bit integer (a JS number as a double), so the value SQLite sees is the
 * integer the literal was, whatever the column's affinity (a double would be
 * stored as '5.0' in a TEXT column). A number that is no safe integer keeps
 * TypeORM's literal. Statements written by hand (`?` placeholders,
 * src/services/shared/rows.ts) do not pass here.
 */
import type { DataSource } from "typeorm";

/** Makes `dataSource` (better-sqlite3) bind the integers of the statements TypeORM builds. */
export function bindIntegersOnSqlite(dataSource: DataSource): void {
  const { driver } = dataSource;
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql, parameters) => {
    const bound: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parameters ?? {})) {
      bound[key] = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
    }
    return escape(sql, bound);
  };
}
