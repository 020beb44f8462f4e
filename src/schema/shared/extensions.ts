/**
 * What the schema tells the transports, through GraphQL extensions (never
 * printed in the SDL), so that the transports know no field by name.
 */

/**
 * On a subscription field: the check that runs before the subscription
 * starts (graphql-ws `onSubscribe`, src/server/websocket.ts), given the
 * operation's context and the field's coerced arguments. Its refusal answers
 * that subscription alone with an `error` message (FORBIDDEN, NOT_FOUND),
 * rather than a `next` carrying errors.
 */
export const SUBSCRIPTION_ADMISSION = "subscriptionAdmission";

export type SubscriptionAdmission = (context: unknown, args: Record<string, unknown>) => Promise<{ code: string; message: string } | null>;

/**
 * How many elements a list can hold: a number; or, for a list of a payload
 * that holds one element per item of an argument of the field returning the
 * payload, that argument (its path in the field's arguments) and the most it
 * can be priced at (the argument's length counts only where the list is
 * selected right under that field; reached another way, the list costs
 * `max`); or, for a list that holds one element per item of one of its own
 * arguments, that argument and the check of its length (which refuses it
 * before anything runs).
 */
export type ListBound = number | { max: number; lengthOf: readonly string[] } | { max: number; lengthOfOwn: string; check: (length: number) => void };

/**
 * On the schema: the bounds of its unpaged lists of objects, by `Type.field`
 * (or `*.field`), as the features declare them (src/resolvers/listBounds.ts),
 * which the pricer (src/server/graphql/cost.ts) reads, naming no feature.
 */
export const LIST_BOUNDS_EXTENSION = "listBounds";
