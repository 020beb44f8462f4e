/**
 * The two kinds of failure, classified once.
 *
 * - `UserError`s are data: what the caller's user can act on, returned in a
 *   mutation payload's `userErrors`, after which nothing changed.
 * - `ClientError`s are what the calling program did wrong (FORBIDDEN, BAD_USER_INPUT,
 *   UNAUTHENTICATED, …): top-level GraphQL errors with `extensions.code`, one
 *   type for every transport, with one table of codes and HTTP statuses.
 * Anything else is unexpected and becomes INTERNAL_SERVER_ERROR at the edge.
 */
import { GraphQLError } from "graphql";

import type { UserErrorCodeValue } from "../../values";

export type UserErrorCode = UserErrorCodeValue;

export interface UserError {
  code: UserErrorCode;
  message: string;
  field: string[] | null;
}

export function userError(code: UserErrorCode, message: string, field: string[] | null = null): UserError {
  return { code, message, field };
}

/** A service outcome: a value, or the user errors that stopped it (nothing changed). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failed = <T = never>(...userErrors: UserError[]): Outcome<T> => ({ ok: false, userErrors });

/**
 * Every code a top-level error may carry for the client, with the HTTP
 * status a response refused by it gets (the one table: the pipeline's
 * refusals, the transports, and the error presentation read it). A code not
 * here is a fault of ours: INTERNAL_SERVER_ERROR, details in the log only.
 */
export const CLIENT_ERROR_STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  PAYLOAD_TOO_LARGE: 413,
  /** A request body in a charset or content encoding the server does not read (HTTP only). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUERY_TOO_LONG: 400,
  QUERY_TOO_MANY_TOKENS: 400,
  QUERY_TOO_DEEP: 400,
  QUERY_TOO_MANY_ALIASES: 400,
  QUERY_TOO_MANY_DIRECTIVES: 400,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  /** An activity-log cursor older than the log keeps (api.md "Nothing missed"): read the lists afresh. */
  CURSOR_EXPIRED: 410,
  // WebSocket operations only.
  NOT_FOUND: 404,
  TOO_MANY_SUBSCRIPTIONS: 429,
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERROR_STATUS;

/** Whether `code` is a client error's (its message is written for the client and safe to show). */
export const isClientErrorCode = (code: unknown): code is ClientErrorCode =>
  typeof code === "string" && Object.prototype.hasOwnProperty.call(CLIENT_ERROR_STATUS, code);

/**
 * Codes that set the response's status even when raised while the operation
 * runs (every other one answers 200 beside the data, as GraphQL over HTTP does
 * for execution errors): a request without valid credentials is 401 wherever
 * that is found.
 */
const STATUS_DURING_EXECUTION: ReadonlySet<ClientErrorCode> = new Set(["UNAUTHENTICATED", "RATE_LIMITED"]);

/** A top-level error the client program caused, over any transport; its message is safe to show. */
export class ClientError extends GraphQLError {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    const status = STATUS_DURING_EXECUTION.has(code) ? { http: { status: CLIENT_ERROR_STATUS[code] } } : {};
    super(message, { extensions: { code, ...extra, ...status } });
  }
}

export const forbidden = (message = "You are not allowed to do this.") => new ClientError("FORBIDDEN", message);
export const badUserInput = (message: string, argumentName?: string) => new ClientError("BAD_USER_INPUT", message, argumentName ? { argumentName } : {});
export const unauthenticated = (message = "Sign in: a valid bearer token is required.") => new ClientError("UNAUTHENTICATED", message);

/** Thrown inside a transaction to roll it back and return these user errors. */
export class UserErrorsAbort extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.message).join(" "));
  }
}
