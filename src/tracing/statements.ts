/**
 * Spans for the SQL statements of embedded SQLite, where no standard
 * instrumentation exists: each statement TypeORM sends through the
 * better-sqlite3 query runner becomes a client span named like the mysql2
 * instrumentation's (the statement's first word), with the same attributes
 * (`db.system.name`, `db.query.text` as TypeORM sends it, never the bound
 * parameters), as a
 * child of whatever span is active: the GraphQL resolver's or operation's.
 *
 * Uses only @opentelemetry/api: with no tracer provider registered the spans
 * are no-ops, so this is installed only when tracing is on.
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { DataSource, QueryRunner } from "typeorm";

const tracer = trace.getTracer("license-requests-api/sqlite");

function spanName(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "SQL";
}

function wrap(runner: QueryRunner, database: string): QueryRunner {
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) =>
    tracer.startActiveSpan(
      spanName(sql),
      { kind: SpanKind.CLIENT, attributes: { "db.system.name": "sqlite", "db.namespace": database, "db.query.text": sql } },
      context.active(),
      async (span) => {
        try {
          return await query(sql, parameters, structured as never);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error instanceof Error ? error.message.split("\n")[0] : undefined) ?? "query failed" });
          throw error;
        } finally {
          span.end();
        }
      },
    )) as QueryRunner["query"];
  return runner;
}

/** Makes every statement of `dataSource` (a better-sqlite3 data source, not yet initialized or initialized) a span. */
export function traceSqliteStatements(dataSource: DataSource, database: string): void {
  const driver = dataSource.driver as unknown as { createQueryRunner(mode: string): QueryRunner };
  const create = driver.createQueryRunner.bind(driver);
  const wrapped = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode: string) => {
    const runner = create(mode);
    if (!wrapped.has(runner)) {
      wrapped.add(runner);
      wrap(runner, database);
    }
    return runner;
  };
}
