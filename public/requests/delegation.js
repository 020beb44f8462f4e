// @ts-check
/**
 * The "Delegation" pane (api.md "Who decides"): whoever decides requests by
 * their own right (an admin role, or as a product's approver) lends that
 * right to one person of the organization for a window of at most 90 days,
 * starting today or later, and keeps it; the delegate sees and decides what
 * the delegator would while the window is open. The pane lists the
 * delegations from or to the viewer, each open or future one with Cancel
 * (its delegator and its delegate end it), and for whoever manages the
 * request process everyone else's too, which they may end as well.
 *
 * Dates are the person's calendar days: a window runs from the start of its
 * first day (now, when that is today) to the end of its last day, so "today
 * to 89 days later" is within the 90 days the API allows. The API judges
 * every call: what was lent cannot be lent on, and its refusal is shown as it
 * words it.
 */
import { gql, isTokenRefused } from "./api.js";
import { $, dateTimeFormat, h, time } from "./dom.js";
import { failed } from "./failures.js";
import { ApprovalDelegations, CancelApprovalDelegation, DelegateApprovals } from "./generated/operations.js";
import { AttemptKey } from "./keys.js";
import { peoplePicker } from "./peoplePicker.js";
import { decidesRequests, managesRequestProcess } from "./permissions.js";
import { state } from "./state.js";

/** @import { DelegationRowFragment } from "../../test/generated/graphql" */
/** @import { Person } from "./mineState.js" */

/** api.md: a delegation lasts at most 90 days. */
export const MAX_DELEGATION_DAYS = 90;
const PAGE_SIZE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {object} PaneState
 * @property {boolean} shown signed in, and the viewer decides, manages the process, or has delegations
 * @property {DelegationRowFragment[] | null} delegations as read, current and future first
 * @property {boolean} hasMore the API has more delegations than read
 * @property {string | null} endCursor where the next page starts
 * @property {{ to: Person[], from: string, until: string }} form as chosen ("YYYY-MM-DD" dates)
 * @property {AttemptKey} key the idempotency key of the delegation on its way or to retry
 * @property {boolean} busy a read, a delegation or a cancellation is on its way
 * @property {string[]} errors what the API said about the delegation
 * @property {Map<string, string>} rowErrors what the API said about a cancellation, by delegation
 * @property {string} status what the status line says
 */

/** @type {PaneState} */
const pane = {
  shown: false,
  delegations: null,
  hasMore: false,
  endCursor: null,
  form: { to: [], from: "", until: "" },
  key: new AttemptKey(),
  busy: false,
  errors: [],
  rowErrors: new Map(),
  status: "",
};

/**
 * A local calendar day as an <input type=date> value.
 * @param {Date} date
 */
