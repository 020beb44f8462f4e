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
import { ADMIN_ROLES, DecisionRights, Viewer } from "../shared/viewer";
import { forbidden } from "../shared/errors";

/** A license request as the policy sees it: its product, who sent it and who is named in it. */
export interface RequestResource {
  organizationId: number;
  productId: number;
  requesterId: number;
  /** The recipients' user IDs (the requester included). */
  recipientIds: readonly number[];
  /** The requester's manager asked to endorse it (api.md "Policies"), if any: they see it, and endorse it while it awaits them. */
  endorsementManagerId?: number | null | undefined;
}

/** Something that belongs to one user: a license assignment (of a product), a user's licenses. */
export interface OwnedResource {
  organizationId: number;
  userId: number;
  /** The product, for one assignment: its approvers read it. */
  productId?: number | undefined;
}

export interface OrganizationResource {
  organizationId: number;
}

/** Something about one product's requests (their history, shares, second opinions); without a product, about all of them. */
export interface ProductResource {
  organizationId: number;
  productId?: number | undefined;
}

/** A delegation, as the policy sees it: who lent to whom. */
export interface DelegationResource {
  organizationId: number;
  fromUserId: number;
  toUserId: number;
}

/** Each action with the resource it is asked about. */
export interface Actions {
  /** See a request (list, single read, node, live update, activity entry). */
  "request.read": RequestResource;
  /** Approve or deny this request (its product's deciders, never one of its recipients). */
  "request.decide": RequestResource;
  /** Decide some requests: the Requests tab's deciding side, bulk, preview, licenseRequestSubmitted. */
  "requests.decideAny": OrganizationResource;
  /** Cancel a request. */
  "request.cancel": RequestResource;
  /** See a user's licenses, or one license assignment. */
  "licenses.read": OwnedResource;
  /** Read the organization's people, products, plans and request-process settings. */
  "organization.read": OrganizationResource;
  /** Change the request-process settings and the products' approvers, and read those approvers. */
  "process.manage": OrganizationResource;
  /** The decision history (of one product's requests, or of all). */
  "history.read": ProductResource;
  /** Share a pending request of this product for a second opinion (shareLicenseRequest). */
  "request.share": ProductResource;
  /** Withdraw a shared link of a request of this product (revokeLicenseRequestShare). */
  "share.revoke": ProductResource;
  /** Read the second opinions gathered on requests (of this product), and the shares behind them. */
  "recommendations.read": ProductResource;
  /** Subscribe to new requests of the organization (each event shown only where `request.read` allows). */
  "requests.subscribeSubmitted": OrganizationResource;
  /** The organization's security groups and their members. */
  "groups.read": OrganizationResource;
  /** The organization's webhook endpoints and their deliveries: read, create, change, delete, redeliver. */
  "webhooks.manage": OrganizationResource;
  /** Lend one's own deciding rights (delegateApprovals): never what was lent. */
  "delegation.lend": OrganizationResource;
  /** End a delegation: its delegator, its delegate, or whoever manages the request process. */
  "delegation.end": DelegationResource;
  /** See a delegation. */
  "delegation.read": DelegationResource;
  /** See every delegation of the organization. */
  "delegations.readAll": OrganizationResource;
  /** Read what only the viewer's own User tells (`permissions`). */
  "self.read": OwnedResource;
  /** Endorse or decline a request as the requester's manager (api.md "Policies"). */
  "request.endorse": RequestResource;
  /** Ask for one's own license to be renewed (requestLicenseRenewal). */
  "license.renew": OwnedResource;
  /** A product's seats at a glance: assigned, free, asked for, due to be reclaimed. */
  "seats.read": ProductResource;
}

export type Action = keyof Actions;

