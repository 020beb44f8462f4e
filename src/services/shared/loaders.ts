/**
 * What every feature's loaders are made of. Each feature declares its batch
 * reads in its own `loaders.ts` (one statement per batch, written by hand,
 * scoped to one organization: a key of another organization loads as
 * missing; one result per key, in key order); src/services/loaders.ts
 * registers them, and every operation (and every subscription event) gets a
 * fresh set, each feature's made when the operation first asks for it.
 */
import type { Queryable } from "./rows";

/** Whose reads a set of loaders serves: one organization, through one data source. */
export interface LoaderScope {
  db: Queryable;
  organizationId: number;
}

/**
 * Every loader of an operation dispatches its batch once the event loop has run
 * the I/O callbacks that are ready (setImmediate), not at the end of the current
 * tick: keys asked for by resolvers that resume from different statements' rows
 * then share one statement, so an operation's statement count does not depend on
 * how its replies happened to arrive.
 */
export const batching = { batchScheduleFn: (dispatch: () => void) => setImmediate(dispatch) } as const;

/** `keys` with the organization first: every batch is `organizationId = ? AND … IN (…)`. */
export const scoped = (scope: LoaderScope, keys: readonly number[]): unknown[] => [scope.organizationId, ...keys];

/** A read made once per operation, on first use. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}