export function dayValue(date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The start (local midnight) of a day typed as "YYYY-MM-DD", or null when it is no date.
 * @param {string} value
 */
export function dayStart(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.getDate() === Number(match[3]) ? date : null;
}

/**
 * `date` moved by `days` calendar days (a local midnight stays one across a change of daylight saving time).
 * @param {Date} date
 * @param {number} days
 */
function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/**
 * The window the form asks for, or why it cannot: from the start of `from`
 * (now, when that is today or earlier: startsAt left out) to the end of `until`.
 * @param {{ from: string, until: string }} form
 * @param {Date} now
 * @returns {{ startsAt: string | null, endsAt: string } | { error: string }}
 */
export function delegationWindow(form, now) {
  const today = addDays(now, 0);
  const from = form.from ? dayStart(form.from) : today;
  const until = dayStart(form.until);
  if (!from) return { error: "Choose the first day of the delegation." };
  if (!until) return { error: "Choose the last day of the delegation." };
  if (from.getTime() < today.getTime()) return { error: "A delegation starts today or later." };
  if (until.getTime() < from.getTime()) return { error: "The last day comes on or after the first day." };
  // Calendar days: a change of daylight saving time makes one an hour longer or shorter.
  if (Math.round((addDays(until, 1).getTime() - from.getTime()) / DAY_MS) > MAX_DELEGATION_DAYS) {
    return { error: `A delegation lasts at most ${MAX_DELEGATION_DAYS} days.` };
  }
  return { startsAt: from.getTime() > today.getTime() ? from.toISOString() : null, endsAt: addDays(until, 1).toISOString() };
}

/**
 * Where a delegation stands at `now`.
 * @param {DelegationRowFragment} delegation
 * @param {Date} now
 * @returns {"CANCELLED" | "ENDED" | "UPCOMING" | "ACTIVE"}
 */
export function delegationState(delegation, now) {
  if (delegation.cancelledAt) return "CANCELLED";
  if (Date.parse(delegation.endsAt) <= now.getTime()) return "ENDED";
  if (Date.parse(delegation.startsAt) > now.getTime()) return "UPCOMING";
  return "ACTIVE";
}

const STATE_LABELS = { CANCELLED: "Cancelled", ENDED: "Ended", UPCOMING: "Upcoming", ACTIVE: "Active" };

/**
 * Reads the delegations and shows the pane, when the viewer decides requests,
 * manages the request process, or is party to a delegation.
 * @throws {import("./api.js").ApiError}
 */
export async function loadDelegations() {
  pane.form = { to: [], from: dayValue(new Date()), until: "" };
  pane.key.reset();
  pane.errors = [];
  await read();
}

/** Hides the pane and forgets what it read (signing out). */
export function hideDelegations() {
  pane.shown = false;
  pane.delegations = null;
  pane.errors = [];
  pane.rowErrors.clear();
  pane.status = "";
  render();
}

/**
 * Reads the first page again (or with `append` the next one).
 * @param {{ append?: boolean, said?: string }} [options] said: what the status line says once read
 */
async function read({ append = false, said = "" } = {}) {
  const { approvalDelegations: page } = await gql(ApprovalDelegations, { first: PAGE_SIZE, after: append ? pane.endCursor : null });
  const nodes = page.edges.map((edge) => edge.node);
  const known = new Set(append ? (pane.delegations ?? []).map((d) => d.id) : []);
  pane.delegations = append ? [...(pane.delegations ?? []), ...nodes.filter((d) => !known.has(d.id))] : nodes;
  pane.hasMore = page.pageInfo.hasNextPage;
  pane.endCursor = page.pageInfo.endCursor ?? null;
  const viewer = state.viewer;
  pane.shown = Boolean(viewer) && (decidesRequests(viewer) || managesRequestProcess(viewer) || pane.delegations.length > 0);
  pane.status = said;
  render();
}

/**
 * Runs `work` while the pane is busy; a refused token ends the session, any
 * other failure is said in the status line.
 * @param {string} doing
 * @param {() => Promise<void>} work
 */
async function busyWith(doing, work) {
  if (pane.busy) return;
  pane.busy = true;
  pane.status = doing;
  render();
  try {
    await work();
  } catch (error) {
    if (isTokenRefused(error)) return failed(error);
    pane.status = "";
    // A refusal of the whole call (e.g. what was lent cannot be lent on) is said as the API words it.
    pane.errors = [error instanceof Error ? error.message : String(error)];
  } finally {
    pane.busy = false;
    render();
  }
}

function delegate() {
  const { form } = pane;
  const person = form.to[0];
  if (!person) {
    pane.errors = ["Choose the person to delegate to."];
    return render();
  }
  const window = delegationWindow(form, new Date());
  if ("error" in window) {
    pane.errors = [window.error];
    return render();
  }
  return busyWith("Delegating…", async () => {
    pane.errors = [];
    const { delegateApprovals: payload } = await gql(DelegateApprovals, {
      input: { toUserId: person.id, startsAt: window.startsAt, endsAt: window.endsAt, idempotencyKey: pane.key.current() },
    });
    pane.key.reset();
    if (payload.userErrors.length) {
      pane.errors = payload.userErrors.map((e) => e.message);
      pane.status = "";
      return;
    }
    pane.form = { to: [], from: dayValue(new Date()), until: "" };
    await read({ said: `Delegated to ${person.displayName}.` });
  });
}

/** @param {DelegationRowFragment} delegation */
function cancel(delegation) {
  return busyWith("Cancelling…", async () => {
    pane.rowErrors.delete(delegation.id);
    // No key: cancelling twice ends it once (the second answer says it has ended already).
    const { cancelApprovalDelegation: payload } = await gql(CancelApprovalDelegation, { input: { delegationId: delegation.id } });
    if (payload.userErrors.length) {
      pane.rowErrors.set(delegation.id, payload.userErrors.map((e) => e.message).join(" "));
      pane.status = "";
      return;
    }
    await read({ said: `Cancelled the delegation from ${delegation.from.displayName} to ${delegation.to.displayName}.` });
  });
}

/** Any change of the form: a delegation from the earlier choices is not retried by the next click. */
function changed() {
  pane.key.reset();
}

function delegateForm() {
  const { form, busy, errors } = pane;
  const me = state.viewer;
  const today = dayValue(new Date());
  const from = dayStart(form.from) ?? dayStart(today);
  const last = from ? dayValue(addDays(from, MAX_DELEGATION_DAYS - 1)) : null;
  /**
   * @param {string} id
   * @param {"from" | "until"} field
   * @param {Record<string, string | null>} bounds
   */
  const dateInput = (id, field, bounds) => {
    const input = h("input", {
      id,
      type: "date",
      required: true,
      disabled: busy,
      ...bounds,
      onchange: (/** @type {Event} */ event) => {
        if (!(event.target instanceof HTMLInputElement)) return;
        form[field] = event.target.value;
        changed();
        render();
      },
    });
    input.value = form[field];
    return input;
  };
  return h(
    "form",
    {
      id: "delegation-form",
      class: "delegation-form",
      "aria-labelledby": "delegation-form-heading",
      // The bounds are said in words and by the API, the same everywhere.
      novalidate: true,
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        void delegate();
      },
    },
    h("h3", { id: "delegation-form-heading" }, "Delegate your approvals"),
    h(
      "p",
      { class: "muted hint" },
      `While you're away, someone else sees and decides the requests you decide, for at most ${MAX_DELEGATION_DAYS} days. You keep your own rights; rights lent to you cannot be lent on.`,
    ),
    peoplePicker({
      id: "delegation-picker",
      label: "Delegate to",
      chosen: () => form.to,
      excluded: () => new Set(me ? [me.id] : []),
      max: 1,
      maxReached: "One person per delegation: remove them to choose another.",
      hint: "One person of your organization.",
      disabled: busy,
      onChange: (people) => {
        form.to = people;
        changed();
        render();
        document.getElementById(people.length ? "delegation-from" : "delegation-picker-search")?.focus();
      },
    }),
    h(
      "div",
      { class: "delegation-dates" },
      h("label", { for: "delegation-from" }, "From", dateInput("delegation-from", "from", { min: today })),
      h("label", { for: "delegation-until" }, "Until (last day)", dateInput("delegation-until", "until", { min: form.from || today, max: last })),
    ),
    h(
      "ul",
      { class: "errors", role: "alert", hidden: errors.length === 0 },
      errors.map((text) => h("li", {}, text)),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", id: "delegation-save", class: "primary", disabled: busy }, "Delegate")),
  );
}

/**
 * A table of delegations.
 * @param {string} id
 * @param {string} caption
 * @param {DelegationRowFragment[]} delegations
 * @param {Date} now
 */
function delegationTable(id, caption, delegations, now) {
  const meId = state.viewer?.id;
  /** @param {{ id: string, displayName: string }} person */
  const who = (person) => (person.id === meId ? "You" : person.displayName);
  return h(
    "table",
    { id, class: "delegations" },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["From", "To", "Starts", "Ends", "State"].map((label) => h("th", { scope: "col" }, label)),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Action")),
      ),
    ),
    h(
      "tbody",
      {},
      delegations.map((delegation) => {
        const standing = delegationState(delegation, now);
        const rowError = pane.rowErrors.get(delegation.id);
        const label = `the delegation from ${delegation.from.displayName} to ${delegation.to.displayName}`;
        return h(
          "tr",
          { "data-delegation-id": delegation.id, "data-state": standing },
          h("td", { "data-field": "from" }, who(delegation.from)),
          h("td", { "data-field": "to" }, who(delegation.to)),
          h("td", { "data-field": "startsAt" }, time(delegation.startsAt, dateTimeFormat)),
          h("td", { "data-field": "endsAt" }, time(delegation.cancelledAt ?? delegation.endsAt, dateTimeFormat)),
          h("td", { "data-field": "state" }, STATE_LABELS[standing], rowError ? h("span", { class: "bulk-error", role: "alert" }, ` ${rowError}`) : null),
          h(
            "td",
            { "data-field": "action" },
            standing === "ACTIVE" || standing === "UPCOMING"
              ? h(
                  "button",
                  { type: "button", class: "cancel", "aria-label": `Cancel ${label}`, disabled: pane.busy, onclick: () => void cancel(delegation) },
                  "Cancel",
                )
              : null,
          ),
        );
      }),
    ),
  );
}

