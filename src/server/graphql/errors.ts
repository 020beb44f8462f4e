/**
 * Errors classified once, for both transports (architecture habit 4). An error
 * the client caused keeps its code and its message, which is written for the
 * client; anything else becomes INTERNAL_SERVER_ERROR with the request ID, and
 * its details go to the log, never to the response.
 *
 * In production with introspection off, nothing of the schema leaks through
 * errors: validation messages are replaced by one that names nothing, so are
 * graphql-js's reasons for refusing a variable's value (they name input
 * fields, enums and types the client never sent: `Field "productId" of
 * required type "ID!" was not provided`, `Value "X" does not exist in
 * "OrderDirection" enum`), and no message suggests a name ("Did you mean …").
 */
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { databaseUnavailable } from "../../db/unavailable";
import { CLIENT_ERROR_STATUS, ClientErrorCode, isClientErrorCode } from "../../services/shared/errors";

export const INTERNAL_MESSAGE = "Internal server error. Quote the request ID when reporting it.";
export const UNAVAILABLE_MESSAGE = "The service cannot reach its database right now; retry shortly.";
export const HIDDEN_VALIDATION_MESSAGE =
  "The operation does not fit the schema. (Details are hidden in production; use a development server or one with introspection on.)";

export const HIDDEN_VALUE_REASON =
  "the value does not fit the variable's type. (Details are hidden in production; use a development server or one with introspection on.)";

/** Marks an error whose message is graphql-js's reading of a value against the schema (see `namingSchema`). */
const NAMES_SCHEMA = "namesSchema";

/** Extensions a client never sees: transport hints, internals, our own marks. */
const PRIVATE_EXTENSIONS = new Set(["http", "stacktrace", "exception", NAMES_SCHEMA]);

export interface ErrorPresentation {
  /** Production with introspection off: validation messages name nothing of the schema. */
  hideSchema: boolean;
  /** No "Did you mean …" suggestions (production). */
  hideSuggestions: boolean;
}

/**
 * The error's client code, or undefined when it is a fault of ours. The
 * database not answering in time (src/db/unavailable.ts) is SERVICE_UNAVAILABLE:
 * not the client's fault, but nothing to hide either: retry later.
 */
export function clientCodeOf(error: unknown): ClientErrorCode | undefined {
  if (isServiceUnavailable(error)) return "SERVICE_UNAVAILABLE";
  const original = unwrapResolverError(error) as { extensions?: Record<string, unknown> } | undefined;
  for (const candidate of [original, error as { extensions?: Record<string, unknown> } | undefined]) {
    const code = candidate?.extensions?.["code"];
    if (isClientErrorCode(code)) return code;
  }
  return undefined;
}

/** Whether an error is the database not answering in time (HTTP 503, retry later). */
export function isServiceUnavailable(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return (
    original instanceof ServiceUnavailable ||
    databaseUnavailable(original) !== undefined ||
    (error instanceof GraphQLError && databaseUnavailable(error.originalError) !== undefined)
  );
}

/** Whether an operation's error is a fault of ours, to be logged and shown as INTERNAL_SERVER_ERROR. */
export function isUnexpected(error: unknown): boolean {
  return clientCodeOf(error) === undefined;
}

/** The HTTP status of a response refused with these errors before execution. */
export function statusOf(errors: readonly GraphQLError[]): number {
  return Math.max(
    400,
    ...errors.map((error) => {
      const code = clientCodeOf(error);
      return code === undefined ? 500 : CLIENT_ERROR_STATUS[code];
    }),
  );
}

/**
 * One error as the client sees it. `requestId` is quoted on an internal error;
 * `formatted` is Apollo's own rendering when there is one (locations, path).
 */
