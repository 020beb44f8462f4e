/**
 * The one GraphQL pipeline of every transport. HTTP (Apollo Server, see
 * apollo.ts), graphql-ws (src/server/websocket.ts) and Server-Sent Events
 * (src/server/sse.ts) hand every operation to `admit` before anything of it
 * runs, and all present errors, settle the cost and log through the same
 * functions, so an operation gets the same verdict whichever way it came:
 *
 * 1. the caller: an anonymous caller may run a link's mutation
 *    (`recordRecommendation`, `decideLicenseRequestByLink`,
 *    `endorseLicenseRequestByLink`) asking for its own
 *    payload, and, while introspection is on, a query of the schema alone
 *    (anonymous.ts); anything else is UNAUTHENTICATED before validation, and
 *    it is read within the parse bounds only to tell. Such a refusal, like a
 *    transport's for a missing or bad token (`unauthenticated`), costs the
 *    caller's bucket an operation, and is RATE_LIMITED once the bucket is empty;
 * 2. the request's shape (BAD_REQUEST);
 * 3. parse within the length and token bounds, then validation: graphql-js's
 *    rules, armor's depth/alias/directive bounds, introspection where it is
 *    off (both cached per document text);
 * 4. the operation to run (OPERATION_RESOLUTION_FAILURE), a subscription
 *    only where the transport can run one (BAD_REQUEST over HTTP), and only a
 *    subscription where the transport runs nothing else (BAD_REQUEST over
 *    Server-Sent Events);
 * 5. variables, coerced as execution would (BAD_USER_INPUT, graphql-js's message);
 * 6. page arguments and the price (BAD_USER_INPUT, QUERY_TOO_COMPLEX), see cost.ts;
 * 7. the caller's leaky bucket (RATE_LIMITED, with when to retry), answered
 *    only after a pause (see THROTTLED_ANSWER_DELAY_MS).
 *
 * What is left to each transport: reading the request and the viewer, and
 * running the admitted operation, through `execute` for queries and mutations:
 * each validated document's query is compiled once by graphql-jit and
 * kept with the document, so a request runs a compiled function instead of
 * walking the document again (the same resolvers, errors and result as
 * graphql-js's `execute`). With tracing on, graphql-js runs the operation
 * instead: its instrumentation gives the execute span.
 */
import {
  ASTVisitor,
  DocumentNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
  OperationTypeNode,
  specifiedRules,
  validate,
  ValidationContext,
  ValidationRule,
  ExecutionResult,
  execute,
  valueFromASTUntyped,
} from "graphql";
import { trace } from "@opentelemetry/api";
import { compileQuery, CompiledQuery, isCompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import type { Config } from "../../config";
import { ClientError } from "../../services/shared/errors";
import type { Metrics } from "../metrics";
import { readsOnlySchema, runsWithoutToken } from "./anonymous";
import { actualCost, QueryPricer } from "./cost";
import { clientCodeOf, ErrorPresentation, isServiceUnavailable, isUnexpected, namingSchema, presentError, statusOf, withCode } from "./errors";
import { limitError, parseWithinLimits, shapeRules } from "./limits";
import type { CostLimiter, ThrottleStatus } from "./rateLimit";

/** An operation as a client sends it (JSON body, query string or graphql-ws `subscribe` payload), not yet trusted. */
export interface OperationRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** Who asks, as far as is known before the database is read. */
export interface Caller {
  /** The bucket: `user:<org>:<user>`, or `address:<ip>` for anonymous callers. */
  rateKey: string;
  anonymous: boolean;
  /**
   * Whether the transport can run a subscription (graphql-ws can; plain HTTP
   * cannot: executed there, a subscription's root field has no event and
   * fails as a fault of ours).
   */
  subscriptions: boolean;
  /** Whether the transport runs subscriptions only (Server-Sent Events): a query or mutation is refused (BAD_REQUEST). */
  subscriptionsOnly?: boolean | undefined;
}

export interface AdmittedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  /** As the client sent them; execution coerces them again (and applies the defaults of those left out). */
  variables: Record<string, unknown>;
  /** As graphql-js coerced them for this operation. */
  coercedVariables: Record<string, unknown>;
  requestedCost: number;
  rateKey: string;
  /**
   * The operation compiled (queries, when compiling is on); null: graphql-js runs it. Its `query` takes the
   * variables as the client sent them and answers as graphql-js's `execute` would (see `withVariableDefaults`).
   */
  compiled: CompiledQuery | null;
}

