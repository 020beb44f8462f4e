/**
 * The API's vocabulary: every enumeration once, as a constant list. The
 * GraphQL enums (src/schema/enums.ts), the stored column types (src/entities)
 * and the code lists of the modules are derived from these, so a value is
 * added, or spelt, in one place. Imports nothing; anything may import it.
 */

/**
 * A person's role in the directory (read, never set, by the API): USER, or one
 * of the admin roles that see and decide every request (api.md "Who decides").
 */
export const ROLES = ["GLOBAL_ADMIN", "LICENSE_ADMIN", "USER_ADMIN", "USER"] as const;
export type RoleValue = (typeof ROLES)[number];

/** A request's status as stored; a stored PENDING past expiresAt reads as EXPIRED. */
export const REQUEST_STATUSES = ["PENDING", "APPROVED", "PARTIALLY_APPROVED", "DENIED", "EXPIRED", "CANCELLED"] as const;
export type RequestStatusValue = (typeof REQUEST_STATUSES)[number];

/** The Requests tab's filter: PENDING, or COMPLETED (every other status). */
export const REQUEST_STATES = ["PENDING", "COMPLETED"] as const;
export type RequestStateValue = (typeof REQUEST_STATES)[number];

export const RECIPIENT_DECISIONS = ["PENDING", "APPROVED", "DENIED"] as const;
export type RecipientDecisionValue = (typeof RECIPIENT_DECISIONS)[number];

/** What happened to a request, as kept in its history. */
/** What the history records: decisions, cancellations, expiries, and second opinions (which decide nothing). */
export const DECISION_ACTIONS = ["APPROVED", "PARTIALLY_APPROVED", "DENIED", "CANCELLED", "EXPIRED", "RECOMMENDED_APPROVAL", "RECOMMENDED_DENIAL"] as const;
export type DecisionActionValue = (typeof DECISION_ACTIONS)[number];

/** What an entry of the activity log says happened to a request (api.md "Nothing missed"). */
export const ACTIVITY_KINDS = [
  "SUBMITTED",
  "APPROVED",
  "PARTIALLY_APPROVED",
  "DENIED",
  "CANCELLED",
  "EXPIRED",
  "RECOMMENDED",
  // api.md "Policies": the manager endorsed it, did not answer in time, a license it gave was reclaimed.
  "ENDORSED",
  "ESCALATED",
  "LICENSE_RECLAIMED",
] as const;
export type ActivityKindValue = (typeof ACTIVITY_KINDS)[number];

/**
 * Entries the log keeps for its own subscribers but never shows as activity: a
 * request shared or a share withdrawn changes what `licenseRequestUpdated`
 * subscribers see of the request, not its course.
 */
export const INTERNAL_ACTIVITY_KINDS = ["SHARED", "SHARE_REVOKED"] as const;
export type StoredActivityKindValue = ActivityKindValue | (typeof INTERNAL_ACTIVITY_KINDS)[number];

/** A webhook delivery's state: owed, acknowledged by a 2xx, or given up (redeliverWebhook tries again). */
export const WEBHOOK_DELIVERY_STATUSES = ["PENDING", "DELIVERED", "FAILED"] as const;
export type WebhookDeliveryStatusValue = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Why a mutation did nothing (its userErrors). */
export const USER_ERROR_CODES = ["NOT_FOUND", "INVALID_INPUT", "CONFLICT", "INSUFFICIENT_LICENSES", "REQUEST_EXPIRED", "NOT_PERMITTED"] as const;
export type UserErrorCodeValue = (typeof USER_ERROR_CODES)[number];

/** How a request was decided: through the API, from a notice email's link, or by a product's policy. */
export const DECISION_CHANNELS = ["API", "EMAIL_LINK", "POLICY"] as const;
export type DecisionChannelValue = (typeof DECISION_CHANNELS)[number];

/** Where a request's manager endorsement stands (api.md "Policies"); null on a request whose product's policy asked for none. */
export const ENDORSEMENT_STATES = ["AWAITING", "ENDORSED", "DECLINED", "ESCALATED", "SKIPPED", "BYPASSED"] as const;
export type EndorsementStateValue = (typeof ENDORSEMENT_STATES)[number];

/** What an emailed link's secret may do: decide a request (a decider's link) or endorse it (the requester's manager's link). */
export const LINK_PURPOSES = ["DECIDE", "ENDORSE"] as const;
export type LinkPurposeValue = (typeof LINK_PURPOSES)[number];

export const ORDER_DIRECTIONS = ["ASC", "DESC"] as const;
export type OrderDirectionValue = (typeof ORDER_DIRECTIONS)[number];

export const REQUEST_ORDER_FIELDS = ["REQUESTED_AT"] as const;
export type RequestOrderFieldValue = (typeof REQUEST_ORDER_FIELDS)[number];

/** When an organization's global admins hear of a new request (api.md "Admin notices"); IMMEDIATELY unless changed. */
export const ADMIN_NOTIFICATIONS = ["IMMEDIATELY", "DAILY_DIGEST", "OFF"] as const;
export type AdminNotificationValue = (typeof ADMIN_NOTIFICATIONS)[number];

/** `{ A: "A", B: "B" }` of a list: the shape type-graphql registers as an enum, and `Enum.A` reads as in TypeScript. */
export function enumOf<const T extends readonly string[]>(values: T): { readonly [K in T[number]]: K } {
  return Object.freeze(Object.fromEntries(values.map((value) => [value, value]))) as { readonly [K in T[number]]: K };
}