export function presentError(
  error: unknown,
  options: ErrorPresentation & { requestId?: string | undefined; formatted?: GraphQLFormattedError | undefined },
): GraphQLFormattedError {
  const graphQLError = error instanceof GraphQLError ? error : null;
  const formatted = options.formatted ?? graphQLError?.toJSON() ?? { message: INTERNAL_MESSAGE };
  const code = clientCodeOf(error) ?? clientCodeOf({ extensions: formatted.extensions });
  const original = unwrapResolverError(error) as { extensions?: Record<string, unknown> } | undefined;
  if (code === undefined) {
    const requestId = options.requestId ?? (typeof original?.extensions?.["requestId"] === "string" ? original.extensions["requestId"] : undefined);
    return {
      message: INTERNAL_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: "INTERNAL_SERVER_ERROR", ...(requestId ? { requestId } : {}) },
    };
  }
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...formatted.extensions, ...original?.extensions })) {
    if (!PRIVATE_EXTENSIONS.has(key)) extensions[key] = value;
  }
  extensions["code"] = code;
  if (code === "SERVICE_UNAVAILABLE") {
    const requestId = options.requestId ?? (typeof original?.extensions?.["requestId"] === "string" ? original.extensions["requestId"] : undefined);
    return { ...formatted, message: UNAVAILABLE_MESSAGE, extensions: { code, ...(requestId ? { requestId } : {}) } };
  }
  let message = formatted.message;
  const namesSchema = original?.extensions?.[NAMES_SCHEMA] === true || formatted.extensions?.[NAMES_SCHEMA] === true;
  if (code === "GRAPHQL_VALIDATION_FAILED" && options.hideSchema && extensions["validationErrorCode"] === undefined) {
    message = HIDDEN_VALIDATION_MESSAGE;
  } else if (namesSchema && options.hideSchema) {
    message = hiddenValueMessage(message);
  } else if (options.hideSuggestions) {
    message = message.replace(/ ?Did you mean .+\?$/, "");
  }
  return { ...formatted, message, extensions };
}

/**
 * graphql-js's message about a value, without what names the schema. A
 * variable's message names only what the client sent (the variable, the type
 * it declared, its value, the path through its own keys: `Variable "$f" got
 * invalid value "X" at "f.state"`) up to the reason after "; ", which is cut
 * (a "; " inside the echoed value cuts more, never less). Anything else (an
 * argument's message) is hidden whole.
 */
function hiddenValueMessage(message: string): string {
  if (!/^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /.test(message)) return HIDDEN_VALIDATION_MESSAGE;
  const reason = message.indexOf("; ");
  return reason < 0 ? message : `${message.slice(0, reason)}; ${HIDDEN_VALUE_REASON}`;
}

/**
 * `error` (graphql-js reading a value against the schema: variable coercion,
 * argument values) with `code`, marked so that where the schema is hidden its
 * message becomes one that names nothing of it.
 */
export function namingSchema(error: GraphQLError, code: ClientErrorCode): GraphQLError {
  const coded = withCode(error, code);
  return copyWith(coded, { ...coded.extensions, [NAMES_SCHEMA]: true });
}

/** The error with `code` unless it carries a code already. */
export function withCode(error: GraphQLError, code: ClientErrorCode): GraphQLError {
  if (error.extensions?.["code"] !== undefined) return error;
  return copyWith(error, { ...error.extensions, code });
}

/** The same error (message, locations, path, cause) with other extensions. */
function copyWith(error: GraphQLError, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(error.originalError ? { originalError: error.originalError } : {}),
    extensions,
  });
}

/** The database did not answer before an operation could run (reading the viewer): it carries the request ID itself. */
export class ServiceUnavailable extends GraphQLError {
  constructor(requestId: string) {
    super(UNAVAILABLE_MESSAGE, { extensions: { code: "SERVICE_UNAVAILABLE", requestId, http: { status: 503 } } });
  }
}

/** An unexpected failure already logged, answered before an operation ran: it carries the request ID itself. */
export class InternalFailure extends GraphQLError {
  constructor(requestId: string) {
    super(INTERNAL_MESSAGE, { extensions: { code: "INTERNAL_SERVER_ERROR", requestId, http: { status: 500 } } });
  }
}
