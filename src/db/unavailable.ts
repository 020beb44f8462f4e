/**
 * The one error for "the database does not answer": a statement without an
 * answer in time, no pooled connection in time, a connection that could not
 * be made or was lost. The edge answers it SERVICE_UNAVAILABLE (HTTP 503);
 * callers retry later. Its message names the limit, never a statement.
 */
import { QueryFailedError } from "typeorm";

export type DatabaseUnavailableCode = "DB_STATEMENT_TIMEOUT" | "DB_ACQUIRE_TIMEOUT" | "DB_CONNECTION_FAILED";

export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(
    readonly code: DatabaseUnavailableCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The `DatabaseUnavailableError` behind `error`, if any: the error itself (no
 * connection), or the driver error of a failed statement (TypeORM wraps what
 * the driver raised for a statement in a `QueryFailedError`).
 */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  if (error instanceof QueryFailedError && error.driverError instanceof DatabaseUnavailableError) return error.driverError;
  return undefined;
}