export type Admission =
  | { ok: true; admitted: AdmittedOperation }
  /** `operationName`: the refused operation's name where the document names it (logs and metrics). */
  | { ok: false; errors: GraphQLError[]; status: number; retryAfterSeconds?: number | undefined; operationName: string | null };

export type Refusal = Extract<Admission, { ok: false }>;

/** Shopify's `extensions.cost`, on every response. */
export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: ThrottleStatus;
}

const tracer = trace.getTracer("license-requests-api");

/** Variables nested deeper than this are not data a person sends. */
const MAX_VARIABLE_DEPTH = 16;
/** Characters of client-chosen names written to the log. */
const MAX_LOGGED_NAME = 200;
/**
 * How long a RATE_LIMITED refusal waits before it is answered. The bucket
 * bounds what a caller's operations cost to run, not how fast they are
 * refused: a caller that ignores Retry-After and sends again at once, from
 * many connections, kept the event loop busy refusing it and everyone else's
 * operations waited behind the refusals (p95 ×19 in test/e2e/fair-use). A
 * paused refusal holds one connection or operation of the flooder per
 * answer instead. Retry-After is at least one second, so a caller that
 * honours it loses nothing.
 */
export const THROTTLED_ANSWER_DELAY_MS = 1_000;

/** A document as parsed and validated; `document` is null when it did not parse. */
type CachedDocument = { document: DocumentNode; errors: null } | { document: DocumentNode | null; errors: GraphQLError[] };
type ValidDocument = Extract<CachedDocument, { errors: null }>;

/** Variable sets whose price is kept per operation (a client paging through a list sends a new cursor each time). */
const MAX_PRICES_PER_OPERATION = 64;
/** Documents whose compiled operations are kept (the most recently used; compiled code is larger than the text). */
const MAX_COMPILED_DOCUMENTS = 500;

export interface PipelineOptions {
  schema: GraphQLSchema;
  config: Pick<Config, "limits" | "rateLimit" | "introspection" | "isProduction">;
  limiter: CostLimiter;
  metrics: Metrics;
  /** Compile queries and mutations with graphql-jit (default true; off where graphql-js's tracing should see execution). */
  compile?: boolean | undefined;
}

export class GraphQLPipeline {
  readonly validationRules: readonly ValidationRule[];
  readonly presentation: ErrorPresentation;
  private readonly pricer: QueryPricer;
  /** Prices by operation (its node, kept while its document is), then by variables. */
  private readonly prices = new WeakMap<OperationDefinitionNode, Map<string, number>>();
  /** Per valid document: its operations compiled so far, by name ("" for an anonymous one); null where graphql-jit could not. */
  private readonly compiled = new LRUCache<ValidDocument, Map<string, CompiledQuery | null>>({ max: MAX_COMPILED_DOCUMENTS });
  private readonly documents = new LRUCache<string, CachedDocument>({
    maxSize: 20 * 1024 * 1024,
    sizeCalculation: (_value, key) => key.length + 1,
  });

  constructor(private readonly options: PipelineOptions) {
    const { config } = options;
    this.validationRules = [...specifiedRules, ...shapeRules(config.limits), ...(config.introspection ? [] : [noIntrospection])];
    this.presentation = { hideSchema: config.isProduction && !config.introspection, hideSuggestions: config.isProduction };
    this.pricer = new QueryPricer(options.schema);
  }

  /** Checks everything about an operation that can be checked before it runs; takes its requested cost from the bucket. */
  async admit(request: OperationRequest, caller: Caller): Promise<Admission> {
    let parsed: DocumentNode | null = null;
    const refused = (errors: GraphQLError[], retryAfterSeconds?: number): Admission => ({
      ok: false,
      errors,
      status: statusOf(errors),
      retryAfterSeconds,
      operationName: nameOf(parsed, request.operationName),
    });
    const { query, operationName } = request;
    // An anonymous caller runs a link's mutation, and, while introspection is on, a query of the schema alone.
    const gated = caller.anonymous;
    const signIn = (document: DocumentNode | null = null) =>
      this.unauthenticated(caller.rateKey, new ClientError("UNAUTHENTICATED", "Sign in: a valid bearer token is required."), nameOf(document, operationName));
    if (gated && typeof query !== "string") return signIn();
    if (typeof query !== "string" || query.trim() === "") {
      return refused([new ClientError("BAD_REQUEST", "Send the operation as a non-empty string `query`.")]);
    }
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
      return refused([new ClientError("BAD_REQUEST", "`operationName` must be a string.")]);
    }
    const variables = request.variables ?? {};
    if (typeof variables !== "object" || Array.isArray(variables)) {
      return refused([new ClientError("BAD_REQUEST", "`variables` must be an object.")]);
    }