const sameOrganization = (viewer: Viewer, resource: OrganizationResource) => resource.organizationId === viewer.organizationId;
const decidesAll = (viewer: Viewer) => viewer.rights.all !== null;
const decidesProduct = (viewer: Viewer, productId: number | undefined) =>
  decidesAll(viewer) || (productId !== undefined && viewer.rights.products.has(productId));
const decidesAny = (viewer: Viewer) => decidesAll(viewer) || viewer.rights.products.size > 0;
const managesProcess = (viewer: Viewer) => viewer.role === "GLOBAL_ADMIN" || viewer.role === "LICENSE_ADMIN";
const partyTo = (viewer: Viewer, delegation: DelegationResource) => delegation.fromUserId === viewer.userId || delegation.toUserId === viewer.userId;

const RULES: { [A in Action]: (viewer: Viewer, resource: Actions[A]) => boolean } = {
  "request.read": (viewer, request) =>
    decidesProduct(viewer, request.productId) ||
    request.requesterId === viewer.userId ||
    request.recipientIds.includes(viewer.userId) ||
    request.endorsementManagerId === viewer.userId,
  "request.decide": (viewer, request) =>
    !request.recipientIds.includes(viewer.userId) && decidingRightFor(viewer.rights, request.productId, request.recipientIds) !== undefined,
  "requests.decideAny": (viewer) => decidesAny(viewer),
  "request.cancel": (viewer, request) => request.requesterId === viewer.userId,
  "licenses.read": (viewer, owned) => owned.userId === viewer.userId || decidesProduct(viewer, owned.productId),
  "organization.read": () => true,
  "process.manage": (viewer) => managesProcess(viewer),
  "history.read": (viewer, about) => decidesProduct(viewer, about.productId),
  "requests.subscribeSubmitted": (viewer) => decidesAny(viewer),
  "groups.read": (viewer) => decidesAny(viewer),
  "request.share": (viewer, about) => decidesProduct(viewer, about.productId),
  "share.revoke": (viewer, about) => decidesProduct(viewer, about.productId),
  "recommendations.read": (viewer, about) => decidesProduct(viewer, about.productId),
  "webhooks.manage": (viewer) => viewer.role === "GLOBAL_ADMIN",
  "delegation.lend": (viewer) => viewer.rights.ownsRight,
  "delegation.end": (viewer, delegation) => partyTo(viewer, delegation) || managesProcess(viewer),
  "delegation.read": (viewer, delegation) => partyTo(viewer, delegation) || managesProcess(viewer),
  "delegations.readAll": (viewer) => managesProcess(viewer),
  "self.read": (viewer, owned) => owned.userId === viewer.userId,
  "request.endorse": (viewer, request) => request.endorsementManagerId === viewer.userId,
  "license.renew": (viewer, owned) => owned.userId === viewer.userId,
  "seats.read": (viewer, about) => decidesProduct(viewer, about.productId),
};

