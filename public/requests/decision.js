// @ts-check
/**
 * The decision form's model: what the admin chose, the input each decision
 * sends.
 *
 * A fresh idempotency key per click: a retried click acts once, and a
 * corrected retry after userErrors is a new attempt.
 */

/** @import { DecisionForm, RequestDetails } from "./state.js" */
/** @import { RequestsPageApproveMutationVariables, RequestsPageDenyMutationVariables } from "../../test/generated/graphql" */

/** api.md: a decision message is at most 1,000 characters (UTF-16 code units, as both the API and `maxlength` count). */
export const MAX_MESSAGE_LENGTH = 1000;

/**
 * The form for `request` as it opens: every recipient approved, licenses from
 * its first eligible product (the requested one when it is eligible), no app
 * turned off, no message.
 * @param {RequestDetails | null} request
 * @returns {DecisionForm}
 */
export function newForm(request) {
  return {
    excluded: new Set(),
    productId: request?.eligibleProducts[0]?.id ?? request?.product.id ?? null,
    disabledPlans: new Set(),
    message: "",
  };
}

/** 32 hex characters from the platform's random source (crypto.randomUUID needs a secure context, which plain http on a LAN address is not). */
function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The input of an approval of `request` as the form says.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 * @returns {RequestsPageApproveMutationVariables["input"]}
 */
export function approveInput(request, form) {
  return {
    requestId: request.id,
    productId: form.productId,
    excludedUserIds: [...form.excluded],
    disabledServicePlanIds: [...form.disabledPlans],
    message: form.message.trim() || null,
    idempotencyKey: randomKey(),
  };
}

/**
 * The input of a denial of `request` with the form's message.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 * @returns {RequestsPageDenyMutationVariables["input"]}
 */
export function denyInput(request, form) {
  return { requestId: request.id, message: form.message.trim() || null, idempotencyKey: randomKey() };
}