    const cached = this.documentOf(query);
    if (
      gated &&
      (!cached.document ||
        !(runsWithoutToken(cached.document, operationName) || (this.options.config.introspection && readsOnlySchema(cached.document, operationName))))
    ) {
      return signIn(cached.document ?? null);
    }
    parsed = cached.document;
    if (cached.errors) return refused(cached.errors);
    const document = cached.document;
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      const message = operationName ? `Unknown operation named "${boundName(operationName)}".` : "Name the operation to run: the document holds several.";
      return refused([new ClientError("OPERATION_RESOLUTION_FAILURE", message)]);
    }
    if (operation.operation === OperationTypeNode.SUBSCRIPTION && !caller.subscriptions) {
      return refused([new ClientError("BAD_REQUEST", "Subscriptions run over graphql-ws (WebSocket) on this path, not over HTTP.")]);
    }
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION && caller.subscriptionsOnly) {
      return refused([new ClientError("BAD_REQUEST", `Only subscriptions run here; send a ${operation.operation} to POST /graphql.`)]);
    }
    if (depthOf(variables) > MAX_VARIABLE_DEPTH) {
      return refused([new ClientError("BAD_USER_INPUT", `Variables are nested more than ${MAX_VARIABLE_DEPTH} levels deep.`)]);
    }
    const coerced = getVariableValues(this.options.schema, operation.variableDefinitions ?? [], variables as Record<string, unknown>, {
      maxErrors: 20,
    });
    if (coerced.errors) return refused(coerced.errors.map((e) => namingSchema(e, "BAD_USER_INPUT")));

    const { limits, rateLimit } = this.options.config;
    let selectionCost: number;
    try {
      selectionCost = this.priceOf(document, operation, coerced.coerced);
    } catch (error) {
      if (error instanceof GraphQLError) return refused([error]);
      throw error;
    }
    const maximum = operation.operation === OperationTypeNode.SUBSCRIPTION ? limits.subscriptionCost : limits.cost;
    if (selectionCost > maximum) {
      return refused([
        limitError(
          "QUERY_TOO_COMPLEX",
          `The operation costs ${selectionCost}; at most ${maximum} is allowed${operation.operation === OperationTypeNode.SUBSCRIPTION ? " for a subscription" : ""}. Ask for fewer fields or smaller pages.`,
          { maxCost: maximum, cost: selectionCost },
        ),
      ]);
    }
    const requestedCost = rateLimit.operationCost + selectionCost;
    const limited = await this.take(caller.rateKey, requestedCost);
    if (limited) return refused(limited.errors, limited.retryAfterSeconds);
    return {
      ok: true,
      admitted: {
        document,
        operation,
        operationName: operation.name?.value ?? null,
        variables: variables as Record<string, unknown>,
        coercedVariables: coerced.coerced,
        requestedCost,
        rateKey: caller.rateKey,
        compiled: this.compiledOf(cached, operation),
      },
    };
  }

  /**
   * Refuses a caller that must sign in (no token, a bad or an expired one) with
   * `error`. The refusal costs the caller's bucket (an anonymous caller's: its
   * address's) what any operation costs on top of its fields, so a flood of
   * refusals is throttled like any other: once the bucket is empty the answer
   * is RATE_LIMITED, after the same pause, instead of `error`.
   */
  async unauthenticated(rateKey: string, error: GraphQLError, operationName: string | null = null): Promise<Refusal> {
    const limited = await this.take(rateKey, this.options.config.rateLimit.operationCost);
    const errors = limited ? limited.errors : [error];
    return { ok: false, errors, status: statusOf(errors), retryAfterSeconds: limited?.retryAfterSeconds, operationName };
  }

  /**
   * Takes `cost` from `rateKey`'s bucket: null when it fit, else the RATE_LIMITED
   * refusal, given only after a pause (THROTTLED_ANSWER_DELAY_MS).
   */
  private async take(rateKey: string, cost: number): Promise<{ errors: GraphQLError[]; retryAfterSeconds: number } | null> {
    const take = await this.options.limiter.take(rateKey, cost);
    if (take.allowed) return null;
    const seconds = take.retryAfterSeconds;
    await new Promise((resolve) => setTimeout(resolve, Math.min(THROTTLED_ANSWER_DELAY_MS, seconds * 1_000)));
    const error = new ClientError(
      "RATE_LIMITED",
      `Too much at once: this operation costs ${cost} and ${take.status.currentlyAvailable} is available now; retry in ${seconds} s.`,
      {
        cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: take.status },
        retryAfterSeconds: seconds,
      },
    );
    return { errors: [error], retryAfterSeconds: seconds };
  }

  /**
   * Runs an admitted query or mutation: compiled where it could be, through
   * graphql-js otherwise. Variables are coerced again as execution does
   * (admission refused those that do not fit), from what the client sent: not
   * from `coercedVariables`, which graphql-jit would coerce a second time (an
   * enum's value is no name it knows, an input object's defaults are filled in).
   */
  execute(admitted: AdmittedOperation, contextValue: unknown): Promise<ExecutionResult> | ExecutionResult {
    if (admitted.compiled) return admitted.compiled.query(undefined, contextValue, admitted.variables);
    return execute({
      schema: this.options.schema,
      document: admitted.document,
      operationName: admitted.operationName,
      variableValues: admitted.variables,
      contextValue,
    });
  }

  /**
   * The operation's price for these variables, computed once per operation and
   * variables (a price depends on nothing else: page sizes come from arguments
   * or variables). A refusal (a page argument out of bounds) is not kept.
   */
  private priceOf(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
    let prices = this.prices.get(operation);
    if (!prices) {
      prices = new Map();
      this.prices.set(operation, prices);
    }
    const key = operation.variableDefinitions?.length ? JSON.stringify(variables) : "";
    const known = prices.get(key);
    if (known !== undefined) return known;
    const price = this.pricer.price(document, operation, variables);
    if (prices.size >= MAX_PRICES_PER_OPERATION) prices.clear();
    prices.set(key, price);
    return price;
  }

  /** The operation's compiled form, compiled on its first admission and kept with its document. */
  private compiledOf(cached: ValidDocument, operation: OperationDefinitionNode): CompiledQuery | null {
    // Queries only: compiled, an input object built from variables got the fields a client left out as
    // present and null (updateRequestProcessSettings cleared a message it was not sent); graphql-js omits them.
    if (this.options.compile === false || operation.operation !== OperationTypeNode.QUERY) return null;
    let operations = this.compiled.get(cached);
    if (!operations) {
      operations = new Map();
      this.compiled.set(cached, operations);
    }
    const key = operation.name?.value ?? "";
    const known = operations.get(key);
    if (known !== undefined) return known;
    let entry: CompiledQuery | null = null;
    try {
      const compiled = compileQuery(this.options.schema, cached.document, operation.name?.value, { disablingCapturingStackErrors: true });
      entry = isCompiledQuery(compiled) ? withVariableDefaults(compiled, operation) : null;
    } catch {
      // A document graphql-jit cannot compile runs through graphql-js.
    }
    operations.set(key, entry);
    return entry;
  }

  /** Gives back what the operation did not use; the cost extension of its response. */
  async settle(admitted: AdmittedOperation, data: unknown): Promise<CostExtension> {
    const actual = Math.min(admitted.requestedCost, this.options.config.rateLimit.operationCost + actualCost(data));
    const throttleStatus = await this.options.limiter.refund(admitted.rateKey, admitted.requestedCost - actual);
    return { requestedQueryCost: admitted.requestedCost, actualQueryCost: actual, throttleStatus };
  }

  /** One error as the client sees it, over either transport. */
  present(error: unknown, requestId?: string, formatted?: GraphQLFormattedError): GraphQLFormattedError {
    return presentError(error, { ...this.presentation, requestId, formatted });
  }

  /**
   * The one log line and metric of a finished operation (or of one refused
   * before it ran). Unexpected errors are logged once, by kind only.
   */
  finished(
    log: Logger,
    entry: {
      transport: "http" | "websocket" | "sse";
      operationName: unknown;
      viewer: { userId: number; organizationId: number } | null;
      startedAt: bigint;
      errors?: readonly unknown[] | undefined;
      cost?: CostExtension | undefined;
    },
  ): void {
    const seconds = Number(process.hrtime.bigint() - entry.startedAt) / 1e9;
    const errors = entry.errors ?? [];
    for (const error of errors.filter(isUnexpected)) {
      log.error({ err: unwrap(error), path: (error as { path?: unknown }).path }, "unexpected error in a GraphQL operation");
    }
    const unavailable = errors.find(isServiceUnavailable);
    if (unavailable) log.warn({ err: unwrap(unavailable) }, "database unavailable");
    const outcome = errors.length ? "error" : "ok";
    const operationName = typeof entry.operationName === "string" ? boundName(entry.operationName) : null;
    this.options.metrics.operationFinished(operationName ?? "anonymous", outcome, seconds);
    log.info(
      {
        transport: entry.transport,
        operationName,
        viewer: entry.viewer ? { userId: entry.viewer.userId, organizationId: entry.viewer.organizationId } : null,
        durationMs: Math.round(seconds * 1000),
        outcome,
        errorCodes: errors.map((e) => clientCodeOf(e) ?? "INTERNAL_SERVER_ERROR"),
        ...(entry.cost ? { cost: { requested: entry.cost.requestedQueryCost, actual: entry.cost.actualQueryCost } } : {}),
      },
      "graphql operation",
    );
  }

  private documentOf(source: string): CachedDocument {
    const known = this.documents.get(source);
    if (known) return known;
    let entry: CachedDocument;
    try {
      // The span graphql-js's instrumentation would give its own parse (ours parses within the bounds); a no-op without tracing.
      const document = tracer.startActiveSpan("graphql.parse", (span) => {
        try {
          return parseWithinLimits(source, this.options.config.limits);
        } finally {
          span.end();
        }
      });
      const errors = validate(this.options.schema, document, this.validationRules, { maxErrors: 20 });
      entry = errors.length ? { document, errors: errors.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED")) } : { document, errors: null };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      entry = { document: null, errors: [withCode(error, "GRAPHQL_VALIDATION_FAILED")] };
    }
    this.documents.set(source, entry);
    return entry;
  }
}

