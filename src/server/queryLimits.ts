/**
 * Bounds on what one operation may ask for, checked during validation:
 * QUERY_TOO_DEEP past a maximum selection depth (our rule: fragments followed,
 * introspection included, except that `__Type.ofType` adds no level: it only
 * unwraps a list or non-null type, fans out to nothing, and the standard
 * introspection query that GraphiQL and other tools send nests it nine deep,
 * 15 levels in all), QUERY_TOO_COMPLEX past a maximum cost
 * (graphql-query-complexity: 1 per field; a paged field costs its page size
 * times its children).
 */
import {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";
import type { ComplexityEstimator } from "graphql-query-complexity";
import { DEFAULT_PAGE_SIZE } from "../services/pagination";

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    // `introspection`: inside `__schema` or `__type`, where every type is an introspection type.
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>, introspection: boolean): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        let depth = 0;
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const inner = introspection || name === "__schema" || name === "__type";
          const level = introspection && name === "ofType" ? 0 : 1;
          depth = selection.selectionSet ? level + depthOf(selection.selectionSet, seen, inner) : level;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) depth = depthOf(selection.selectionSet, seen, introspection);
        else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) depth = depthOf(fragment.selectionSet, new Set(seen).add(name), introspection);
        }
        deepest = Math.max(deepest, depth);
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, new Set(), false);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The operation is ${depth} levels deep; at most ${maxDepth} are allowed.`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_DEEP", maxDepth, depth },
            }),
          );
        }
      },
    };
  };
}

/** List fields cost their page size (first/last, default 20) times their children. */
const pagedListEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (Array.isArray(args.ids)) return 1 + args.ids.length * Math.max(1, childComplexity);
  if (!field.args.some((a) => a.name === "first")) return undefined;
  const size = typeof args.first === "number" ? args.first : typeof args.last === "number" ? args.last : DEFAULT_PAGE_SIZE;
  return 1 + size * Math.max(1, childComplexity);
};

/**
 * Throws QUERY_TOO_COMPLEX when the operation (with its variables) costs more
 * than `maximumComplexity`. Runs once the operation is resolved, so variables count.
 */
export function assertComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  maximumComplexity: number,
): void {
  const complexity = getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName,
    estimators: [fieldExtensionsEstimator(), pagedListEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
  if (complexity > maximumComplexity) {
    throw new GraphQLError(
      `The operation costs ${complexity}; at most ${maximumComplexity} is allowed. Ask for fewer fields or smaller pages.`,
      { extensions: { code: "QUERY_TOO_COMPLEX", maxComplexity: maximumComplexity, complexity, http: { status: 400 } } },
    );
  }
}

export const SERVER_ERROR_CODES = new Set(["QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX"]);
