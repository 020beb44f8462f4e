/**
 * Errors classified once, at the edge (architecture habit 4). Errors the client
 * caused keep their code and message; anything else becomes
 * INTERNAL_SERVER_ERROR with only a request ID, and the details go to the log.
 */
import { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";

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

export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    // Validation errors carry the rule's own code on the original error (depth limit):
    // Apollo wraps a failed validation rule's error in one coded GRAPHQL_VALIDATION_FAILED.
    const original = unwrapResolverError(error) as { extensions?: Record<string, unknown>; originalError?: unknown } | undefined;
    const wrapped = original?.originalError as { extensions?: Record<string, unknown> } | undefined;
    const originalCode = [original?.extensions?.code, wrapped?.extensions?.code].find(
      (candidate) => typeof candidate === "string" && candidate.startsWith("QUERY_TOO_"),
    );
    if (typeof originalCode === "string") {
      return { ...formatted, extensions: { ...stripInternals(formatted.extensions), code: originalCode } };
    }
    if (typeof code === "string" && CLIENT_CODES.has(code)) {
      return { ...formatted, extensions: stripInternals(formatted.extensions) };
    }
    log.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected error in a GraphQL operation");
    return {
      message: "Internal server error. Quote the request ID when reporting it.",
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
