// @ts-check
/**
 * What a request shows of its product's policy (api.md "Policies"), on the
 * Requests tab (a row's note, the details' facts) and on /requests/mine: the
 * requester's manager's endorsement (awaited until it escalates, endorsed,
 * declined with a comment, escalated as "not endorsed", skipped for want of a
 * manager, bypassed by an approver's decision), the license a renewal
 * extends, and why automatic approval passed the request by.
 */
import { dateTimeFormat, h, time } from "./dom.js";

/** @import { RequestPolicyFactsFragment, EndorsementState } from "../../test/generated/graphql" */
/** @typedef {Pick<RequestPolicyFactsFragment, "endorsement" | "renewalOf"> & Partial<Pick<RequestPolicyFactsFragment, "autoApproveSkippedReason">>} PolicyFacts */
/** @typedef {NonNullable<RequestPolicyFactsFragment["endorsement"]>} Endorsement */

/** A row's few words for an endorsement, by state: what the list says besides the status. */
const ROW_NOTES = /** @type {Record<EndorsementState, string | null>} */ ({
  AWAITING: "Awaiting the manager's endorsement",
  ENDORSED: "Endorsed",
  DECLINED: "Declined by the manager",
  ESCALATED: "Not endorsed",
  SKIPPED: null,
  BYPASSED: null,
});

/**
 * The manager's name as the viewer reads it.
 * @param {Endorsement} endorsement
 * @param {string | null | undefined} viewerId
 */
function managerName(endorsement, viewerId) {
  if (!endorsement.manager) return "the manager";
  return endorsement.manager.id === viewerId ? "you" : endorsement.manager.displayName;
}

/**
 * Whether the viewer is the manager whose endorsement `request` awaits.
 * @param {PolicyFacts} request
 * @param {string | null | undefined} viewerId
 */
export function awaitsEndorsementOf(request, viewerId) {
  return Boolean(viewerId && request.endorsement?.state === "AWAITING" && request.endorsement.manager?.id === viewerId);
}

/**
 * What a list row says of the request's policy besides its status, or null.
 * @param {PolicyFacts} request
 * @param {string | null | undefined} viewerId
 */
export function policyNote(request, viewerId) {
  const notes = [];
  if (request.renewalOf) notes.push("Renewal");
  const endorsement = request.endorsement;
  if (awaitsEndorsementOf(request, viewerId)) notes.push("Awaiting your endorsement");
  else if (endorsement?.state === "AWAITING" && endorsement.manager) notes.push(`Awaiting ${endorsement.manager.displayName}'s endorsement`);
  else if (endorsement && ROW_NOTES[endorsement.state]) notes.push(ROW_NOTES[endorsement.state]);
  if (!notes.length) return null;
  return h("div", { class: "policy-note", "data-field": "policy", "data-state": endorsement?.state ?? null }, notes.join(" · "));
}

/**
 * The endorsement in words, with its date.
 * @param {Endorsement} endorsement
 * @param {string | null | undefined} viewerId
 * @returns {import("./dom.js").Child[]}
 */
function endorsementText(endorsement, viewerId) {
  const who = managerName(endorsement, viewerId);
  const at = endorsement.at ? [" on ", time(endorsement.at, dateTimeFormat)] : [];
  switch (endorsement.state) {
    case "AWAITING":
      return [
        `Awaiting ${who === "you" ? "your" : `${who}'s`} endorsement`,
        ...(endorsement.escalatesAt ? [" (escalates to the approvers on ", time(endorsement.escalatesAt, dateTimeFormat), " without an answer)"] : []),
      ];
    case "ENDORSED":
      return [`Endorsed by ${who}`, ...at];
    case "DECLINED":
      return [`Declined by ${who}`, ...at];
    case "ESCALATED":
      return [`Not endorsed: ${who} did not answer in time`, ...(endorsement.at ? [" (escalated on ", time(endorsement.at, dateTimeFormat), ")"] : [])];
    case "SKIPPED":
      return ["Not asked: the requester has no manager"];
    case "BYPASSED":
      return [`Decided before ${who} answered`, ...at];
  }
}

/**
 * A renewal's license in words.
 * @param {NonNullable<PolicyFacts["renewalOf"]>} license
 * @returns {import("./dom.js").Child[]}
 */
function renewalText(license) {
  if (license.reclaimedAt) return ["Renewal of a license reclaimed on ", time(license.reclaimedAt, dateTimeFormat)];
  if (license.expiresAt) return ["Renewal of a license expiring ", time(license.expiresAt, dateTimeFormat)];
  return ["Renewal of a license that no longer expires"];
}

/**
 * The details' facts of the request's policy (dt and dd elements, in order), none when it has none.
 * @param {PolicyFacts} request
 * @param {string | null | undefined} viewerId
 * @returns {HTMLElement[]}
 */
export function policyFacts(request, viewerId) {
  const { endorsement, renewalOf, autoApproveSkippedReason } = request;
  const facts = [];
  if (renewalOf) facts.push(h("dt", {}, "Renews"), h("dd", { "data-field": "renewalOf" }, renewalText(renewalOf)));
  if (endorsement) {
    facts.push(
      h("dt", {}, "Manager's endorsement"),
      h("dd", { "data-field": "endorsement", "data-state": endorsement.state }, endorsementText(endorsement, viewerId)),
    );
    if (endorsement.comment) {
      facts.push(h("dt", {}, "Manager's comment"), h("dd", { "data-field": "endorsementComment", class: "endorsement-comment" }, endorsement.comment));
    }
  }
  if (autoApproveSkippedReason) {
    facts.push(h("dt", {}, "Not approved automatically"), h("dd", { "data-field": "autoApproveSkippedReason" }, autoApproveSkippedReason));
  }
  return facts;
}
