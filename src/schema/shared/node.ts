import { Field, ID, InterfaceType } from "type-graphql";

/**
 * The GraphQL type of a value that flows through resolvers. Services hand out
 * storage rows (classes named `<Type>Entity`); the map names the exceptions.
 */
const TYPE_BY_CLASS: Record<string, string> = {
  DecisionRecordEntity: "LicenseRequestDecision",
};

export function nodeTypeNameOf(value: object): string | undefined {
  const className = value.constructor?.name ?? "";
  return TYPE_BY_CLASS[className] ?? (className.endsWith("Entity") ? className.slice(0, -"Entity".length) : undefined);
}

@InterfaceType({
  description: "Anything with a global, opaque ID. Query.node(id) resolves any of them.",
  resolveType: (value: object) => nodeTypeNameOf(value),
})
export abstract class Node {
  @Field(() => ID)
  id: string;
}
