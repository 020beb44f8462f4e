/**
 * What runs without a bearer token (api.md "Second opinions", "Decisions from
 * the email", "Policies"): exactly one `recordRecommendation`,
 * `decideLicenseRequestByLink` or `endorseLicenseRequestByLink` mutation,
 * whose link secret is its credential,
 * asking for nothing but its own payload (and, while introspection is on, a
 * query of the schema alone). Anything else from an anonymous caller is
 * refused UNAUTHENTICATED before validation, whether introspection is on or
 * off: an anonymous caller reads no data, changes nothing it asked more of than
 * the payload, and, while introspection is off, learns nothing of the schema (no
 * field names, no "Cannot query field" answers, no types); its rate limit
 * bucket is its address's.
 *
 * The gate is syntactic and strict: one operation, no fragments, no
 * directives, and each selection a field of the list below (by name; aliases
 * allowed). `LicenseRequestRecommendation.by` is not on it: who answered is
 * for signed-in admins; of the decided request, only its id, status and
 * decision time, and of an endorsed one also its endorsement's state and
 * time (its people and products are for those signed in).
 */
import { DocumentNode, FieldNode, Kind, OperationTypeNode, SelectionSetNode } from "graphql";

/** The fields an anonymous operation may select, per position. */
interface AllowedSelection {
  [field: string]: AllowedSelection | true;
}

const USER_ERROR: AllowedSelection = { code: true, message: true, field: true, __typename: true };
const RECOMMENDATION: AllowedSelection = { id: true, verdict: true, comment: true, at: true, __typename: true };

const DECIDED_REQUEST: AllowedSelection = { id: true, status: true, decidedAt: true, __typename: true };
const ENDORSED_REQUEST: AllowedSelection = { ...DECIDED_REQUEST, endorsement: { state: true, at: true, __typename: true } };

const ANONYMOUS_ROOT: AllowedSelection = {
  recordRecommendation: { recommendation: RECOMMENDATION, userErrors: USER_ERROR, clientMutationId: true, __typename: true },
  decideLicenseRequestByLink: { licenseRequest: DECIDED_REQUEST, userErrors: USER_ERROR, clientMutationId: true, __typename: true },
  endorseLicenseRequestByLink: { licenseRequest: ENDORSED_REQUEST, userErrors: USER_ERROR, clientMutationId: true, __typename: true },
};

function selectionAllowed(selectionSet: SelectionSetNode | undefined, allowed: AllowedSelection, root: boolean): boolean {
  if (!selectionSet || selectionSet.selections.length === 0) return false;
  if (root && selectionSet.selections.length !== 1) return false;
  return selectionSet.selections.every((selection) => {
    if (selection.kind !== Kind.FIELD) return false;
    return fieldAllowed(selection, allowed);
  });
}

function fieldAllowed(field: FieldNode, allowed: AllowedSelection): boolean {
  if (field.directives?.length) return false;
  const rule = Object.prototype.hasOwnProperty.call(allowed, field.name.value) ? allowed[field.name.value] : undefined;
  if (rule === undefined) return false;
  if (rule === true) return field.selectionSet === undefined && !field.arguments?.length;
  // Only the root field takes arguments (its input); nested ones take none.
  if (allowed !== ANONYMOUS_ROOT && field.arguments?.length) return false;
  return selectionAllowed(field.selectionSet, rule, false);
}

/** Whether an anonymous caller may run `document` (as `operationName` picks its operation). */
export function runsWithoutToken(document: DocumentNode, operationName: unknown): boolean {
  const [operation, ...others] = document.definitions;
  if (!operation || others.length) return false;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== OperationTypeNode.MUTATION) return false;
  if (operation.directives?.length) return false;
  if (operationName !== undefined && operationName !== null && operationName !== operation.name?.value) return false;
  if (operation.variableDefinitions?.some((v) => v.directives?.length)) return false;
  return selectionAllowed(operation.selectionSet, ANONYMOUS_ROOT, true);
}

/** The root fields of a document that reads the schema and nothing else. */
const SCHEMA_FIELDS = new Set(["__schema", "__type", "__typename"]);

/**
 * Whether `document` (as `operationName` picks its operation) is a query that
 * reads only the schema (`__schema`, `__type`, `__typename` at its root; its
 * fragments are then the schema's types): what an anonymous caller may also
 * run while introspection is on (GraphiQL, codegen against a running server).
 * Nothing of an organization's data is reachable from those fields.
 */
export function readsOnlySchema(document: DocumentNode, operationName: unknown): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation =
    operationName === undefined || operationName === null
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === operationName);
  if (!operation || operation.operation !== OperationTypeNode.QUERY) return false;
  return operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && SCHEMA_FIELDS.has(selection.name.value));
}