/** What a refusal says, per action. */
const REFUSALS: { [A in Action]: string } = {
  "request.read": "You may not see this license request.",
  "request.decide": "You may not decide this license request.",
  "requests.decideAny": "Only admins, a product's approvers and their delegates decide license requests.",
  "request.cancel": "Only the requester can cancel a request; admins deny it instead.",
  "licenses.read": "You may see only your own licenses.",
  "organization.read": "You may not read this organization.",
  "process.manage": "Only global admins and license admins manage the request process.",
  "history.read": "Only those who decide these requests read their decision history.",
  "requests.subscribeSubmitted": "Only admins, a product's approvers and their delegates subscribe to new license requests.",
  "groups.read": "Only those who decide license requests read the security groups.",
  "request.share": "Only those who decide this request share it for a second opinion.",
  "share.revoke": "Only those who decide this request withdraw its shared links.",
  "recommendations.read": "Only those who decide these requests read their second opinions.",
  "webhooks.manage": "Only global admins manage webhooks.",
  "delegation.lend": "Only those who decide requests by their role or as a product's approver lend that right; what was lent cannot be lent on.",
  "delegation.end": "Only its delegator, its delegate, or whoever manages the request process ends a delegation.",
  "delegation.read": "You may not see this delegation.",
  "delegations.readAll": "Only global admins and license admins see everyone's delegations.",
  "self.read": "Only you see your own permissions.",
  "request.endorse": "Only the requester's manager endorses or declines this request.",
  "license.renew": "You may renew only your own licenses.",
  "seats.read": "Only those who decide this product's requests see its seats.",
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
 * Whose right a decision of a request of `productId` uses (api.md "Who
 * decides"): null for the viewer's own, else the delegator's id; undefined when
 * the viewer decides no request of that product. Own rights come first, then
 * the product's, then one to decide all. A delegator named in the request
 * (`recipientIds`) lends no right to decide it: they would not decide it
 * themselves, and nobody approves their own license, through a delegate neither.
 */
export function decidingRightFor(rights: DecisionRights, productId: number, recipientIds: readonly number[] = []): number | null | undefined {
  const product = rights.products.get(productId);
  const all = rights.all?.onBehalfOfId;
  if (product === null || all === null) return null;
  for (const delegatorId of [product, all]) {
    if (delegatorId !== undefined && !recipientIds.includes(delegatorId)) return delegatorId;
  }
  return undefined;
}

/** What `me { permissions }` says the viewer may do (products by id; the roles that decide all have none). */
export function permissionsOf(viewer: Viewer): {
  decideAllRequests: boolean;
  decidesProductIds: number[];
  manageRequestProcess: boolean;
  manageWebhooks: boolean;
} {
  return {
    decideAllRequests: decidesAll(viewer),
    decidesProductIds: decidesAll(viewer) ? [] : [...viewer.rights.products.keys()],
    manageRequestProcess: managesProcess(viewer),
    manageWebhooks: can(viewer, "webhooks.manage", organizationOf(viewer)),
  };
}

/**
 * Which requests of the organization a viewer may read, for queries that
 * select many at once: every one, or those they sent or are named in (the
 * requester is always a recipient), those of the products they decide, and
 * those whose endorsement was asked of them (`endorsementManagerId`).
 */
export function requestScope(viewer: Viewer): { all: true } | { recipientId: number; productIds: number[]; endorsementManagerId: number } {
  return decidesAll(viewer)
    ? { all: true }
    : { recipientId: viewer.userId, productIds: [...viewer.rights.products.keys()], endorsementManagerId: viewer.userId };
}

/**
 * Whose answers a viewer shares, for work done once for many viewers (a live
 * event's payload, executed once per view: src/server/graphql/sharedExecution.ts).
 * Two viewers with the same `key` get the same answer from every rule above
 * about every resource, except from the rules in `personal`, which also ask
 * who they are. An admin role's answers follow from the role and the
 * organization, except for cancelling (the requester's own) and deciding
 * (never one's own request); anyone else's follow from who they are (their
 * approver rows and delegations), so each such user is a view of their own:
 * two approvers of different products never share an answer.
 * (test/unit/policy.test.ts checks this against every rule.)
 */
export interface View {
  key: string;
  personal: readonly Action[];
}

export function viewOf(viewer: Viewer): View {
  return ADMIN_ROLES.includes(viewer.role)
    ? {
        key: `${viewer.organizationId}:role:${viewer.role}`,
        personal: ["request.cancel", "request.decide", "delegation.end", "delegation.read", "self.read", "request.endorse", "license.renew"],
      }
    : { key: `${viewer.organizationId}:user:${viewer.userId}`, personal: [] };
}

/**
 * Marks a field whose answer asks the policy about the viewer beyond what the
 * field's object already passed (e.g. `viewerCanCancel`): the actions, in the
 * field's GraphQL extensions. Work shared by a view is not shared for a field
 * that asks one of the view's `personal` actions.
 */
export const POLICY_ACTIONS_EXTENSION = "policyActions";
