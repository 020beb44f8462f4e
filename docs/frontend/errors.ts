import { CombinedGraphQLErrors, ServerError } from "@apollo/client";

/** A failure the calling program must handle: a top-level error's `extensions.code` and message. */
export interface ApiProblem {
  code: string;
  message: string;
  /** Quote it when reporting an INTERNAL_SERVER_ERROR: the server's log has the details under it. */
  requestId?: string | undefined;
}

interface ErrorShape {
  message: string;
  extensions?: Record<string, unknown>;
}

const toProblem = ({ message, extensions }: ErrorShape): ApiProblem => ({
  code: typeof extensions?.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR",
  message,
  requestId: typeof extensions?.requestId === "string" ? extensions.requestId : undefined,
});

/**
 * Top-level errors, whatever way they reached the client: GraphQL errors in the
 * response (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, QUERY_TOO_DEEP, …), or
 * an HTTP status the server answered with a GraphQL-shaped JSON body
 * (RATE_LIMITED on 429, PAYLOAD_TOO_LARGE on 413). Anything else is the network.
 */
export function apiProblems(error: unknown): ApiProblem[] {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map(toProblem);
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: ErrorShape[] };
      if (body.errors?.length) return body.errors.map(toProblem);
    } catch {
      // Not JSON: a proxy's page, say.
    }
    return [{ code: `HTTP_${error.statusCode}`, message: error.message }];
  }
  return [{ code: "NETWORK", message: error instanceof Error ? error.message : String(error) }];
}

/** A mutation's userErrors by input field, for messages beside the form's fields ("" for the form as a whole). */
export function messagesByField(userErrors: readonly { code: string; message: string; field?: readonly string[] | null }[]): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const { message, field } of userErrors) {
    // field is a path such as ["input", "excludedUserIds", "1"]; the form knows its fields without "input".
    const key = (field ?? []).filter((part, i) => !(i === 0 && part === "input")).join(".");
    byField.set(key, [...(byField.get(key) ?? []), message]);
  }
  return byField;
}
