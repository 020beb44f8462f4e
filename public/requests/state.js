// @ts-check
/**
 * The page's state, one object the modules share, and the shapes of what it
 * holds. The shapes come from the generated operation types
 * (test/generated/graphql.ts, written by codegen from operations/*.graphql),
 * so a field the page reads but no operation selects fails the type check.
 */

/** @import { RequestRowFragment, RequestPolicyFactsFragment, RequestsPageDetailsFragment, LicenseRequestState, GroupSummaryFragment, OwnProcessQuery } from "../../test/generated/graphql" */

/**
 * What a list row shows of a request. Rows come from the list query, from
 * live events and from the details, each of which selects RequestRow and
 * RequestPolicyFacts.
 * @typedef {Pick<RequestRowFragment, "id" | "status" | "requestedAt" | "recipientCount" | "product" | "requester"> & { viewerCanDecide?: boolean } & Pick<RequestPolicyFactsFragment, "endorsement" | "renewalOf">} RowData
 * @typedef {RowData & { isNew?: boolean }} Row   isNew: arrived live (highlighted once)
 * @typedef {RequestsPageDetailsFragment} RequestDetails
 * @typedef {LicenseRequestState} Filter
 * @typedef {"approve" | "deny"} DecisionKind
 * @typedef {GroupSummaryFragment} GroupData
 * @typedef {OwnProcessQuery["me"]} Viewer   who is signed in, with what they may do (`permissions`)
 */

/**
 * What the admin chose in the open request's decision form (see decision.js).
 * @typedef {object} DecisionForm
 * @property {Set<string>} excluded user IDs of recipients left out
 * @property {string | null} productId the product the licenses come from
 * @property {string | null} groupId the group the licenses come through; null: assigned directly
 * @property {Set<string>} disabledPlans service plan IDs turned off
 * @property {string} message the message to the recipients, as typed
 * @property {Partial<Record<DecisionKind, string>>} keys the idempotency key of each decision sent from exactly these choices and not yet answered
 */

/**
 * @typedef {object} PageState
 * @property {{ token: string | null, typed: boolean }} session
 *   the bearer token (in memory) and whether it was typed in (so signing out makes sense)
 * @property {{ filter: Filter, rows: Row[], totalCount: number, endCursor: string | null, hasNextPage: boolean, generation: number }} list
 *   rows in display order; `generation` is bumped on every fresh load so an older answer arriving late is dropped
 * @property {{ selected: Set<string>, results: Map<string, { ok: boolean, text: string }>, busy: boolean, errors: string[], keys: Partial<Record<DecisionKind, string>> }} bulk
 *   the rows ticked for a bulk decision, each row's last bulk result, whether a bulk call is on its way, the call's own errors,
 *   and the idempotency key of each bulk decision sent from exactly this selection and not yet answered
 * @property {Viewer | null} viewer who is signed in (null until read): each pane shows only what works for them
 * @property {GroupData[] | null} groups the organization's groups (read once, when an approve pane first needs them)
 * @property {{ selectedId: string | null, request: RequestDetails | null, form: DecisionForm, busy: boolean, errors: string[] }} details
 *   the open request (null while loading), the form, whether a decision is on its way, and what to tell the admin
 */

/** @type {PageState} */
export const state = {
  session: { token: null, typed: false },
  list: { filter: "PENDING", rows: [], totalCount: 0, endCursor: null, hasNextPage: false, generation: 0 },
  bulk: { selected: new Set(), results: new Map(), busy: false, errors: [], keys: {} },
  viewer: null,
  groups: null,
  details: {
    selectedId: null,
    request: null,
    form: { excluded: new Set(), productId: null, groupId: null, disabledPlans: new Set(), message: "", keys: {} },
    busy: false,
    errors: [],
  },
};
