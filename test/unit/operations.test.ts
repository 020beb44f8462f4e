/**
 * The example operations (operations/*.graphql) follow the conventions of the
 * normalized caches frontend teams use, Apollo Client's and Relay's:
 * - every selection of an object type that has an `id` selects it, so a
 *   response updates that object wherever it is cached (a mutation's payload
 *   updates the product's license counts in the list without a refetch);
 * - every connection is read through `edges { cursor node }` and `pageInfo`
 *   (never `nodes`), which relayStylePagination and Relay's @connection merge
 *   page by page (a connection selected only for `totalCount` or
 *   `newestCursor` reads no items and needs neither).
 * Checked against schema.graphql, with fragments expanded.
 */
import fs from "node:fs";
import path from "node:path";
import {
  buildSchema,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  GraphQLObjectType,
  isObjectType,
  parse,
  SelectionSetNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";

const ROOT = path.resolve(__dirname, "../..");
const schema = buildSchema(fs.readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
const files = fs.readdirSync(path.join(ROOT, "operations")).filter((f) => f.endsWith(".graphql"));
const document: DocumentNode = parse(files.map((f) => fs.readFileSync(path.join(ROOT, "operations", f), "utf8")).join("\n"));
const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === "FragmentDefinition").map((d) => [d.name.value, d]));

/** The field names a selection set selects directly, fragments and inline fragments included. */
function selectedFields(set: SelectionSetNode): Set<string> {
  const names = new Set<string>();
  for (const selection of set.selections) {
    if (selection.kind === "Field") names.add(selection.name.value);
    else if (selection.kind === "InlineFragment") selectedFields(selection.selectionSet).forEach((n) => names.add(n));
    else selectedFields(fragments.get(selection.name.value)!.selectionSet).forEach((n) => names.add(n));
  }
  return names;
}

/** "Operation.path.to.field" for every object selection without `id` whose type has one, and every connection read otherwise than by edges. */
function violations(): string[] {
  const found: string[] = [];
  const typeInfo = new TypeInfo(schema);
  const where: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: { enter: (node) => void where.push(node.name?.value ?? "anonymous"), leave: () => void where.pop() },
      FragmentDefinition: { enter: (node) => void where.push(`fragment ${node.name.value}`), leave: () => void where.pop() },
      Field: {
        enter(node: FieldNode) {
          where.push(node.alias?.value ?? node.name.value);
          const type = typeInfo.getType() && getNamedType(typeInfo.getType()!);
          if (!node.selectionSet || !type) return;
          const fields = selectedFields(node.selectionSet);
          if (isObjectType(type) && "id" in (type as GraphQLObjectType).getFields() && !fields.has("id")) {
            found.push(`${where.join(".")}: ${type.name} without id`);
          }
          // A connection selected for none of its items (only `totalCount`, or the activity log's `newestCursor`) is not a list read.
          const readsItems = ["edges", "nodes", "pageInfo"].some((name) => fields.has(name));
          if (type.name.endsWith("Connection") && readsItems) {
            if (fields.has("nodes")) found.push(`${where.join(".")}: a connection read through nodes`);
            if (!fields.has("edges") || !fields.has("pageInfo")) found.push(`${where.join(".")}: a connection without edges and pageInfo`);
          }
          if (type.name.endsWith("Edge") && !(fields.has("cursor") && fields.has("node"))) {
            found.push(`${where.join(".")}: an edge without cursor and node`);
          }
        },
        leave: () => void where.pop(),
      },
    }),
  );
  return found;
}

describe("the example operations follow Apollo Client's and Relay's conventions", () => {
  it("finds the operations and their fragments", () => {
    expect(document.definitions.filter((d) => d.kind === "OperationDefinition").length).toBeGreaterThanOrEqual(10);
    expect(fragments.size).toBeGreaterThanOrEqual(2);
  });

  it("select id on every object that has one, and read connections through edges { cursor node } and pageInfo", () => {
    expect(violations()).toEqual([]);
  });

  it("would catch an object without its id and a list read through nodes", () => {
    const original = document.definitions;
    const broken = parse(`query Broken { licenseRequests(first: 2) { nodes { id assignedProduct { name } } } }`);
    (document as { definitions: unknown }).definitions = [...original, ...broken.definitions];
    try {
      expect(violations()).toEqual([
        "Broken.licenseRequests: a connection read through nodes",
        "Broken.licenseRequests: a connection without edges and pageInfo",
        "Broken.licenseRequests.nodes.assignedProduct: Product without id",
      ]);
    } finally {
      (document as { definitions: unknown }).definitions = original;
    }
  });
});
