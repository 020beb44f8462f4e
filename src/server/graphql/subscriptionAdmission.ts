/**
 * The subscription's own admission, the same over every transport that runs
 * subscriptions (graphql-ws, Server-Sent Events): after the pipeline admitted
 * the operation and the viewer is read, the check the subscription's feature
 * put on its root field decides whether it may start.
 */
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSchema,
  GraphQLSkipDirective,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
} from "graphql";
import type { Context } from "../../context";
import { SUBSCRIPTION_ADMISSION, SubscriptionAdmission } from "../../schema/shared/extensions";
import { ClientError, isClientErrorCode } from "../../services/shared/errors";
import { namingSchema } from "./errors";

/**
 * Admission of a subscription's root field: the check its feature put on the
 * field (`SUBSCRIPTION_ADMISSION`), whose refusal (FORBIDDEN, NOT_FOUND) is
 * that subscription's `error`. The root field is found as execution finds it
 * (fragments followed, `@skip`/`@include` applied), so no spelling of the
 * operation slips past.
 */
export async function admitSubscription(
  schema: GraphQLSchema,
  context: Context,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Promise<readonly GraphQLError[] | null> {
  const subscriptionType = schema.getSubscriptionType();
  if (!subscriptionType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const selected = rootFields(operation.selectionSet, fragments, variables);
  // Validation allows a root field under @skip/@include; graphql-js's subscribe then finds none and
  // throws a TypeError, which graphql-ws answers by closing the socket (4500) with every subscription on it.
  if (selected.length === 0) {
    return [new ClientError("BAD_USER_INPUT", "The subscription selects no field with these variables (@skip/@include); it must select one.")];
  }
  for (const node of selected) {
    const definition = subscriptionType.getFields()[node.name.value];
    const admission = definition?.extensions[SUBSCRIPTION_ADMISSION] as SubscriptionAdmission | undefined;
    if (!definition || !admission) continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, node, variables);
    } catch (error) {
      if (error instanceof GraphQLError) return [namingSchema(error, "BAD_USER_INPUT")];
      throw error;
    }
    const refusal = await admission(context, args);
    if (refusal) return [new ClientError(isClientErrorCode(refusal.code) ? refusal.code : "FORBIDDEN", refusal.message)];
  }
  return null;
}

function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seen: ReadonlySet<string> = new Set(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.["if"] === true) continue;
    if (getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.["if"] === false) continue;
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...rootFields(selection.selectionSet, fragments, variables, seen));
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) fields.push(...rootFields(fragment.selectionSet, fragments, variables, new Set(seen).add(name)));
    }
  }
  return fields;
}