/** Introspection refused where it is off, with a code a client can tell apart. */
const noIntrospection: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    if (node.name.value === "__schema" || node.name.value === "__type") {
      context.reportError(
        new GraphQLError("GraphQL introspection is not allowed here: this server runs with introspection off.", {
          nodes: [node],
          extensions: { code: "GRAPHQL_VALIDATION_FAILED", validationErrorCode: "INTROSPECTION_DISABLED" },
        }),
      );
    }
  },
});

/**
 * `compiled`, whose variables left out get their defaults as graphql-js gives them. graphql-jit (0.8) coerces
 * the variables it is given itself, but refuses a non-null variable left out even with a default
 * (`$withNewest: Boolean! = false`: "was not provided", an INTERNAL_SERVER_ERROR here, as admission had let it
 * through), and gives a nullable one the JSON of its default's coerced value (a DateTime default reached
 * resolvers as a string, not a Date). So the defaults are read once per compiled operation, as a client would
 * send them (a literal's JSON value: an enum's name, a DateTime's text), and given to graphql-jit only for the
 * variables the client left out; it coerces them as any value sent, to what graphql-js makes of the literal
 * (`valueFromAST`: a scalar's parseLiteral agrees with its parseValue, graphql-js's and DateTime's do; a single
 * value for a list is wrapped by both). A variable sent is left as sent, null included (graphql-js applies no
 * default to it: null stays null for a nullable variable; for a non-null one, admission refused it). An
 * operation without defaults runs graphql-jit's own function, untouched.
 */
