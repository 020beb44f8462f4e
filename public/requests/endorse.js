// @ts-check
/**
 * The manager's answer in the details pane (api.md "Policies"): while a
 * request awaits the endorsement of the signed-in person (the requester's
 * manager), Endorse passes it to the approvers (and to automatic approval,
 * when its product has it), Decline denies it with the comment as the
 * denial's message, both with endorseLicenseRequest. Whoever decides the
 * request may still decide it meanwhile: their form stays below. A failed
 * call keeps the answer's idempotency key, so answering again retries the
 * same answer (keys.js); a changed comment or the other button is a new one.
 */
import { gql, isTokenRefused } from "./api.js";
import { h } from "./dom.js";
import { failed } from "./failures.js";
import { EndorseRequest } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";

/** @import { RequestDetails } from "./state.js" */

/** api.md "Policies": the manager's comment is at most 1,000 characters. */
export const MAX_COMMENT_LENGTH = 1000;

const count = new Intl.NumberFormat("en");

/**
 * @typedef {object} Answer what the manager is answering on one request
 * @property {string} requestId
 * @property {string} comment as typed
 * @property {{ endorse: boolean, key: AttemptKey } | null} sent the answer on its way or to retry, with its key
 * @property {boolean} busy
 * @property {string[]} errors what the API said
 */

/** @type {Answer | null} */
let answer = null;

/** @param {string} requestId */
function answerOf(requestId) {
  if (answer?.requestId !== requestId) answer = { requestId, comment: "", sent: null, busy: false, errors: [] };
  return answer;
}

/**
 * The key of answering `endorse` with the comment as it is: the one of the
 * same answer not yet answered by the API, else a new one.
 * @param {Answer} current
 * @param {boolean} endorse
 */
function keyFor(current, endorse) {
  if (current.sent?.endorse !== endorse) current.sent = { endorse, key: new AttemptKey() };
  return current.sent.key.current();
}

/**
 * Sends the answer; `onAnswered` gets the request as it is after it.
 * @param {RequestDetails} request
 * @param {boolean} endorse
 * @param {{ onAnswered: (request: RequestDetails) => void, render: () => void }} handlers
 */
async function send(request, endorse, { onAnswered, render }) {
  const current = answerOf(request.id);
  if (current.busy) return;
  current.busy = true;
  current.errors = [];
  render();
  try {
    const comment = current.comment.trim();
    const { endorseLicenseRequest: payload } = await gql(EndorseRequest, {
      input: { requestId: request.id, endorse, comment: comment || null, idempotencyKey: keyFor(current, endorse) },
    });
    current.sent = null;
    if (payload.userErrors.length) current.errors = payload.userErrors.map((e) => e.message);
    else if (payload.licenseRequest) {
      current.comment = "";
      onAnswered(payload.licenseRequest);
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    current.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    current.busy = false;
    render();
  }
}

/**
 * The form of the manager's answer to `request`, which awaits their endorsement.
 * @param {RequestDetails} request
 * @param {{ onAnswered: (request: RequestDetails) => void, render: () => void }} handlers
 */
export function endorsementForm(request, handlers) {
  const current = answerOf(request.id);
  const counter = h(
    "span",
    { id: "endorse-comment-count", class: "char-count", "aria-live": "polite" },
    `${count.format(current.comment.length)} / ${count.format(MAX_COMMENT_LENGTH)}`,
  );
  const comment = h("textarea", {
    id: "endorse-comment",
    rows: 2,
    maxlength: MAX_COMMENT_LENGTH,
    "aria-describedby": "endorse-hint endorse-comment-count",
    disabled: current.busy,
    // Not re-rendered on every keystroke (that would lose the caret): only the count changes.
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLTextAreaElement)) return;
      current.comment = event.target.value;
      current.sent = null;
      counter.textContent = `${count.format(current.comment.length)} / ${count.format(MAX_COMMENT_LENGTH)}`;
    },
  });
  comment.value = current.comment;
  return h(
    "form",
    {
      id: "endorse-form",
      class: "endorse",
      "aria-labelledby": "endorse-heading",
      onsubmit: (/** @type {SubmitEvent} */ event) => event.preventDefault(),
    },
    h("h3", { id: "endorse-heading" }, "Your endorsement"),
    h(
      "p",
      { id: "endorse-hint", class: "muted hint" },
      `${request.requester.displayName} reports to you. Endorsing passes the request to the approvers; declining denies it, with your comment as the message to the people it asks for.`,
    ),
    h("div", { class: "message-label" }, h("label", { for: "endorse-comment", class: "block" }, "Comment (optional)"), counter),
    comment,
    h(
      "ul",
      { class: "errors", role: "alert", hidden: current.errors.length === 0 },
      current.errors.map((text) => h("li", {}, text)),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "endorse", class: "primary", disabled: current.busy, onclick: () => void send(request, true, handlers) }, "Endorse"),
      h("button", { type: "button", id: "decline", disabled: current.busy, onclick: () => void send(request, false, handlers) }, "Decline"),
    ),
  );
}
