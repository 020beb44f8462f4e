/** What every resolver does the same way: who asks, and how a service's outcome becomes a payload. */
import type { Context } from "../../context";
import { failed, unauthenticated } from "../../services/shared/errors";
import { malformedTextErrors } from "../../services/shared/text";
import type { Outcome } from "../../services/shared/errors";
import type { MutationResult } from "../../services/shared/idempotency";
import type { Loaders } from "../../services/loaders";
import type { Viewer } from "../../services/shared/viewer";
import { fromArgument } from "./input";

/** The signed-in viewer and their loaders; UNAUTHENTICATED without a token. */
export function signedIn(context: Context): { viewer: Viewer; loaders: Loaders } {
  if (!context.viewer || !context.loaders) throw unauthenticated();
  return { viewer: context.viewer, loaders: context.loaders };
}

/**
 * A mutation's payload: `run` (the service call) unless some text the client
 * sent holds a lone surrogate (IDs and the echoed clientMutationId included:
 * the services check the text they keep), then `{ ...fields, userErrors: [],
 * clientMutationId }` on success, `{ ...empty, userErrors }` (fields from
 * `input`) otherwise.
 */
export async function payload<T, P extends object>(
  input: { clientMutationId?: string | null | undefined },
  run: () => Promise<Outcome<MutationResult<T>>>,
  map: (value: T) => P,
  empty: { [K in keyof P]: null | never[] },
) {
  const malformed = malformedTextErrors(input);
  const outcome = malformed.length ? failed<MutationResult<T>>(...malformed) : await run();
  const echo = { clientMutationId: input.clientMutationId ?? null };
  return outcome.ok ? { ...map(outcome.value.value), userErrors: [], ...echo } : { ...empty, userErrors: fromArgument(outcome.userErrors), ...echo };
}
