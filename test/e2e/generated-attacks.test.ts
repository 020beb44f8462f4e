/**
 * Generated attacks (issue #10, point 10): random operations derived from the
 * schema at every root field of Query, Mutation and Subscription (random
 * aliases, fragments, directives, nesting past the bounds, argument literals
 * and variables of random JSON: huge numbers, long strings, lone surrogates,
 * NUL bytes, wrong types, IDs of both organizations, malformed IDs), and
 * bodies that are no operation at all, sent by callers of both organizations,
 * anonymous callers and bad tokens, over HTTP and over graphql-ws.
 *
 * For every call:
 * - never a 5xx, never INTERNAL_SERVER_ERROR, every error carries a code;
 * - no stack frame, SQL, driver or JavaScript error words in what comes back;
 * - a refused mutation (the whole operation refused, or every root field null
 *   or with userErrors) changed no stored row.
 *
 * `npm test` runs a few hundred cases; ATTACK_RUNS=10000 (`npm run test:attacks`)
 * the full run; ATTACK_SEED=<seed> replays a failure fast-check reported.
 */
import fc from "fast-check";
import { getOperationAST, Kind, parse, SelectionSetNode } from "graphql";
import { attackRuns, attackSeed, idCatalogue, INTERNALS, snapshot, snapshotDiff, WsOutcome, WsSession, wsErrors } from "../helpers/attacks";
import { committedSchema, GeneratedCall, operations } from "../helpers/generate";
import { startTestServer, TestServer } from "../helpers/server";

const RUNS = attackRuns(250, "GENERATED_ATTACK_RUNS");
jest.setTimeout(120_000 + RUNS * 400);

const USERS = ["admin@contoso.example", "adele@contoso.example", "admin@fabrikam.example", "diego@fabrikam.example"] as const;
/** Callers: the users above, no token, and a token that is no JWT. */
const CALLERS = [...USERS, null, "not-a-jwt"] as const;
type Caller = (typeof CALLERS)[number];
/** How long an operation over the socket may stay silent before we take it for an admitted subscription. */
const QUIET_MS = 150;
/** graphql-ws closes the socket (1009) for a message over WS_MAX_PAYLOAD_BYTES (default 100 KiB). */
const WS_MAX_PAYLOAD = 100 * 1024;

type Body = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** The response keys of an operation's root fields (through fragments); null when the document cannot be read. */
function rootKeys(query: string, operationName: unknown): string[] | null {
  let document;
  try {
    document = parse(query);
  } catch {
    return null;
  }
  const operation = getOperationAST(document, typeof operationName === "string" ? operationName : undefined);
  if (!operation) return null;
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d] as const));
  const keys = new Set<string>();
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value) && fragments.has(selection.name.value))
        visit(fragments.get(selection.name.value)!.selectionSet, new Set(seen).add(selection.name.value));
    }
  };
  visit(operation.selectionSet, new Set());
  return [...keys];
}

/**
 * Whether a mutation's answer says nothing was done: refused before it ran (no
 * `data`), or every root field answered null with its own error, or with
 * userErrors. (`data: null` after one root field failed says nothing of the
 * others: the failed field's non-null payload nulls the whole answer, whatever
 * ran before it. Such an answer is not counted as a refusal.)
 */
function refusedMutation(body: Body, call: GeneratedCall): boolean {
  if (body.data === undefined) return true;
  const keys = rootKeys(String(call.payload.query), call.payload.operationName);
  if (!keys) return false;
  const failed = new Set((body.errors ?? []).map((e) => (e as { path?: unknown[] }).path?.[0]));
  if (body.data === null) return keys.every((key) => failed.has(key));
  return keys.every((key) => {
    const payload = (body.data as Record<string, unknown>)[key];
    if (payload === undefined) return true; // skipped
    if (payload === null) return failed.has(key);
    return (
      typeof payload === "object" &&
      Array.isArray((payload as { userErrors?: unknown }).userErrors) &&
      (payload as { userErrors: unknown[] }).userErrors.length > 0
    );
  });
}

function fail(what: string, call: GeneratedCall, detail: unknown): never {
  throw new Error(`${what}\nsent: ${call.body.slice(0, 2_000)}\ngot: ${JSON.stringify(detail).slice(0, 3_000)}`);
}

