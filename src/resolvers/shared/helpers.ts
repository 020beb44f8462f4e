/** What every resolver does the same way: who asks, and how a service's outcome becomes a payload. */
import type { Context } from "../../context";
import { unauthenticated } from "../../services/shared/errors";
import type { Outcome } from "../../services/shared/errors";
import type { MutationResult } from "../../services/shared/idempotency";
import type { Loaders } from "../../services/loaders";
import type { Viewer } from "../../services/shared/viewer";

/** The signed-in viewer and their loaders; UNAUTHENTICATED without a token. */
export function signedIn(context: Context): { viewer: Viewer; loaders: Loaders } {
  if (!context.viewer || !context.loaders) throw unauthenticated();
  return { viewer: context.viewer, loaders: context.loaders };
}

/** `{ ...fields, userErrors: [], clientMutationId }` on success; `{ ...empty, userErrors }` otherwise. */
export function payload<T, P extends object>(
  outcome: Outcome<MutationResult<T>>,
  clientMutationId: string | null | undefined,
  map: (value: T) => P,
  empty: { [K in keyof P]: null | never[] },
) {
  const echo = { clientMutationId: clientMutationId ?? null };
  return outcome.ok ? { ...map(outcome.value.value), userErrors: [], ...echo } : { ...empty, userErrors: outcome.userErrors, ...echo };
}
