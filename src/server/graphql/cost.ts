/**
 * What an operation may cost, priced before anything runs, and what it did
 * cost, counted from its result (Shopify's "requested" and "actual" query cost).
 *
 * The price is the most objects the response can hold: every object value
 * costs 1, scalars and enums nothing, and a list costs its bound times one of
 * its elements. Bounds: a connection's `edges`/`nodes` hold its page size
 * (`first`/`last`, default 20), `nodes(ids:)` one per ID, and every other list
 * its real maximum from `LIST_BOUNDS` (a request names at most 50 recipients,
 * …). Building the pricer fails when a list of objects in the schema has no
 * bound, so no new list can go unpriced.
 *
 * Page arguments are checked here, before any price is given: `first`/`last`
 * outside 1..100 and more than 100 `ids` are BAD_USER_INPUT (api.md "Errors"),
 * whatever else the operation asks. So is a mutation's `idempotencyKey` outside
 * 1..64 characters: checked only when its root field ran, it failed after the
 * operation's earlier root fields had acted, and their non-null payloads made
 * the whole answer `data: null`, as if nothing had run.
 *
 * Each fragment is priced once per page size it is spread under, so fragments
 * that spread one another twice over cost linear time to price, not 2^n.
 */
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLIncludeDirective,
  GraphQLSchema,
  GraphQLSkipDirective,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  SelectionNode,
  SelectionSetNode,
} from "graphql";
import { MAX_BULK_DECISIONS, MAX_RECIPIENTS } from "../../services/licenseRequests/messages";
import { MAX_ELIGIBLE_GROUPS } from "../../services/licenseRequests/rules";
import { MAX_SHARE_PEOPLE } from "../../services/recommendations/messages";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../services/shared/pagination";
import { MAX_NODES } from "../../services/nodes/nodeLookup";
import { badUserInput } from "../../services/shared/errors";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../../services/shared/idempotency";
import { namingSchema } from "./errors";

/**
 * The most elements each unpaged list of objects can hold. Catalogue lists
 * (products, their service plans) are bounded by what an organization can own;
 * the rest by the rules (api.md).
 */
export const LIST_BOUNDS: Readonly<Record<string, number>> = {
  "Query.products": 100,
  "Product.servicePlans": 50,
  "LicenseRequest.recipients": MAX_RECIPIENTS,
  "LicenseRequest.eligibleProducts": 100,
  "LicenseRequest.disabledServicePlans": 50,
  "LicenseRequest.history": 10,
  "LicenseAssignment.disabledServicePlans": 50,
  "LicenseRequestDecision.disabledServicePlans": 50,
  "LicenseRequestDecision.approvedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecision.deniedUsers": MAX_RECIPIENTS,
  "User.licenses": 100,
  "ApproveLicenseRequestPayload.assignments": MAX_RECIPIENTS,
  "Group.licensedProducts": 100,
  "LicenseRequest.eligibleGroups": MAX_ELIGIBLE_GROUPS,
  "DecideLicenseRequestsPayload.results": MAX_BULK_DECISIONS,
  "LicenseRequestDecisionResult.assignments": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.approvedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.deniedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.emails": MAX_RECIPIENTS,
  // A request's second opinions: priced as a few rounds of shares (each asks at most 10 people).
  "LicenseRequest.recommendations": 5 * MAX_SHARE_PEOPLE,
  "LicenseRequest.shares": 5 * MAX_SHARE_PEOPLE,
  "ShareLicenseRequestPayload.shares": MAX_SHARE_PEOPLE,
  // Every payload's userErrors: at most one per recipient and field.
  "*.userErrors": MAX_RECIPIENTS,
};

function boundOf(bounds: Readonly<Record<string, number>>, typeName: string, fieldName: string): number | undefined {
  return bounds[`${typeName}.${fieldName}`] ?? bounds[`*.${fieldName}`];
}

/** List fields of a connection that hold one page. */
const PAGE_FIELDS = new Set(["edges", "nodes"]);

export class QueryPricer {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly bounds: Readonly<Record<string, number>> = LIST_BOUNDS,
  ) {
    const unbounded = unboundedLists(schema, bounds);
    if (unbounded.length) throw new Error(`Lists without a price bound: ${unbounded.join(", ")} (add them to LIST_BOUNDS)`);
  }

  /**
   * The price of `operation` with its coerced `variables`.
   * @throws ApiError BAD_USER_INPUT for page arguments out of range.
   */
  price(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const rootType =
      operation.operation === OperationTypeNode.QUERY
        ? this.schema.getQueryType()
        : operation.operation === OperationTypeNode.MUTATION
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    if (!rootType) return 0;
    const walk = new PriceWalk(this.schema, this.bounds, fragments, variables);
    return walk.selections(operation.selectionSet, rootType, null);
  }
}

