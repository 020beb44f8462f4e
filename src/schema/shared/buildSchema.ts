/**
 * Builds the executable schema (type-graphql, code first). The emitted SDL is
 * committed as schema.graphql; test/unit/schema-file.test.ts fails when stale.
 */
import "reflect-metadata";
import { GraphQLSchema, isInterfaceType, lexicographicSortSchema, printSchema } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema as buildTypeGraphQLSchema, NonEmptyArray } from "type-graphql";
import type { PubSub } from "type-graphql";
import "./enums";
import { nodeTypeNameOf } from "./node";
import { LIST_BOUNDS_EXTENSION, ListBound } from "./extensions";
import { installDirectResolvers, ResolverInstances } from "./directResolvers";

export interface SchemaOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  pubSub?: PubSub | undefined;
  /** The bounds of the unpaged lists (src/resolvers/listBounds.ts), carried on the schema for the pricer. */
  listBounds: Readonly<Record<string, ListBound>>;
}

export async function buildApiSchema(options: SchemaOptions): Promise<GraphQLSchema> {
  const instances = new ResolverInstances();
  const schema = await buildTypeGraphQLSchema({
    resolvers: options.resolvers,
    // No global middleware and no auth checker: installDirectResolvers relies on it.
    container: instances,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    ...(options.pubSub ? { pubSub: options.pubSub } : {}),
    validate: false,
    emitSchemaFile: false,
  });
  // type-graphql wraps every resolveType in an async function; compiled operations (graphql-jit,
  // src/server/graphql/pipeline.ts) need the type at once. Node's is a lookup by class name.
  const node = schema.getType("Node");
  if (isInterfaceType(node)) node.resolveType = (value: object) => nodeTypeNameOf(value);
  // Field resolvers that need nothing of type-graphql's wrapper are called directly (directResolvers.ts).
  installDirectResolvers(schema, options.resolvers, instances);
  // type-graphql takes no schema extensions; they are set once here, before anything reads them.
  Object.assign(schema, { extensions: { ...schema.extensions, [LIST_BOUNDS_EXTENSION]: options.listBounds } });
  return schema;
}

/** The SDL as committed in schema.graphql: sorted, so diffs stay small. */
export function printApiSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
