/**
 * What an operation may cost, priced before anything runs, and what it did
 * cost, counted from its result (Shopify's "requested" and "actual" query cost).
 *
 * The price is the most objects the response can hold: every object value
 * costs 1, scalars and enums nothing, and a list costs its bound times one of
 * its elements. Bounds: a connection's `edges`/`nodes` hold its page size
 * (`first`/`last`, default 20), `nodes(ids:)` one per ID, and every other list
 * its real maximum from `LIST_BOUNDS` (a request names at most 50 recipients,
 * …), or, where a payload holds one element per item of an argument of the
 * field that returns it (`decideLicenseRequests`: one result per decision
 * sent), that argument's length, at most the maximum. Building the pricer
 * fails when a list of objects in the schema has no bound, so no new list can
 * go unpriced.
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
  isAbstractType,
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
import { checkPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../services/shared/pagination";
import { badUserInput } from "../../services/shared/errors";
import { checkIdempotencyKey } from "../../services/shared/idempotency";
import { namingSchema } from "./errors";
import { LIST_BOUNDS_EXTENSION, ListBound } from "../../schema/shared/extensions";

type ListBounds = Readonly<Record<string, ListBound>>;

const listBoundsOf = (schema: GraphQLSchema): ListBounds => (schema.extensions[LIST_BOUNDS_EXTENSION] as ListBounds | undefined) ?? {};

/** The key of `bounds` that bounds `typeName.fieldName` (its own, else `*.fieldName`). */
function boundKeyOf(bounds: ListBounds, typeName: string, fieldName: string): string | undefined {
  const own = `${typeName}.${fieldName}`;
  if (bounds[own] !== undefined) return own;
  const any = `*.${fieldName}`;
  return bounds[any] !== undefined ? any : undefined;
}

/** List fields of a connection that hold one page. */
const PAGE_FIELDS = new Set(["edges", "nodes"]);

/**
 * What the field whose selection set is being priced says of the lists right
 * under it: a connection's page size, and the lengths of the lists bounded by
 * one of its arguments (by their key in the bounds).
 */
interface Scope {
  pageSize: number | null;
  lengths: Readonly<Record<string, number>> | null;
}

const NO_SCOPE: Scope = { pageSize: null, lengths: null };

/** A bound taken from an argument's length: its key in the bounds, the bound, and the type it bounds ("*": any). */
type LengthBound = [key: string, bound: Extract<ListBound, { lengthOf: readonly string[] }>, typeName: string];

export class QueryPricer {
  private readonly lengthBounds: readonly LengthBound[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly bounds: ListBounds = listBoundsOf(schema),
  ) {
    const unbounded = unboundedLists(schema, bounds);
    if (unbounded.length) throw new Error(`Lists without a price bound: ${unbounded.join(", ")} (add them to src/resolvers/listBounds.ts)`);
    this.lengthBounds = Object.entries(bounds).flatMap(([key, bound]): LengthBound[] =>
      typeof bound === "number" || !("lengthOf" in bound) ? [] : [[key, bound, key.slice(0, key.lastIndexOf("."))]],
    );
  }