class PriceWalk {
  /** Fragment name and page size → price, so each is priced once. */
  private readonly priced = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly bounds: Readonly<Record<string, number>>,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** `pageSize` is set while pricing the fields of a connection (its edges and nodes hold one page). */
  selections(set: SelectionSetNode, parentType: GraphQLCompositeType, pageSize: number | null): number {
    let total = 0;
    for (const selection of set.selections) {
      if (this.skipped(selection)) continue;
      if (selection.kind === Kind.FIELD) total += this.field(selection, parentType, pageSize);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? this.schema.getType(typeName) : parentType;
        if (isCompositeType(type)) total += this.selections(selection.selectionSet, type, pageSize);
      } else total += this.fragment(selection.name.value, pageSize);
    }
    return total;
  }

  private fragment(name: string, pageSize: number | null): number {
    const key = `${name}\u0000${pageSize ?? ""}`;
    const known = this.priced.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const type = fragment ? this.schema.getType(fragment.typeCondition.name.value) : undefined;
    // Validation ran before (no cycles, known fragments): an unknown one prices nothing.
    this.priced.set(key, 0);
    const price = fragment && isCompositeType(type) ? this.selections(fragment.selectionSet, type, pageSize) : 0;
    this.priced.set(key, price);
    return price;
  }

  private field(node: FieldNode, parentType: GraphQLCompositeType, pageSize: number | null): number {
    const name = node.name.value;
    // Introspection is bounded by the schema's size and reads no data.
    if (name === "__typename" || name === "__schema" || name === "__type") return 0;
    if (!isObjectType(parentType) && !isInterfaceType(parentType)) return 0;
    const field = parentType.getFields()[name];
    if (!field) return 0;
    const args = this.argumentsOf(field, node);
    if (parentType === this.schema.getMutationType()) checkIdempotencyKey(args["input"]);
    const nodeCount = name === "nodes" && parentType === this.schema.getQueryType() ? this.idCount(args) : null;
    const ownPage = this.pageSizeOf(field, args);
    const type = getNullableType(field.type);
    const named = getNamedType(type);
    if (!isCompositeType(named) || !node.selectionSet) return 0;
    const element = 1 + this.selections(node.selectionSet, named, ownPage);
    if (!isListType(type)) return element;
    const bound = nodeCount ?? (pageSize !== null && PAGE_FIELDS.has(name) ? pageSize : (boundOf(this.bounds, parentType.name, name) ?? MAX_PAGE_SIZE));
    return bound * element;
  }

  private argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    if (!field.args.length) return {};
    try {
      return getArgumentValues(field, node, this.variables);
    } catch (error) {
      // Validation and variable coercion ran before; what is left is a value graphql-js refuses here
      // (its message names the schema: hidden where the schema is).
      if (error instanceof GraphQLError) throw namingSchema(error, "BAD_USER_INPUT");
      throw badUserInput("Invalid argument.");
    }
  }

  /** The page size of a connection field (null for other fields), after checking it. */
  private pageSizeOf(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number | null {
    const paged = field.args.some((a) => a.name === "first" || a.name === "last");
    if (!paged) return null;
    const first = checkPageSize(args["first"], "first");
    const last = checkPageSize(args["last"], "last");
    return first ?? last ?? DEFAULT_PAGE_SIZE;
  }

  private idCount(args: Record<string, unknown>): number {
    const ids = Array.isArray(args["ids"]) ? args["ids"].length : 0;
    if (ids > MAX_NODES) throw badUserInput(`\`ids\` takes at most ${MAX_NODES} IDs.`, "ids");
    return ids;
  }

  private skipped(selection: SelectionNode): boolean {
    if (!selection.directives?.length) return false;
    return (
      getDirectiveValues(GraphQLSkipDirective, selection, this.variables)?.["if"] === true ||
      getDirectiveValues(GraphQLIncludeDirective, selection, this.variables)?.["if"] === false
    );
  }
}

function checkPageSize(value: unknown, name: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`\`${name}\` must be between 1 and ${MAX_PAGE_SIZE}.`, name);
  }
  return value;
}

function checkIdempotencyKey(input: unknown): void {
  const key = input !== null && typeof input === "object" ? (input as { idempotencyKey?: unknown }).idempotencyKey : undefined;
  if (typeof key === "string" && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badUserInput(`\`idempotencyKey\` must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, "idempotencyKey");
  }
}

/** Lists of objects that are neither a connection's page nor bounded in `bounds`. */
export function unboundedLists(schema: GraphQLSchema, bounds: Readonly<Record<string, number>>): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || (!isObjectType(type) && !isInterfaceType(type))) continue;
    const isConnection = type.name.endsWith("Connection");
    for (const field of Object.values(type.getFields())) {
      const nullable = getNullableType(field.type);
      if (!isListType(nullable) || !isCompositeType(getNamedType(nullable))) continue;
      if (isConnection && PAGE_FIELDS.has(field.name)) continue;
      if (type === schema.getQueryType() && field.name === "nodes") continue;
      if (boundOf(bounds, type.name, field.name) === undefined) missing.push(`${type.name}.${field.name}`);
    }
  }
  return missing;
}

/**
 * What a result did cost: the object values it holds (the root excluded),
 * counted the way the price counts them, so actual ≤ requested. Iterative:
 * a result is data of our own making, but its size is not ours to trust.
 */
export function actualCost(data: unknown): number {
  let count = 0;
  const stack: unknown[] = [data];
  let root = true;
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== "object") continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    if (!root) count += 1;
    root = false;
    for (const key in value) stack.push((value as Record<string, unknown>)[key]);
  }
  return count;
}
