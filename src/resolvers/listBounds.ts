/**
 * The most elements each unpaged list of objects can hold, by \`Type.field\`,
 * which the pipeline prices an operation by (src/server/graphql/cost.ts: the
 * schema carries this table, and the server will not start with a list of
 * objects it does not bound). Catalogue lists (products, their service plans)
 * are bounded by what an organization can own; the rest by the rules
 * (api.md), each through its feature's constant.
 */
import { MAX_BULK_DECISIONS, MAX_RECIPIENTS } from "../services/licenseRequests/messages";
import { MAX_ELIGIBLE_GROUPS } from "../services/licenseRequests/rules";
import { checkNodeCount, MAX_NODES } from "../services/nodes/nodeLookup";
import { MAX_SHARE_PEOPLE, MAX_SHARES_PER_REQUEST } from "../services/recommendations/messages";
import { MAX_ENDPOINTS } from "../services/webhooks/rules";
import { MAX_APPROVERS } from "../services/deciders/rules";
import type { ListBound } from "../schema/shared/extensions";

export const LIST_BOUNDS: Readonly<Record<string, ListBound>> = {
  // One node per ID given, at most MAX_NODES (more is refused before anything runs).
  "Query.nodes": { max: MAX_NODES, lengthOfOwn: "ids", check: checkNodeCount },
  "Query.products": 100,
  "Product.servicePlans": 50,
  "LicenseRequest.recipients": MAX_RECIPIENTS,
  "LicenseRequest.eligibleProducts": 100,
  "LicenseRequest.disabledServicePlans": 50,
  // One decision, cancellation or expiry, and one entry per second opinion recorded.
  "LicenseRequest.history": 1 + MAX_SHARES_PER_REQUEST,
  "LicenseAssignment.disabledServicePlans": 50,
  "LicenseRequestDecision.disabledServicePlans": 50,
  "LicenseRequestDecision.approvedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecision.deniedUsers": MAX_RECIPIENTS,
  "User.licenses": 100,
  "Product.approvers": MAX_APPROVERS,
  // A policy names only plans of its product.
  "AutoApprovePolicy.disabledServicePlans": 50,
  "ViewerPermissions.decidesProducts": 100,
  "ApproveLicenseRequestPayload.assignments": MAX_RECIPIENTS,
  "Group.licensedProducts": 100,
  "LicenseRequest.eligibleGroups": MAX_ELIGIBLE_GROUPS,
  // One result per decision sent (more than 50 is refused by the service with a userError).
  "DecideLicenseRequestsPayload.results": { max: MAX_BULK_DECISIONS, lengthOf: ["input", "decisions"] },
  "LicenseRequestDecisionResult.assignments": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.approvedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.deniedUsers": MAX_RECIPIENTS,
  "LicenseRequestDecisionPreview.emails": MAX_RECIPIENTS,
  // A request is shared with at most MAX_SHARES_PER_REQUEST people in all, each answering once.
  "LicenseRequest.recommendations": MAX_SHARES_PER_REQUEST,
  "LicenseRequest.shares": MAX_SHARES_PER_REQUEST,
  "ShareLicenseRequestPayload.shares": MAX_SHARE_PEOPLE,
  "Query.webhookEndpoints": MAX_ENDPOINTS,
  // Every payload's userErrors: at most one per recipient and field.
  "*.userErrors": MAX_RECIPIENTS,
};
