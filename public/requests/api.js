// @ts-check
/**
 * The page's client of the public API: a POST /graphql as JSON with the
 * session's bearer token. Resolves with `data`; anything else rejects with an
 * ApiError saying what failed and whether the API answered at all.
 */
import { state } from "./state.js";

/**
 * An operation's source text, carrying the types of its result and its
 * variables for the type check only (generated/operations.js gives each
 * operation this type; at run time it is a plain string).
 * @template TData, TVariables
 * @typedef {string & { readonly __data?: TData, readonly __variables?: TVariables }} Operation
 */

/**
 * Why a call failed:
 * - "network": no answer at all (offline, connection reset, the browser gave up);
 * - "http": an answer that is not a GraphQL response (a proxy's 502, an HTML error page);
 * - "graphql": the API refused or failed the operation (top-level `errors`; `code` is their first `extensions.code`).
 * @typedef {"network" | "http" | "graphql"} ApiErrorKind
 */

export class ApiError extends Error {
  /**
   * @param {string} message what to show the person
   * @param {{ kind: ApiErrorKind, code?: string, status?: number }} details
   */
  constructor(message, { kind, code, status }) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.code = code;
    this.status = status;
  }
}

/** The API refused the token (missing, bad, expired, or its user is gone): only a new token helps. */
export function isTokenRefused(/** @type {unknown} */ error) {
  return error instanceof ApiError && error.code === "UNAUTHENTICATED";
}

/**
 * Sends `operation` with `variables`.
 * @template TData, TVariables
 * @param {Operation<TData, TVariables>} operation
 * @param {TVariables} variables
 * @returns {Promise<TData>} the response's `data`
 * @throws {ApiError} without an answer ("network"), with an answer that is no GraphQL response ("http"), or with top-level errors ("graphql")
 */
export async function gql(operation, variables) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${state.session.token}` },
      body: JSON.stringify({ query: operation, variables }),
    });
  } catch {
    throw new ApiError("The API could not be reached. Check the connection and try again.", { kind: "network" });
  }
  /** @type {{ data?: TData | null, errors?: { message: string, extensions?: { code?: unknown } }[] } | null} */
  let body;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body?.errors?.length) {
    const code = body.errors[0].extensions?.code;
    throw new ApiError(body.errors.map((e) => e.message).join(" "), {
      kind: "graphql",
      code: typeof code === "string" ? code : undefined,
      status: response.status,
    });
  }
  if (!body?.data) throw new ApiError(`The API answered HTTP ${response.status}. Try again.`, { kind: "http", status: response.status });
  return body.data;
}
