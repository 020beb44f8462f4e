// @ts-check
/**
 * The details pane's second opinions (api.md "Second opinions"): the "Share"
 * pane of a pending request (a people picker over users(search:), an
 * optional subject and message, at most 10 people), sent as
 * shareLicenseRequest; the recommendations gathered so far; and whom the
 * request was shared with, each link with a Revoke button while it may still
 * answer (revokeLicenseRequestShare). Its state is kept here, per open
 * request, so the panes survive the details pane's re-renders; search results
 * update in place (typing never re-renders).
 */
import { gql, isTokenRefused } from "./api.js";
import { randomKey } from "./decision.js";
import { dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { RequestsPageShare, RevokeLicenseRequestShare, SharePeople } from "./generated/operations.js";
import { state } from "./state.js";

/** @import { RequestDetails } from "./state.js" */

export const MAX_SHARE_PEOPLE = 10;
export const MAX_SUBJECT_LENGTH = 200;
export const MAX_SHARE_MESSAGE_LENGTH = 1000;

/**
 * @typedef {{ id: string, displayName: string, email: string }} Person
 * @typedef {object} ShareForm
 * @property {string} requestId
 * @property {Person[]} chosen
 * @property {string} search
 * @property {Person[]} results
 * @property {string} subject
 * @property {string} message
 * @property {boolean} busy
 * @property {string[]} errors
 * @property {string | null} done what the last share did, to tell the admin
 * @property {string | null} key the idempotency key of a share sent and not yet answered (a retry reuses it)
 */

/** @type {ShareForm | null} */
let form = null;
let searchGeneration = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;

/** @param {string} requestId */
function formFor(requestId) {
  if (!form || form.requestId !== requestId) {
    form = { requestId, chosen: [], search: "", results: [], subject: "", message: "", busy: false, errors: [], done: null, key: null };
  }
  return form;
}

/** Re-renders the details pane (details.js registers it, so this module does not import details.js back). */
let rerender = () => {};
/** @param {() => void} render */
export function onShareChanged(render) {
  rerender = render;
}

/** @param {ShareForm} f */
async function search(f) {
  const generation = ++searchGeneration;
  try {
    const data = await gql(SharePeople, { search: f.search.trim() || null });
    if (generation !== searchGeneration || form !== f) return;
    f.results = data.users.edges.map((e) => e.node);
    renderResults(f);
  } catch (error) {
    if (isTokenRefused(error)) failed(error);
  }
}

/** @param {ShareForm} f */
function renderResults(f) {
  const list = document.getElementById("share-results");
  if (!list) return;
  const chosenIds = new Set(f.chosen.map((p) => p.id));
  list.replaceChildren(
    ...f.results
      .filter((person) => !chosenIds.has(person.id))
      .map((person) =>
        h(
          "li",
          { "data-user-id": person.id },
          h(
            "button",
            {
              type: "button",
              class: "link add-person",
              disabled: f.busy || f.chosen.length >= MAX_SHARE_PEOPLE,
              "aria-label": `Ask ${person.displayName}`,
              onclick: () => {
                if (f.chosen.length >= MAX_SHARE_PEOPLE || f.chosen.some((p) => p.id === person.id)) return;
                f.chosen.push(person);
                f.done = null;
                rerender();
              },
            },
            person.displayName,
          ),
          h("span", { class: "muted" }, ` ${person.email}`),
        ),
      ),
  );
}

/** @param {ShareForm} f */
async function send(f) {
  if (f.busy || f.chosen.length === 0) return;
  f.busy = true;
  f.errors = [];
  f.key ??= crypto.randomUUID();
  rerender();
  try {
    const payload = (
      await gql(RequestsPageShare, {
        input: {
          requestId: f.requestId,
          userIds: f.chosen.map((p) => p.id),
          subject: f.subject.trim() || null,
          message: f.message.trim() || null,
          idempotencyKey: f.key,
        },
      })
    ).shareLicenseRequest;
    f.key = null;
    if (payload.userErrors.length) {
      f.errors = payload.userErrors.map((e) => e.message);
    } else {
      f.done = `Shared with ${payload.shares.map((s) => s.sharedWith.displayName).join(", ")}: each gets an email with a link.`;
      f.chosen = [];
      f.subject = "";
      f.message = "";
      const details = state.details;
      if (payload.licenseRequest && details.request && details.request.id === payload.licenseRequest.id) {
        details.request = { ...details.request, recommendations: payload.licenseRequest.recommendations, shares: payload.licenseRequest.shares };
      }
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    f.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    f.busy = false;
    rerender();
  }
}

/**
 * The "Share" pane of a pending request the admin may decide.
 * @param {RequestDetails} request
 */
export function sharePane(request) {
  const f = formFor(request.id);
  const searchInput = h("input", {
    type: "search",
    id: "share-search",
    placeholder: "Name or email",
    autocomplete: "off",
    "aria-controls": "share-results",
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (!(event.target instanceof HTMLInputElement)) return;
      f.search = event.target.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => void search(f), 150);
    },
  });
  searchInput.value = f.search;
  const subject = h("input", {
    type: "text",
    id: "share-subject",
    maxlength: MAX_SUBJECT_LENGTH,
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (event.target instanceof HTMLInputElement) f.subject = event.target.value;
    },
  });
  subject.value = f.subject;
  const message = h("textarea", {
    id: "share-message",
    rows: 2,
    maxlength: MAX_SHARE_MESSAGE_LENGTH,
    disabled: f.busy,
    oninput: (/** @type {InputEvent} */ event) => {
      if (event.target instanceof HTMLTextAreaElement) f.message = event.target.value;
    },
  });
  message.value = f.message;
  const pane = h(
    "form",
    { class: "share", id: "share-pane", "aria-label": "Share for a second opinion", onsubmit: (/** @type {SubmitEvent} */ event) => event.preventDefault() },
    h("h3", {}, "Ask for a second opinion"),
    h("label", { for: "share-search", class: "block" }, `People to ask (up to ${MAX_SHARE_PEOPLE})`),
    searchInput,
    h("ul", { id: "share-results", class: "people" }),
    h(
      "ul",
      { id: "share-chosen", class: "people chosen", "aria-label": "Chosen people" },
      f.chosen.map((person) =>
        h(
          "li",
          { "data-user-id": person.id },
          h("span", { class: "name" }, person.displayName),
          h(
            "button",
            {
              type: "button",
              class: "exclude",
              "aria-label": `Don't ask ${person.displayName}`,
              disabled: f.busy,
              onclick: () => {
                if (!form) return;
                form.chosen = form.chosen.filter((p) => p.id !== person.id);
                rerender();
              },
            },
            "X",
          ),
        ),
      ),
    ),
    h("label", { for: "share-subject", class: "block" }, "Subject (optional)"),
    subject,
    h("label", { for: "share-message", class: "block" }, "Message (optional)"),
    message,
    h(
      "ul",
      { class: "errors", id: "share-errors", role: "alert", hidden: f.errors.length === 0 },
      f.errors.map((m) => h("li", {}, m)),
    ),
    h("p", { id: "share-status", role: "status", hidden: !f.done }, f.done ?? ""),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", id: "share-send", disabled: f.busy || f.chosen.length === 0, onclick: () => void send(f) }, "Share"),
    ),
  );
  // The results of the last search, after the pane is in the document.
  queueMicrotask(() => renderResults(f));
  return pane;
}

