/**
 * Connection arguments (src/services/shared/pagination.ts): `first`/`last` take 1..100,
 * 20 forward by default, not both together; cursors must be this connection's.
 * Every violation is a BAD_USER_INPUT error naming the argument.
 */
import { GraphQLError } from "graphql";
import {
  ConnectionArgs,
  decodeCursorParts,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  MAX_PAGE_SIZE,
  pageWindow,
  toConnection,
} from "../../src/services/shared/pagination";

/** This connection's cursors: [n] with a number n. */
const decodeNumberCursor = (cursor: string): number | null => {
  const parts = decodeCursorParts(cursor);
  return parts && parts.length === 1 && typeof parts[0] === "number" ? parts[0] : null;
};

const windowOf = (args: ConnectionArgs) => pageWindow(args, decodeNumberCursor);

function rejection(args: ConnectionArgs): GraphQLError {
  try {
    windowOf(args);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return error as GraphQLError;
  }
  throw new Error(`pageWindow accepted ${JSON.stringify(args)}`);
}

describe("pageWindow", () => {
  it("pages forward by 20 from the start when no size is given", () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(windowOf({})).toEqual({ direction: "forward", size: 20, cursor: null, bound: null });
    expect(windowOf({ first: null, last: null, after: null, before: null })).toEqual({ direction: "forward", size: 20, cursor: null, bound: null });
  });

  it.each([1, 50, 100])("accepts first: %i", (first) => {
    expect(windowOf({ first })).toMatchObject({ direction: "forward", size: first });
  });

  it.each([1, 100])("accepts last: %i and pages backward", (last) => {
    expect(windowOf({ last })).toMatchObject({ direction: "backward", size: last, cursor: null });
  });

  it.each([0, -1, 101, 1.5])("refuses first: %p with BAD_USER_INPUT naming `first`", (first) => {
    const error = rejection({ first });
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "first" });
    expect(error.message).toBe(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`);
  });

  it.each([0, -1, 101])("refuses last: %p with BAD_USER_INPUT naming `last`", (last) => {
    const error = rejection({ last });
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "last" });
  });

  it("refuses first and last together", () => {
    const error = rejection({ first: 10, last: 10 });
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "last" });
    expect(error.message).toBe("Pass `first` or `last`, not both.");
  });

  it("decodes after/before into the window's cursor and bound", () => {
    expect(windowOf({ first: 5, after: encodeCursor([3]), before: encodeCursor([9]) })).toEqual({
      direction: "forward",
      size: 5,
      cursor: 3,
      bound: 9,
    });
    expect(windowOf({ last: 5, after: encodeCursor([3]), before: encodeCursor([9]) })).toEqual({
      direction: "backward",
      size: 5,
      cursor: 9,
      bound: 3,
    });
  });

  it.each([
    ["not base64url", "%%%"],
    ["base64url of something other than JSON", Buffer.from("hello").toString("base64url")],
    ["a cursor of another shape", encodeCursor(["a", 1])],
    ["a cursor longer than 200 characters", encodeCursor(Array.from({ length: 100 }, (_, i) => i))],
  ])("refuses an `after` that is %s", (_what, after) => {
    expect(rejection({ after }).extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "after" });
  });

  it("refuses a malformed `before` naming `before`", () => {
    expect(rejection({ before: "!" }).extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "before" });
  });
});

describe("toConnection", () => {
  const cursorOf = (n: number) => encodeCursor([n]);
  const noCount = async () => 0;

  it("uses the extra row to tell that a forward page has more, and drops it", () => {
    const connection = toConnection([1, 2, 3], windowOf({ first: 2 }), cursorOf, noCount);
    expect(connection.nodes).toEqual([1, 2]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: cursorOf(1), endCursor: cursorOf(2) });
  });

  it("reports a previous page for a forward page that starts after a cursor", () => {
    const connection = toConnection([4, 5], windowOf({ first: 2, after: cursorOf(3) }), cursorOf, noCount);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("puts a backward page (fetched in reverse) back in display order", () => {
    const connection = toConnection([9, 8, 7], windowOf({ last: 2, before: cursorOf(10) }), cursorOf, noCount);
    expect(connection.nodes).toEqual([8, 9]);
    expect(connection.edges.map((e) => e.cursor)).toEqual([cursorOf(8), cursorOf(9)]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: cursorOf(8), endCursor: cursorOf(9) });
  });

  it("has null cursors on an empty page", () => {
    expect(toConnection([], windowOf({}), cursorOf, noCount).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