function render() {
  const section = $("delegations");
  section.hidden = !pane.shown;
  section.setAttribute("aria-busy", String(pane.busy));
  const status = $("delegations-status");
  const said = pane.shown ? pane.status : "";
  if (status.textContent !== said) status.textContent = said;
  const body = $("delegations-body");
  if (!pane.shown || !pane.delegations) return body.replaceChildren();
  const focusedId = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : null;
  const hadFocus = Boolean(document.activeElement && body.contains(document.activeElement));
  const viewer = state.viewer;
  const now = new Date();
  const mine = pane.delegations.filter((d) => d.from.id === viewer?.id || d.to.id === viewer?.id);
  const others = pane.delegations.filter((d) => !mine.includes(d));
  body.replaceChildren(
    ...[
      decidesRequests(viewer) ? delegateForm() : null,
      mine.length
        ? delegationTable("delegations-mine", "Your delegations", mine, now)
        : h("p", { class: "muted", id: "delegations-mine-empty" }, "You have no delegations."),
      managesRequestProcess(viewer)
        ? others.length
          ? delegationTable("delegations-everyone", "Everyone else's delegations", others, now)
          : h("p", { class: "muted", id: "delegations-everyone-empty" }, "Nobody else delegates.")
        : null,
      pane.hasMore
        ? h(
            "button",
            {
              type: "button",
              id: "delegations-more",
              disabled: pane.busy,
              onclick: () => void busyWith("Reading…", () => read({ append: true })),
            },
            "Load more",
          )
        : null,
    ].filter((child) => child !== null),
  );
  if (!hadFocus) return;
  const again = focusedId ? document.getElementById(focusedId) : null;
  if (again && body.contains(again)) again.focus();
  else $("delegations-heading").focus();
}
