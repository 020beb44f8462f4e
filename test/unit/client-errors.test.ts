/**
 * One client-error type and one status table (src/services/shared/errors.ts):
 * every refusal the API gives a calling program carries a code of the table,
 * the HTTP status of a response refused before execution is the table's, and
 * anything else is presented as an internal error with the request ID only.
 */
import { GraphQLError } from "graphql";
import { CLIENT_ERROR_STATUS, ClientError, isClientErrorCode } from "../../src/services/shared/errors";
import { presentError, statusOf } from "../../src/server/graphql/errors";

const presentation = { hideSchema: false, hideSuggestions: false };

describe("client errors", () => {
  it("answer the table's status before execution, the highest of several", () => {
    for (const [code, status] of Object.entries(CLIENT_ERROR_STATUS)) {
      expect(statusOf([new ClientError(code as keyof typeof CLIENT_ERROR_STATUS, "m")])).toBe(status);
    }
    expect(statusOf([new ClientError("BAD_USER_INPUT", "a"), new ClientError("RATE_LIMITED", "b")])).toBe(429);
    expect(statusOf([new GraphQLError("boom")])).toBe(500);
  });

  it("set the response's status while an operation runs only for credentials and the bucket", () => {
    expect(new ClientError("UNAUTHENTICATED", "m").extensions["http"]).toEqual({ status: 401 });
    expect(new ClientError("RATE_LIMITED", "m").extensions["http"]).toEqual({ status: 429 });
    expect(new ClientError("FORBIDDEN", "m").extensions["http"]).toBeUndefined();
    expect(new ClientError("BAD_USER_INPUT", "m").extensions["http"]).toBeUndefined();
  });

  it("keep their code and message when presented, without private extensions", () => {
    const presented = presentError(new ClientError("UNAUTHENTICATED", "Sign in.", { argumentName: "x" }), presentation);
    expect(presented).toEqual({ message: "Sign in.", extensions: { code: "UNAUTHENTICATED", argumentName: "x" } });
  });

  it("leave anything with another code, or none, an internal error with only the request ID", () => {
    for (const error of [new GraphQLError("SELECT * FROM secrets failed", { extensions: { code: "ER_PARSE_ERROR" } }), new Error("stack and all")]) {
      expect(presentError(error, { ...presentation, requestId: "req-1" })).toEqual({
        message: expect.stringMatching(/^Internal server error/),
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "req-1" },
      });
    }
    expect(isClientErrorCode("INTERNAL_SERVER_ERROR")).toBe(false);
    expect(isClientErrorCode("toString")).toBe(false);
  });
});
