/**
 * The pipeline over HTTP, in Apollo Server. Apollo keeps what is about HTTP
 * (CSRF prevention, GET and POST, content negotiation) and runs the admitted
 * operation; the pipeline decides everything else:
 *
 * - the context function reads the token (without the database), hands the
 *   operation to `pipeline.admit` and only then reads the viewer; a missing,
 *   bad or expired token is refused through `pipeline.unauthenticated`, which
 *   charges the address's bucket;
 * - the plugin gives Apollo the admitted document (Apollo neither parses nor
 *   validates again) or answers the refusal itself (nothing runs), runs a
 *   compiled query itself (`pipeline.execute`; errors presented
 *   as Apollo's `formatError` would present them), settles
 *   the cost into `extensions.cost`, adds the request ID, and logs the
 *   operation through the pipeline.
 */
import { HeaderMap } from "@apollo/server";
import type { ApolloServerOptions, ApolloServerPlugin } from "@apollo/server";
import type { IncomingHttpHeaders } from "node:http";
import { DocumentNode, GraphQLError, GraphQLFormattedError, parse, specifiedRules } from "graphql";
import type { Logger } from "pino";
import { buildContext, Context } from "../../context";
import type { Services } from "../../services";
import { AuthenticationError, TokenClaims } from "../../services/access/authentication";
import { ClientError, unauthenticated } from "../../services/shared/errors";
import { InternalFailure, isServiceUnavailable, ServiceUnavailable } from "./errors";
import { Caller, GraphQLPipeline, OperationRequest } from "./pipeline";

/** What the context function reads of an HTTP request, whichever server read it (Express, or httpFront.ts). */
export interface HttpOperationSource {
  method: string;
  /** The JSON body as parsed (POST); undefined when there was none. */
  body: unknown;
  /** The query string's parameters (GET). */
  query: Record<string, unknown>;
  /** The client's address (trust proxy applied). */
  ip: string | undefined;
  headers: IncomingHttpHeaders;
  requestId: string;
}

type ApolloContextFunction = (source: HttpOperationSource) => Promise<Context>;

/** Apollo Server options the pipeline owns. */
export function apolloPipelineOptions(
  pipeline: GraphQLPipeline,
): Pick<ApolloServerOptions<Context>, "documentStore" | "persistedQueries" | "validationRules" | "formatError" | "allowBatchedHttpRequests"> {
  return {
    // The pipeline caches parsed and validated documents; Apollo is handed the admitted one.
    documentStore: null,
    // Every operation's text goes through the pipeline; a hash alone would skip it.
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    // Unused while every operation is admitted first; kept equal should Apollo ever validate
    // (Apollo adds graphql-js's own rules itself).
    validationRules: pipeline.validationRules.filter((rule) => !specifiedRules.includes(rule)),
    formatError: (formatted, error) => pipeline.present(error, undefined, formatted),
  };
}

/** The operation of an HTTP request as Apollo will read it; null when it is no single operation (Apollo refuses it). */
function operationRequestOf(req: HttpOperationSource): OperationRequest | null {
  if (req.method === "GET") {
    const { query, variables, operationName } = req.query;
    let parsed: unknown = variables;
    if (typeof variables === "string") {
      try {
        parsed = JSON.parse(variables);
      } catch {
        return null;
      }
    }
    return { query, variables: parsed, operationName };
  }
  const body: unknown = req.body;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null;
  const { query, variables, operationName } = body as Record<string, unknown>;
  return { query, variables, operationName };
}

/**
 * Per the GraphQL-over-HTTP spec, a client that accepts only `application/json`
 * gets 200 for a request refused before execution; others get the 4xx.
 */
function refusalStatus(status: number, accept: string | undefined): number {
  if (status !== 400 || !accept) return status;
  const types = accept.split(",").map((part) => (part.split(";")[0] ?? "").trim().toLowerCase());
  const jsonOnly = types.includes("application/json") && !types.some((t) => t === "application/graphql-response+json" || t.includes("*"));
  return jsonOnly ? 200 : status;
}

interface Refusal {
  errors: GraphQLError[];
  status: number;
  retryAfterSeconds?: number | undefined;
  operationName: string | null;
  /** Who asked, as the token says (the viewer was not read). */
  claimed: { userId: number; organizationId: number } | null;
}

/**
 * An operation refused by the pipeline rides on its context to the plugin, which
 * answers it (so it gets the request ID and the log line like any other). A symbol
 * key: Apollo copies the context object, own symbol keys included.
 */
const REFUSAL = Symbol("refusal");
type RefusableContext = Context & { [REFUSAL]?: Refusal };

/** Any valid document: Apollo is handed it for a refused operation, so it does not parse the refused one. */
const PLACEHOLDER: DocumentNode = parse("{ __typename }");

