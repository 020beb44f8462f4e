/** What the operation selects of the field being resolved, for services that read less when less is asked. */
import { GraphQLResolveInfo, Kind, SelectionSetNode } from "graphql";

/**
 * Whether the field being resolved selects `name` directly (under any alias,
 * through inline fragments and fragment spreads). Directives are not read: a
 * field under `@skip` or `@include` counts as selected, so the answer may say
 * yes where execution will not read it (a little work for nothing), never no
 * where it will.
 */
export function selectsField(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">, name: string): boolean {
  const pending: SelectionSetNode[] = [];
  for (const node of info.fieldNodes) if (node.selectionSet) pending.push(node.selectionSet);
  const spread = new Set<string>();
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) return true;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return false;
}
