/**
 * The one access policy (api.md "Who may do what"): every role and visibility
 * check of the API asks `can` (or `assertCan`, which answers FORBIDDEN), and
 * nothing else decides who sees or does what. Services, node lookup, live
 * updates and field resolvers call it; list queries take their SQL scope from
 * `requestScope`, which says the same thing as `can(viewer, "request.read", …)`.
 *
 * Organizations come first: nothing of another organization is ever allowed
 * (callers answer it exactly as an ID that names nothing).
 */
import type { Viewer } from "../shared/viewer";
import { forbidden } from "../shared/errors";

/** A license request as the policy sees it: who sent it and who is named in it. */
export interface RequestResource {
  organizationId: number;
  requesterId: number;
  /** The recipients' user IDs (the requester included). */
  recipientIds: readonly number[];
}

/** Something that belongs to one user: a license assignment, a user's licenses. */
export interface OwnedResource {
  organizationId: number;
  userId: number;
}

export interface OrganizationResource {
  organizationId: number;
}

/** Each action with the resource it is asked about. */
export interface Actions {
  /** See a request (list, single read, node, live update). */
  "request.read": RequestResource;
  /** Approve or deny the organization's requests. */
  "request.decide": OrganizationResource;
  /** Cancel a request. */
  "request.cancel": RequestResource;
  /** See a user's licenses, or one license assignment. */
  "licenses.read": OwnedResource;
  /** Read the organization's people, products, plans and request-process settings. */
  "organization.read": OrganizationResource;
  "settings.update": OrganizationResource;
  /** The decision history. */
  "history.read": OrganizationResource;
  /** Share a pending request for a second opinion (shareLicenseRequest). */
  "request.share": OrganizationResource;
  /** Withdraw a shared link (revokeLicenseRequestShare). */
  "share.revoke": OrganizationResource;
  /** Read the second opinions gathered on requests, and the shares behind them. */
  "recommendations.read": OrganizationResource;
  /** Subscribe to every new request of the organization. */
  "requests.subscribeSubmitted": OrganizationResource;
  /** The organization's security groups and their members. */
  "groups.read": OrganizationResource;
  /** The organization's webhook endpoints and their deliveries: read, create, change, delete, redeliver. */
  "webhooks.manage": OrganizationResource;
}

export type Action = keyof Actions;

const admin = (viewer: Viewer) => viewer.isGlobalAdmin;
const sameOrganization = (viewer: Viewer, resource: OrganizationResource) => resource.organizationId === viewer.organizationId;

const RULES: { [A in Action]: (viewer: Viewer, resource: Actions[A]) => boolean } = {
  "request.read": (viewer, request) => admin(viewer) || request.requesterId === viewer.userId || request.recipientIds.includes(viewer.userId),
  "request.decide": (viewer) => admin(viewer),
  "request.cancel": (viewer, request) => request.requesterId === viewer.userId,
  "licenses.read": (viewer, owned) => admin(viewer) || owned.userId === viewer.userId,
  "organization.read": () => true,
  "settings.update": (viewer) => admin(viewer),
  "history.read": (viewer) => admin(viewer),
  "requests.subscribeSubmitted": (viewer) => admin(viewer),
  "groups.read": (viewer) => admin(viewer),
  "request.share": (viewer) => admin(viewer),
  "share.revoke": (viewer) => admin(viewer),
  "recommendations.read": (viewer) => admin(viewer),
  "webhooks.manage": (viewer) => admin(viewer),
};

/** What a refusal says, per action. */
const REFUSALS: { [A in Action]: string } = {
  "request.read": "You may not see this license request.",
  "request.decide": "Only global admins decide license requests.",
  "request.cancel": "Only the requester can cancel a request; admins deny it instead.",
  "licenses.read": "You may see only your own licenses.",
  "organization.read": "You may not read this organization.",
  "settings.update": "Only global admins change the request process settings.",
  "history.read": "Only global admins read the decision history.",
  "requests.subscribeSubmitted": "Only global admins subscribe to new license requests.",
  "groups.read": "Only global admins read the security groups.",
  "request.share": "Only global admins share license requests for a second opinion.",
  "share.revoke": "Only global admins withdraw shared links.",
  "recommendations.read": "Only global admins read second opinions.",
  "webhooks.manage": "Only global admins manage webhooks.",
};

/** Whether `viewer` may do `action` on `resource` (false for anything of another organization). */
export function can<A extends Action>(viewer: Viewer, action: A, resource: Actions[A]): boolean {
  return sameOrganization(viewer, resource) && RULES[action](viewer, resource);
}

/** @throws ClientError FORBIDDEN with the action's message when `can` says no. */
export function assertCan<A extends Action>(viewer: Viewer, action: A, resource: Actions[A]): void {
  if (!can(viewer, action, resource)) throw forbidden(REFUSALS[action]);
}

/** The message a refusal of `action` gives (for refusals answered otherwise than by a throw, e.g. a subscription's `error`). */
export function refusalOf(action: Action): string {
  return REFUSALS[action];
}

/** The viewer's organization, as a resource. */
export const organizationOf = (viewer: Viewer): OrganizationResource => ({ organizationId: viewer.organizationId });

/**
 * Which requests of the organization a viewer may read, for queries that
 * select many at once: every one, or those they sent or are named in (the
 * requester is always a recipient).
 */
export function requestScope(viewer: Viewer): { all: true } | { recipientId: number } {
  return admin(viewer) ? { all: true } : { recipientId: viewer.userId };
}

/**
 * Whose answers a viewer shares, for work done once for many viewers (a live
 * event's payload, executed once per view: src/server/graphql/sharedExecution.ts).
 * Two viewers with the same `key` get the same answer from every rule above
 * about every resource, except from the rules in `personal`, which also ask
 * who they are. A global admin's answers follow from the role and the
 * organization, except for cancelling (the requester's own); anyone else's
 * follow from who they are, so each such user is a view of their own.
 * (test/unit/policy.test.ts checks this against every rule.)
 */
export interface View {
  key: string;
  personal: readonly Action[];
}

export function viewOf(viewer: Viewer): View {
  return admin(viewer)
    ? { key: `${viewer.organizationId}:admin`, personal: ["request.cancel"] }
    : { key: `${viewer.organizationId}:user:${viewer.userId}`, personal: [] };
}

/**
 * Marks a field whose answer asks the policy about the viewer beyond what the
 * field's object already passed (e.g. `viewerCanCancel`): the actions, in the
 * field's GraphQL extensions. Work shared by a view is not shared for a field
 * that asks one of the view's `personal` actions.
 */
export const POLICY_ACTIONS_EXTENSION = "policyActions";