const VERDICTS = /** @type {Record<string, string>} */ ({ APPROVE: "Recommends approval", DENY: "Recommends denial" });

/**
 * The second opinions gathered on a request (for admins; null otherwise).
 * @param {RequestDetails} request
 */
export function recommendationList(request) {
  const recommendations = request.recommendations;
  if (!recommendations) return null;
  return h(
    "section",
    { class: "recommendations", id: "recommendations", "aria-label": "Second opinions" },
    h("h3", {}, `Second opinions (${recommendations.length})`),
    recommendations.length === 0
      ? h("p", { class: "muted" }, "None yet.")
      : h(
          "ul",
          {},
          recommendations.map((r) =>
            h(
              "li",
              { "data-recommendation-id": r.id, "data-verdict": r.verdict },
              h("span", { class: "name" }, r.by.displayName),
              " ",
              h("span", { class: `verdict ${r.verdict.toLowerCase()}` }, VERDICTS[r.verdict] ?? r.verdict),
              r.comment ? h("p", { class: "comment" }, r.comment) : null,
            ),
          ),
        ),
  );
}

/**
 * Withdrawals of the open request's links: which are on their way, the
 * idempotency key of each one sent and not yet answered (a retry after a
 * failed call reuses it), and what to tell the admin.
 * @type {{ requestId: string | null, busy: Set<string>, keys: Map<string, string>, errors: string[] }}
 */
