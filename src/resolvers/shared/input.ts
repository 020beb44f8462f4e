/**
 * The edge's translation of inputs (architecture habit 2): global IDs become
 * local IDs before a service sees them (null where an ID names nothing, so the
 * service answers it as it answers an ID that does not exist), an optional
 * field the client left out or set to null becomes undefined, and a service's
 * field keys (paths within its input) become paths from the argument.
 */
import type { UserError } from "../../services/shared/errors";
import { LocalId, localIdOf, NodeTypeName } from "../../services/shared/ids";

export const idOf = (globalId: string, type: NodeTypeName): LocalId => localIdOf(globalId, type);

export const optionalIdOf = (globalId: string | null | undefined, type: NodeTypeName): LocalId | undefined =>
  globalId === null || globalId === undefined ? undefined : localIdOf(globalId, type);

export const idsOf = (globalIds: readonly string[] | null | undefined, type: NodeTypeName): LocalId[] | undefined =>
  globalIds === null || globalIds === undefined ? undefined : globalIds.map((id) => localIdOf(id, type));

/** An optional input field as services take it: left out (undefined) whether the client omitted it or sent null. */
export const optional = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** The elements of `a` and `b` paired by position, as many as the shorter has. */
export function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
  const pairs: [A, B][] = [];
  const others = b[Symbol.iterator]();
  for (const item of a) {
    const other = others.next();
    if (other.done) break;
    pairs.push([item, other.value]);
  }
  return pairs;
}

/** A service's user errors with each field as a path from the operation's argument (`["input", …]`). */
export const fromArgument = (errors: readonly UserError[], argument = "input"): UserError[] =>
  errors.map((e) => (e.field ? { ...e, field: [argument, ...e.field] } : e));
