/**
 * The two kinds of failure, classified once.
 *
 * - `UserError`s are data: what the caller's user can act on, returned in a
 *   mutation payload's `userErrors`, after which nothing changed.
 * - `ApiError`s are what the calling program did wrong (FORBIDDEN, BAD_USER_INPUT,
 *   UNAUTHENTICATED, …): top-level GraphQL errors with `extensions.code`.
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

export type ApiErrorCode = "UNAUTHENTICATED" | "FORBIDDEN" | "BAD_USER_INPUT" | "QUERY_TOO_DEEP" | "QUERY_TOO_COMPLEX" | "RATE_LIMITED";

const HTTP_STATUS: Partial<Record<ApiErrorCode, number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

/** A top-level error the client program caused; its message is safe to show. */
export class ApiError extends GraphQLError {
  constructor(code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}) {
    const status = HTTP_STATUS[code];
    super(message, { extensions: { code, ...extra, ...(status ? { http: { status } } : {}) } });
  }
}

export const forbidden = (message = "You are not allowed to do this.") => new ApiError("FORBIDDEN", message);
export const badUserInput = (message: string, argumentName?: string) => new ApiError("BAD_USER_INPUT", message, argumentName ? { argumentName } : {});
export const unauthenticated = (message = "Sign in: a valid bearer token is required.") => new ApiError("UNAUTHENTICATED", message);

/** Thrown inside a transaction to roll it back and return these user errors. */
export class UserErrorsAbort extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.message).join(" "));
  }
}