const revocations = { requestId: null, busy: new Set(), keys: new Map(), errors: [] };

/** @param {string} requestId */
function revocationsFor(requestId) {
  if (revocations.requestId !== requestId) {
    revocations.requestId = requestId;
    revocations.busy = new Set();
    revocations.keys = new Map();
    revocations.errors = [];
  }
  return revocations;
}

/**
 * Withdraws the link of share `shareId` of the open request.
 * @param {string} requestId
 * @param {string} shareId
 */
async function revoke(requestId, shareId) {
  const r = revocationsFor(requestId);
  if (r.busy.has(shareId)) return;
  r.busy.add(shareId);
  r.errors = [];
  const key = r.keys.get(shareId) ?? randomKey();
  r.keys.set(shareId, key);
  rerender();
  try {
    const payload = (await gql(RevokeLicenseRequestShare, { input: { shareId, idempotencyKey: key } })).revokeLicenseRequestShare;
    r.keys.delete(shareId);
    if (payload.userErrors.length) {
      r.errors = payload.userErrors.map((e) => e.message);
    } else {
      const shares = payload.share?.licenseRequest.shares;
      const details = state.details;
      if (shares && details.request && details.request.id === requestId) details.request = { ...details.request, shares };
    }
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    r.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    r.busy.delete(shareId);
    rerender();
  }
}

/**
 * What became of a shared link, as a few words.
 * @param {NonNullable<RequestDetails["shares"]>[number]} share
 */
function shareState(share) {
  if (share.revokedAt) return h("span", { class: "share-state revoked" }, "Withdrawn ", time(share.revokedAt, dateTimeFormat));
  if (share.recommendation) {
    return h("span", { class: `share-state answered ${share.recommendation.verdict.toLowerCase()}` }, VERDICTS[share.recommendation.verdict] ?? "Answered");
  }
  return h("span", { class: "share-state open" }, "Link expires ", time(share.expiresAt, dateTimeFormat));
}

/**
 * Whom the request was shared with (for admins; null otherwise), oldest first,
 * with a Revoke button for each link of a pending request that was neither
 * answered nor withdrawn (the API says so when it expired meanwhile).
 * @param {RequestDetails} request
 */
export function shareList(request) {
  const shares = request.shares;
  if (!shares) return null;
  const r = revocationsFor(request.id);
  const pending = request.status === "PENDING";
  return h(
    "section",
    { class: "shares", id: "shares", "aria-label": "Shared with" },
    h("h3", {}, `Shared with (${shares.length})`),
    shares.length === 0
      ? h("p", { class: "muted" }, "Nobody yet.")
      : h(
          "ul",
          {},
          shares.map((share) =>
            h(
              "li",
              { "data-share-id": share.id, "data-revoked": share.revokedAt ? "true" : "false", "data-answered": share.recommendation ? "true" : "false" },
              h("span", { class: "name" }, share.sharedWith.displayName),
              h("span", { class: "muted" }, ` ${share.sharedWith.email}`),
              h("div", { class: "share-facts" }, h("span", { class: "muted" }, "Shared ", time(share.sharedAt, dateTimeFormat), " · "), shareState(share)),
              pending && !share.revokedAt && !share.recommendation
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "revoke",
                      "aria-label": `Revoke the link of ${share.sharedWith.displayName}`,
                      disabled: r.busy.has(share.id),
                      onclick: () => void revoke(request.id, share.id),
                    },
                    "Revoke",
                  )
                : null,
            ),
          ),
        ),
    h(
      "ul",
      { class: "errors", id: "shares-errors", role: "alert", hidden: r.errors.length === 0 },
      r.errors.map((m) => h("li", {}, m)),
    ),
  );
}
