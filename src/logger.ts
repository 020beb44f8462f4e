/**
 * Structured JSON logs (pino). Tokens, cookies and message bodies never reach a
 * log line: the redaction list is the one place that says so. Errors are
 * logged by kind, code and message only: never a stack, nor the SQL and
 * parameters a database error carries (they can hold personal data).
 */
import pino, { DestinationStream, Logger } from "pino";

const MAX_ERROR_MESSAGE = 300;

/** What a log line says about an error: enough to find it, nothing it may hide. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const driverError = (error as { driverError?: { code?: unknown; errno?: unknown } }).driverError;
  if (driverError) {
    // TypeORM's QueryFailedError: its message and properties repeat the statement and its values.
    return { type: error.name, code: driverError.code, errno: driverError.errno };
  }
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    message: error.message.slice(0, MAX_ERROR_MESSAGE),
  };
}

/**
 * `destination` defaults to standard output, written asynchronously: a line is
 * queued and written off the request's path, and lines that arrive while a
 * write is under way go out together in the next (one line per operation is
 * logged at info). Call `logger.flush(callback)` before the process exits so
 * that the last lines are written. Tests pass a stream to read the lines.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: "license-requests-api" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: describeError },
      redact: {
        paths: ["req.headers.authorization", "req.headers.cookie", "authorization", "token", "variables", "*.password", "*.message.text", "*.message.html"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

export type { Logger };