function withVariableDefaults(compiled: CompiledQuery, operation: OperationDefinitionNode): CompiledQuery {
  const defaults: [name: string, value: unknown][] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    // Frozen: one value serves every request of the operation (graphql-jit copies the lists and objects it coerces).
    if (definition.defaultValue) defaults.push([definition.variable.name.value, deepFreeze(valueFromASTUntyped(definition.defaultValue))]);
  }
  if (!defaults.length) return compiled;
  const { query } = compiled;
  return {
    ...compiled,
    query(root, context, variables) {
      const sent = variables ?? {};
      let given = sent;
      for (const [name, value] of defaults) {
        if (Object.hasOwn(sent, name)) continue;
        // A copy, with no prototype (a variable may be named `__proto__`): what the client sent stays as it sent it.
        if (given === sent) given = Object.assign(Object.create(null) as Record<string, unknown>, sent);
        given[name] = value;
      }
      return query(root, context, given);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** How deep a JSON value nests (iteratively: the value is the client's). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_VARIABLE_DEPTH) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The name of the operation a document would run, as far as it can be told. */
function nameOf(document: DocumentNode | null, requested: unknown): string | null {
  const wanted = typeof requested === "string" ? requested : undefined;
  const operation = document ? getOperationAST(document, wanted) : null;
  return operation?.name?.value ?? (wanted ? boundName(wanted) : null);
}

function boundName(name: string): string {
  return name.length > MAX_LOGGED_NAME ? `${name.slice(0, MAX_LOGGED_NAME)}…` : name;
}

function unwrap(error: unknown): unknown {
  return error instanceof GraphQLError && error.originalError ? error.originalError : error;
}