function checkErrors(errors: Body["errors"], call: GeneratedCall, detail: unknown): string[] {
  const codes: string[] = [];
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== "string") fail("an error without a code", call, detail);
    if (code === "INTERNAL_SERVER_ERROR") fail("INTERNAL_SERVER_ERROR", call, detail);
    codes.push(code);
  }
  return codes;
}

describe("generated operations over HTTP and graphql-ws", () => {
  let server: TestServer;
  const tokens = new Map<Caller, string | null>();
  const sessions = new Map<string, WsSession>();
  const outcomes = new Map<string, number>();
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

  beforeAll(async () => {
    server = await startTestServer();
    for (const caller of CALLERS) tokens.set(caller, caller === null ? null : caller.includes("@") ? await server.ids.token(caller) : caller);
    for (const user of USERS) sessions.set(user, await WsSession.open(server.wsUrl, tokens.get(user)!));
  });
  afterAll(async () => {
    for (const session of sessions.values()) await session.close();
    await server?.stop();
    // A summary of what the generated calls met, to see that they reach past validation.
    console.log(`generated attacks: ${RUNS} cases; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  });

  const post = async (caller: Caller, call: GeneratedCall) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = tokens.get(caller);
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${server.url}/graphql`, { method: "POST", headers, body: call.body });
    return { status: response.status, text: await response.text() };
  };

  /** Runs `send` around snapshots when it is a mutation; a refused one must leave every row as it was. */
  const unchangedWhenRefused = async <T>(call: GeneratedCall, send: () => Promise<T>, bodyOf: (result: T) => Body | null): Promise<T> => {
    if (call.kind !== "mutation") return send();
    const before = await snapshot(server.service.dataSource);
    const result = await send();
    const body = bodyOf(result);
    if (body && refusedMutation(body, call)) {
      const diff = snapshotDiff(before, await snapshot(server.service.dataSource));
      if (Object.keys(diff).length) fail("a refused mutation changed stored rows", call, { answer: body, changed: diff });
      count("mutation refused, nothing changed");
    } else if (body) count("mutation acted");
    return result;
  };

  const overHttp = async (caller: Caller, call: GeneratedCall) => {
    const res = await unchangedWhenRefused(
      call,
      () => post(caller, call),
      (r) => {
        try {
          return JSON.parse(r.text) as Body;
        } catch {
          return null;
        }
      },
    );
    if (res.status >= 500) fail(`HTTP ${res.status}`, call, res.text);
    if (INTERNALS.test(res.text)) fail("an internal detail in the HTTP response", call, res.text);
    let body: Body;
    try {
      body = JSON.parse(res.text) as Body;
    } catch {
      return fail("a response that is not JSON", call, res.text);
    }
    const codes = checkErrors(body.errors, call, body);
    count(`http ${res.status} ${codes[0] ?? "ok"}`);
  };

  const overWebSocket = async (caller: Caller, call: GeneratedCall) => {
    if (caller === null || !caller.includes("@")) {
      // No valid token: the socket is closed with 4401 before any operation runs.
      const session = await WsSession.open(server.wsUrl, tokens.get(caller) ?? null);
      if (session.closed?.code !== 4401) fail("a socket without a valid token was not closed with 4401", call, session.closed);
      count("ws 4401");
      return;
    }
    const session = sessions.get(caller)!;
    await session.ensureOpen();
    const outcome: WsOutcome = await unchangedWhenRefused(
      call,
      () => session.run(call.body, { quietMs: QUIET_MS }),
      (o) => {
        if (o.closed) return null;
        const errorFrame = o.frames.find((f) => f.type === "error");
        // Refused in onSubscribe: nothing ran.
        if (errorFrame) return { errors: errorFrame.payload as Body["errors"] };
        const next = o.frames.find((f) => f.type === "next");
        return next ? (next.payload as Body) : null;
      },
    );
    const text = JSON.stringify(outcome.frames);
    if (INTERNALS.test(text)) fail("an internal detail in a WebSocket frame", call, outcome);
    if (outcome.closed) {
      // By protocol: a message graphql-ws cannot read closes the socket (4400), one over the size bound too (1009).
      const expected = call.badShape ? [4400] : Buffer.byteLength(call.body) > WS_MAX_PAYLOAD - 100 ? [1009] : [];
      if (!expected.includes(outcome.closed.code)) fail(`the socket closed with ${outcome.closed.code}`, call, outcome);
      count(`ws closed ${outcome.closed.code}`);
      await session.ensureOpen();
      return;
    }
    if (call.badShape) fail("graphql-ws accepted a message it cannot read", call, outcome);
    const codes = checkErrors(wsErrors(outcome), call, outcome);
    count(`ws ${outcome.running ? "running" : (codes[0] ?? "ok")}`);
  };

  it("never answers a generated call with a 500, an internal detail, or a change after a refusal", async () => {
    // graphql-ws reports a fault in our hooks with console.error (and closes the socket with 4500).
    const consoleErrors: unknown[][] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void consoleErrors.push(args));
    const ids = [...(await idCatalogue(server.service.dataSource)).keys()];
    const arbitrary = fc.record({ caller: fc.constantFrom(...CALLERS), call: operations(committedSchema(), { ids }) });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ caller, call }) => {
        count(`kind ${call.kind}`);
        for (const field of call.rootFields) count(`root ${field}`);
        await overHttp(caller, call);
        await overWebSocket(caller, call);
        // Whatever the socket did after the operation ended (e.g. for our `complete`) shows by the next call.
        await new Promise((resolve) => setImmediate(resolve));
        for (const session of sessions.values()) {
          if (session.closed && !(call.badShape && session.closed.code === 4400))
            fail(`a socket closed with ${session.closed.code} after the call`, call, session.closed);
        }
        if (consoleErrors.length)
          fail(
            "graphql-ws reported an internal error",
            call,
            consoleErrors.splice(0).map((args) => args.map(String)),
          );
      }),
      { numRuns: RUNS, seed: attackSeed(), endOnFailure: true },
    );
    spy.mockRestore();
    // The generator reaches every root field, and past validation into execution.
    const schema = committedSchema();
    for (const root of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const field of Object.keys(root.getFields())) expect(outcomes.get(`root ${field}`) ?? 0).toBeGreaterThan(0);
    }
    expect(outcomes.get("http 200 ok") ?? 0).toBeGreaterThan(RUNS / 50);
    expect(outcomes.get("mutation refused, nothing changed") ?? 0).toBeGreaterThan(0);
  });
});

