/**
 * Bounds on the shape of one operation, from graphql-armor, checked before
 * anything runs and before the fan-out of fragments can cost anything: each
 * armor rule measures every fragment once. Each refusal has its own code
 * (README "Security"):
 *
 * | code | bound (default, variable) |
 * | --- | --- |
 * | QUERY_TOO_LONG | characters of the document (10,000, MAX_QUERY_LENGTH) |
 * | QUERY_TOO_MANY_TOKENS | lexical tokens (1,000, MAX_QUERY_TOKENS) |
 * | QUERY_TOO_DEEP | nested fields, through fragments (10, MAX_QUERY_DEPTH) |
 * | QUERY_TOO_MANY_ALIASES | aliases, through fragments (15, MAX_QUERY_ALIASES) |
 * | QUERY_TOO_MANY_DIRECTIVES | directives, through fragments (50, MAX_QUERY_DIRECTIVES) |
 *
 * The standard introspection query GraphiQL sends passes all of them
 * (`__schema` adds no depth). Cost is priced after variables are known
 * (cost.ts).
 */
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import { DocumentNode, GraphQLError, Source, ValidationContext, ValidationRule } from "graphql";
import type { Config } from "../../config";
import { ClientError } from "../../services/shared/errors";

export type OperationLimits = Config["limits"];

export type LimitCode =
  "QUERY_TOO_LONG" | "QUERY_TOO_MANY_TOKENS" | "QUERY_TOO_DEEP" | "QUERY_TOO_MANY_ALIASES" | "QUERY_TOO_MANY_DIRECTIVES" | "QUERY_TOO_COMPLEX";

/** A refusal by one of the bounds: its own code, HTTP 400, the bound it broke. */
export function limitError(code: LimitCode, message: string, extensions: Record<string, unknown> = {}): ClientError {
  return new ClientError(code, message, extensions);
}

/**
 * Parses `source` within the character and token bounds.
 * @throws GraphQLError QUERY_TOO_LONG, QUERY_TOO_MANY_TOKENS, or GRAPHQL_PARSE_FAILED
 *   (graphql-js's syntax message, never a JavaScript internal).
 */
export function parseWithinLimits(source: string, limits: OperationLimits): DocumentNode {
  if (source.length > limits.length) {
    throw limitError("QUERY_TOO_LONG", `The document has ${source.length} characters; at most ${limits.length} are allowed.`, {
      maxLength: limits.length,
    });
  }
  let tooManyTokens = false;
  try {
    const parser = new MaxTokensParserWLexer(new Source(source), {
      n: limits.tokens,
      propagateOnRejection: true,
      onReject: [
        () => {
          tooManyTokens = true;
        },
      ],
    });
    return parser.parseDocument();
  } catch (error) {
    if (tooManyTokens) {
      throw limitError("QUERY_TOO_MANY_TOKENS", `The document has more than ${limits.tokens} tokens.`, { maxTokens: limits.tokens });
    }
    if (error instanceof GraphQLError) {
      throw new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: "GRAPHQL_PARSE_FAILED" } });
    }
    // A stack overflow inside the parser: answered as the syntax error it is, without the engine's words.
    throw new ClientError("GRAPHQL_PARSE_FAILED", "Syntax Error: the document is nested too deeply.");
  }
}

/** The rule's refusal, reported with our code instead of armor's generic message. */
function reportAs(code: LimitCode, describe: (found: string) => string, extensions: Record<string, unknown>) {
  return [
    (context: ValidationContext | null, error: GraphQLError) => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      context?.reportError(limitError(code, describe(found ?? "too many"), { ...extensions, ...(found ? { found: Number(found) } : {}) }));
    },
  ];
}

/** armor's depth, alias and directive rules, each answering with its own code. */
export function shapeRules(limits: OperationLimits): ValidationRule[] {
  return [
    maxDepthRule({
      n: limits.depth,
      // A fragment counts as the fields it holds: the depth is what execution reaches.
      flattenFragments: true,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: reportAs("QUERY_TOO_DEEP", (found) => `The operation is ${found} levels deep; at most ${limits.depth} are allowed.`, {
        maxDepth: limits.depth,
      }),
    }),
    maxAliasesRule({
      n: limits.aliases,
      propagateOnRejection: false,
      onReject: reportAs("QUERY_TOO_MANY_ALIASES", (found) => `The operation has ${found} aliases; at most ${limits.aliases} are allowed.`, {
        maxAliases: limits.aliases,
      }),
    }),
    maxDirectivesRule({
      n: limits.directives,
      propagateOnRejection: false,
      onReject: reportAs("QUERY_TOO_MANY_DIRECTIVES", (found) => `The operation has ${found} directives; at most ${limits.directives} are allowed.`, {
        maxDirectives: limits.directives,
      }),
    }),
  ];
}