export function apolloContext(options: { pipeline: GraphQLPipeline; services: Services; log: Logger }): ApolloContextFunction {
  const { pipeline, services, log } = options;
  return async (req) => {
    const startedAt = process.hrtime.bigint();
    const { requestId } = req;
    const requestLog = log.child({ requestId });
    let claims: TokenClaims | null = null;
    const refuse = (errors: GraphQLError[], status: number, retryAfterSeconds?: number, operationName: string | null = null): Context => {
      const context: RefusableContext = buildContext(services, null, requestId, requestLog, undefined, startedAt);
      context[REFUSAL] = { errors, status: refusalStatus(status, req.headers.accept), retryAfterSeconds, operationName, claimed: claims };
      return context;
    };
    try {
      const request = operationRequestOf(req);
      const addressKey = `address:${req.ip ?? "unknown"}`;
      try {
        claims = await services.auth.verifyHeader(req.headers.authorization);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        // Whoever sent it is anonymous: the refusal draws on the address's bucket.
        const refusal = await pipeline.unauthenticated(addressKey, unauthenticated("The bearer token is missing, malformed, expired or not valid here."));
        return refuse(refusal.errors, refusal.status, refusal.retryAfterSeconds);
      }
      // Not a single operation: Apollo answers it (batching off, no query) before anything runs.
      if (!request) return buildContext(services, null, requestId, requestLog, undefined, startedAt);
      const caller: Caller = claims
        ? { rateKey: `user:${claims.organizationId}:${claims.userId}`, anonymous: false, subscriptions: false }
        : { rateKey: addressKey, anonymous: true, subscriptions: false };
      const admission = await pipeline.admit(request, caller);
      if (!admission.ok) return refuse(admission.errors, admission.status, admission.retryAfterSeconds, admission.operationName);
      let viewer = null;
      if (claims) {
        try {
          viewer = await services.auth.viewerFor(claims, services.clock.now());
        } catch (error) {
          if (!(error instanceof AuthenticationError)) throw error;
          return refuse([unauthenticated("The bearer token is missing, malformed, expired or not valid here.")], 401);
        }
      }
      return buildContext(services, viewer, requestId, requestLog, admission.admitted, startedAt);
    } catch (error) {
      if (isServiceUnavailable(error)) {
        requestLog.warn({ err: error }, "database unavailable while reading the viewer");
        throw new ServiceUnavailable(requestId);
      }
      requestLog.error({ err: error }, "could not build the operation's context");
      throw new InternalFailure(requestId);
    }
  };
}

/** An error as Apollo formats it before `formatError`: a code always, no stack trace. */
function formattedAsApollo(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code: extensions["code"] ?? "INTERNAL_SERVER_ERROR" } };
}

/** The status execution errors ask for (`extensions.http.status`, the last one wins), as Apollo reads it. */
function httpStatusOf(errors: readonly GraphQLError[] | undefined): number | undefined {
  let status: number | undefined;
  for (const error of errors ?? []) {
    // graphql-jit leaves `extensions` undefined where the error has none.
    const http = (error.extensions as Record<string, unknown> | undefined)?.["http"] as { status?: unknown } | undefined;
    if (typeof http?.status === "number") status = http.status;
  }
  return status;
}

/** Hands Apollo the admitted document (or answers the refusal), settles the cost and logs the operation. */
export function apolloPipelinePlugin(pipeline: GraphQLPipeline): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const refusal = (contextValue as RefusableContext)[REFUSAL];
      return {
        async didResolveSource(requestContext) {
          // Apollo parses and validates only when it has no document: the pipeline did both.
          const document = refusal ? PLACEHOLDER : contextValue.admitted?.document;
          if (document) (requestContext as { document?: DocumentNode | undefined }).document = document;
        },
        async didResolveOperation() {
          if (!refusal && !contextValue.admitted) {
            throw new ClientError("BAD_REQUEST", "Send one operation as a JSON object with a string `query`.", { http: { status: 400 } });
          }
        },
        async responseForOperation(requestContext) {
          const admitted = contextValue.admitted;
          if (!refusal && admitted?.compiled) {
            const result = await pipeline.execute(admitted, contextValue);
            const errors = result.errors?.length ? result.errors : undefined;
            // Read by willSendResponse below, as Apollo sets them for an operation it runs.
            if (errors) (requestContext as { errors?: readonly GraphQLError[] }).errors = errors;
            const status = httpStatusOf(errors);
            return {
              http: { ...(status !== undefined ? { status } : {}), headers: new HeaderMap() },
              body: {
                kind: "single",
                singleResult: {
                  ...(errors ? { errors: errors.map((e) => pipeline.present(e, undefined, formattedAsApollo(e))) } : {}),
                  ...(result.data !== undefined ? { data: result.data } : {}),
                },
              },
            };
          }
          if (!refusal) return null;
          const headers = new HeaderMap();
          if (refusal.retryAfterSeconds !== undefined) headers.set("retry-after", String(refusal.retryAfterSeconds));
          return {
            http: { status: refusal.status, headers },
            body: { kind: "single", singleResult: { errors: refusal.errors.map((e) => pipeline.present(e, contextValue.requestId)) } },
          };
        },
        async willSendResponse({ response, errors, operationName }) {
          const body = response.body.kind === "single" ? response.body.singleResult : null;
          const cost = contextValue.admitted ? await pipeline.settle(contextValue.admitted, body?.data) : undefined;
          if (body) body.extensions = { ...body.extensions, requestId: contextValue.requestId, ...(cost ? { cost } : {}) };
          // A resolver's statement found the database silent: retry later, as the status says.
          if (errors?.some(isServiceUnavailable)) response.http.status = 503;
          pipeline.finished(contextValue.log, {
            transport: "http",
            operationName: refusal ? refusal.operationName : (operationName ?? contextValue.admitted?.operationName ?? null),
            viewer: contextValue.viewer ?? refusal?.claimed ?? null,
            startedAt: contextValue.startedAt,
            errors: refusal?.errors ?? errors ?? [],
            cost,
          });
        },
      };
    },
  };
}