  /**
   * The price of `operation` with its coerced `variables`.
   * @throws ClientError BAD_USER_INPUT for page arguments out of range.
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
    const walk = new PriceWalk(this.schema, this.bounds, this.lengthBounds, fragments, variables);
    return walk.selections(operation.selectionSet, rootType, NO_SCOPE);
  }
}

class PriceWalk {
  /** Fragment name and scope → price, so each is priced once. */
  private readonly priced = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly bounds: ListBounds,
    private readonly lengthBounds: readonly LengthBound[],
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** `scope`: what the field owning `set` says of the lists right under it (see Scope). */
  selections(set: SelectionSetNode, parentType: GraphQLCompositeType, scope: Scope): number {
    let total = 0;
    for (const selection of set.selections) {
      if (this.skipped(selection)) continue;
      if (selection.kind === Kind.FIELD) total += this.field(selection, parentType, scope);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? this.schema.getType(typeName) : parentType;
        if (isCompositeType(type)) total += this.selections(selection.selectionSet, type, scope);
      } else total += this.fragment(selection.name.value, scope);
    }
    return total;
  }

  private fragment(name: string, scope: Scope): number {
    const key = `${name}\u0000${scope.pageSize ?? ""}\u0000${scope.lengths ? JSON.stringify(scope.lengths) : ""}`;
    const known = this.priced.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const type = fragment ? this.schema.getType(fragment.typeCondition.name.value) : undefined;
    // Validation ran before (no cycles, known fragments): an unknown one prices nothing.
    this.priced.set(key, 0);
    const price = fragment && isCompositeType(type) ? this.selections(fragment.selectionSet, type, scope) : 0;
    this.priced.set(key, price);
    return price;
  }

  private field(node: FieldNode, parentType: GraphQLCompositeType, scope: Scope): number {
    const name = node.name.value;
    // Introspection is bounded by the schema's size and reads no data.
    if (name === "__typename" || name === "__schema" || name === "__type") return 0;
    if (!isObjectType(parentType) && !isInterfaceType(parentType)) return 0;
    const field = parentType.getFields()[name];
    if (!field) return 0;
    const args = this.argumentsOf(field, node);
    if (parentType === this.schema.getMutationType()) checkIdempotencyKey((args["input"] as { idempotencyKey?: unknown } | null | undefined)?.idempotencyKey);
    const ownLength = this.ownLengthOf(parentType.name, name, args);
    const ownPage = this.pageSizeOf(field, args);
    const type = getNullableType(field.type);
    const named = getNamedType(type);
    if (!isCompositeType(named) || !node.selectionSet) return 0;
    const element = 1 + this.selections(node.selectionSet, named, { pageSize: ownPage, lengths: this.lengthsOf(named, args) });
    if (!isListType(type)) return element;
    return (ownLength ?? this.boundOf(parentType.name, name, scope)) * element;
  }

  /** How many elements the list field `typeName.name` is priced at, where `scope` is its parent's. */
  private boundOf(typeName: string, name: string, scope: Scope): number {
    if (scope.pageSize !== null && PAGE_FIELDS.has(name)) return scope.pageSize;
    const key = boundKeyOf(this.bounds, typeName, name);
    const bound = key === undefined ? undefined : this.bounds[key];
    if (key === undefined || bound === undefined) return MAX_PAGE_SIZE;
    return typeof bound === "number" ? bound : (scope.lengths?.[key] ?? bound.max);
  }

  /** For a list bounded by the length of one of its own arguments: that length, checked; null for any other field. */
  private ownLengthOf(typeName: string, name: string, args: Record<string, unknown>): number | null {
    const key = boundKeyOf(this.bounds, typeName, name);
    const bound = key === undefined ? undefined : this.bounds[key];
    if (bound === undefined || typeof bound === "number" || !("lengthOfOwn" in bound)) return null;
    const value = args[bound.lengthOfOwn];
    const length = Array.isArray(value) ? value.length : 0;
    bound.check(length);
    return Math.min(length, bound.max);
  }

  /**
   * The lengths, read from `args`, of the lists of `type` (or of a type it may
   * be) bounded by an argument of the field returning it; null where none is.
   */
  private lengthsOf(type: GraphQLCompositeType, args: Record<string, unknown>): Record<string, number> | null {
    let lengths: Record<string, number> | null = null;
    for (const [key, bound, typeName] of this.lengthBounds) {
      const applies =
        typeName === "*" ||
        typeName === type.name ||
        (isAbstractType(type) && this.schema.getPossibleTypes(type).some((possible) => possible.name === typeName));
      if (!applies) continue;
      let value: unknown = args;
      for (const step of bound.lengthOf) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[step] : undefined;
      if (Array.isArray(value)) (lengths ??= {})[key] = Math.min(value.length, bound.max);
    }
    return lengths;
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

  private skipped(selection: SelectionNode): boolean {
    if (!selection.directives?.length) return false;
    return (
      getDirectiveValues(GraphQLSkipDirective, selection, this.variables)?.["if"] === true ||
      getDirectiveValues(GraphQLIncludeDirective, selection, this.variables)?.["if"] === false
    );
  }
}

/** Lists of objects that are neither a connection's page nor bounded in `bounds`. */
export function unboundedLists(schema: GraphQLSchema, bounds: ListBounds): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || (!isObjectType(type) && !isInterfaceType(type))) continue;
    const isConnection = type.name.endsWith("Connection");
    for (const field of Object.values(type.getFields())) {
      const nullable = getNullableType(field.type);
      if (!isListType(nullable) || !isCompositeType(getNamedType(nullable))) continue;
      if (isConnection && PAGE_FIELDS.has(field.name)) continue;
      if (boundKeyOf(bounds, type.name, field.name) === undefined) missing.push(`${type.name}.${field.name}`);
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
