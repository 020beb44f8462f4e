/**
 * What the schema's fields tell the transports, through their GraphQL
 * extensions (never printed in the SDL), so that the transports know no
 * field by name.
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