/** What the generated calls found, kept as fixed cases. */
describe("defects the generated calls found", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("refuses a subscription sent over HTTP with BAD_REQUEST (it ran, and failed as INTERNAL_SERVER_ERROR)", async () => {
    const res = await server.gql("admin@contoso.example", "subscription { licenseRequestUpdated { recipientCount } }");
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([
      { message: "Subscriptions run over graphql-ws (WebSocket) on this path, not over HTTP.", extensions: { code: "BAD_REQUEST" } },
    ]);
  });

  it("refuses a malformed idempotencyKey before any root field runs (the earlier ones acted, and the answer was data: null)", async () => {
    const before = await snapshot(server.service.dataSource);
    const res = await server.gql(
      "admin@contoso.example",
      `mutation { on: updateRequestProcessSettings(input: { useOwnRequestProcess: true, message: "Ask the desk." }) { userErrors { code } }
        bad: updateRequestProcessSettings(input: { useOwnRequestProcess: false, idempotencyKey: "" }) { userErrors { code } } }`,
    );
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", argumentName: "idempotencyKey" } })]);
    expect(snapshotDiff(before, await snapshot(server.service.dataSource))).toEqual({});
  });

  it("refuses a subscription whose root field is skipped, and keeps the socket (it was closed with 4500)", async () => {
    const session = await WsSession.open(server.wsUrl, await server.ids.token("admin@contoso.example"));
    try {
      for (const query of [
        "subscription { licenseRequestUpdated @include(if: false) { id } }",
        "subscription { ...S } fragment S on Subscription { licenseRequestSubmitted @skip(if: true) { id } }",
      ]) {
        const outcome = await session.run({ query });
        expect(outcome.closed).toBeUndefined();
        expect(wsErrors(outcome).map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      }
      const me = await session.run({ query: "{ me { email } }" });
      expect((me.frames[0].payload as Body).data).toEqual({ me: { email: "admin@contoso.example" } });
    } finally {
      await session.close();
    }
  });
});
