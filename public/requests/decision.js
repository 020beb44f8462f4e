// @ts-check
/**
 * The decision form's model: what the admin chose, the input each decision
 * sends, and its idempotency key.
 *
 * The key identifies one decision, not one click (api.md "Idempotency": the
 * same key acts once and answers the first call's outcome again). It is made
 * when a decision is first sent from the form's current choices and reused by
 * every retry of that decision until the API answers it, so a click retried
 * after a network failure, a 5xx or any other failed call cannot act twice
 * when the first call did reach the server. A changed choice, or an answer
 * (the decision done, or userErrors, after which nothing changed), ends it:
 * the next click is a new decision with a new key.
 */

/** @import { DecisionForm, DecisionKind, RequestDetails } from "./state.js" */
/** @import { RequestsPageApproveMutationVariables, RequestsPageDenyMutationVariables, RequestsPagePreviewQueryVariables } from "../../test/generated/graphql" */

/** api.md: a decision message is at most 1,000 characters (UTF-16 code units, as both the API and `maxlength` count). */
export const MAX_MESSAGE_LENGTH = 1000;

/**
 * The form for `request` as it opens: every recipient approved, licenses from
 * its first eligible product (the requested one when it is eligible), no app
 * turned off, no message, no decision sent yet.
 * @param {RequestDetails | null} request
 * @returns {DecisionForm}
 */
export function newForm(request) {
  return {
    excluded: new Set(),
    productId: request?.eligibleProducts[0]?.id ?? request?.product.id ?? null,
    groupId: null,
    disabledPlans: new Set(),
    message: "",
    keys: {},
  };
}

/**
 * Call after every change of the admin's choices: a decision sent from the
 * earlier choices is not retried by the next click, which gets a new key.
 * @param {DecisionForm} form
 */
export function formChanged(form) {
  form.keys = {};
}

/**
 * Call when the API answered a decision (a payload: done or userErrors).
 * @param {DecisionForm} form
 */
export function decisionAnswered(form) {
  form.keys = {};
}

/** 32 hex characters from the platform's random source (crypto.randomUUID needs a secure context, which plain http on a LAN address is not). */
export function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The key of a `kind` decision from the form's current choices: the same one
 * on every call until `formChanged` or `decisionAnswered`.
 * @param {DecisionForm} form
 * @param {DecisionKind} kind
 */
function keyOf(form, kind) {
  return (form.keys[kind] ??= randomKey());
}

/**
 * What an approval of `request` as the form says chooses: who is left out,
 * and the product and its apps, or the group.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 */
function approvalChoices(request, form) {
  if (form.groupId) {
    // Through a group: the group's product; its apps are the group's to set.
    return { requestId: request.id, assignThrough: { groupId: form.groupId }, excludedUserIds: [...form.excluded] };
  }
  return {
    requestId: request.id,
    productId: form.productId,
    excludedUserIds: [...form.excluded],
    disabledServicePlanIds: [...form.disabledPlans],
  };
}

/**
 * The input of an approval of `request` as the form says.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 * @returns {RequestsPageApproveMutationVariables["input"]}
 */
export function approveInput(request, form) {
  return { ...approvalChoices(request, form), message: form.message.trim() || null, idempotencyKey: keyOf(form, "approve") };
}

/**
 * The input of the preview of that approval: the same choices, no key (a
 * preview acts on nothing). Without the message, which changes neither who
 * gets what nor the emails' subjects, and whose one bound the message box
 * keeps: typing it does not ask for a preview at every keystroke.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 * @returns {RequestsPagePreviewQueryVariables["input"]}
 */
export function previewInput(request, form) {
  return { ...approvalChoices(request, form), decision: "APPROVE" };
}

/**
 * The input of a denial of `request` with the form's message.
 * @param {RequestDetails} request
 * @param {DecisionForm} form
 * @returns {RequestsPageDenyMutationVariables["input"]}
 */
export function denyInput(request, form) {
  return { requestId: request.id, message: form.message.trim() || null, idempotencyKey: keyOf(form, "deny") };
}
