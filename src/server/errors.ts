/**
 * Errors classified once, at the edge (architecture habit 4). Errors the client
 * caused keep their code and message; anything else becomes
 * INTERNAL_SERVER_ERROR with only a request ID, and the details go to the log.
 */
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";
import { databaseUnavailable } from "../db/unavailable";

/** Codes whose message is written for the client and safe to show. */
const CLIENT_CODES = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "QUERY_TOO_DEEP",
  "QUERY_TOO_COMPLEX",
  "RATE_LIMITED",
]);

const INTERNAL_MESSAGE = "Internal server error. Quote the request ID when reporting it.";
const UNAVAILABLE_MESSAGE = "The service cannot reach its database right now; retry shortly.";

/**
 * An unexpected failure already logged, answered before an operation had a
 * context (so before the request ID could go into the response's
 * `extensions`): it carries the request ID itself.
 */
export class InternalFailure extends GraphQLError {
  constructor(requestId: string) {
    super(INTERNAL_MESSAGE, { extensions: { code: "INTERNAL_SERVER_ERROR", requestId, http: { status: 500 } } });
  }
}

/**
 * The database did not answer in time (`DatabaseUnavailableError`), answered
 * before an operation had a context: it carries the request ID itself.
 */
export class ServiceUnavailable extends GraphQLError {
  constructor(requestId: string) {
    super(UNAVAILABLE_MESSAGE, { extensions: { code: "SERVICE_UNAVAILABLE", requestId, http: { status: 503 } } });
  }
}

/** Whether an operation's error is the database not answering: SERVICE_UNAVAILABLE, HTTP 503, retry later. */
export function isServiceUnavailable(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return original instanceof ServiceUnavailable || databaseUnavailable(original) !== undefined;
}

/** The code a client-caused error keeps (its message is written for the client); undefined for anything unexpected. */
function clientCode(error: unknown, formattedCode: unknown): string | undefined {
  // Validation errors carry the rule's own code on the original error (depth limit):
  // Apollo wraps a failed validation rule's error in one coded GRAPHQL_VALIDATION_FAILED.
  const original = unwrapResolverError(error) as { extensions?: Record<string, unknown>; originalError?: unknown } | undefined;
  const wrapped = original?.originalError as { extensions?: Record<string, unknown> } | undefined;
  const limitCode = [original?.extensions?.code, wrapped?.extensions?.code].find(
    (candidate) => typeof candidate === "string" && candidate.startsWith("QUERY_TOO_"),
  );
  if (typeof limitCode === "string") return limitCode;
  if (isServiceUnavailable(error)) return "SERVICE_UNAVAILABLE";
  if (typeof formattedCode === "string" && CLIENT_CODES.has(formattedCode)) return formattedCode;
  if (original instanceof InternalFailure) return "INTERNAL_SERVER_ERROR";
  return undefined;
}

/** Whether an operation's error is a fault of ours, to be logged in full and shown as INTERNAL_SERVER_ERROR. */
export function isUnexpected(error: GraphQLError): boolean {
  return clientCode(error, error.extensions?.code) === undefined;
}

/**
 * Apollo's `formatError`: client errors keep their code and message, without
 * internals; anything else becomes INTERNAL_SERVER_ERROR. With `log`, the
 * unexpected error is logged there (WebSocket operations); over HTTP the
 * request plugin logs it with the operation's request ID instead.
 */
export function formatError(log?: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = clientCode(error, formatted.extensions?.code);
    if (code === "SERVICE_UNAVAILABLE") return { ...formatted, message: UNAVAILABLE_MESSAGE, extensions: { ...stripInternals(formatted.extensions), code } };
    if (code !== undefined) return { ...formatted, extensions: { ...stripInternals(formatted.extensions), code } };
    log?.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error in a GraphQL operation");
    return {
      message: INTERNAL_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}

function stripInternals(extensions: GraphQLFormattedError["extensions"]): Record<string, unknown> {
  const { stacktrace: _stack, exception: _exception, ...rest } = (extensions ?? {}) as Record<string, unknown>;
  void _stack;
  void _exception;
  return rest;
}
