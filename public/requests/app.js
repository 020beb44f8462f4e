// @ts-check
/**
 * The Requests tab (README "Quick start", step 4): a list of license requests
 * (Pending / Completed), a details pane to approve (possibly partially, from
 * another eligible product, with apps turned off) or deny, and live updates
 * over graphql-ws. It works for everyone who may decide (api.md "Who
 * decides": the admin roles, a product's approvers, their delegates), each
 * seeing the requests the API shows them and only the panes that work for
 * them, as `me { permissions }` says (permissions.js). It speaks only the public GraphQL API at /graphql, with the
 * operations of operations/*.graphql (generated/operations.js).
 *
 * Served as it is, no build step: each file here is an ES module the browser
 * loads from /requests/. This one signs in and out and wires the others:
 *   api.js       POST /graphql with the token; failures classified
 *   failures.js  what a failed call shows, and a refused token ends the session
 *   session.js   where the token comes from and where it is kept
 *   state.js     the shared state and its types
 *   list.js      the list and its filter
 *   details.js   the details pane and the decisions
 *   decision.js  the decision form's model and the input it sends
 *   preview.js   what Approve would do with the form's choices, before the click
 *   bulk.js      rows ticked for a bulk decision, decided in one call
 *   live.js      live updates over graphql-ws: the activity log, resumed after a loss
 *   ownProcess.js  the "use your own request process" pane and its banner
 *   keys.js      idempotency keys of one attempt
 *   dom.js       element helpers (API text is always text, never markup)
 *   notices.js   the settings pane's admin-notices choice
 *   lifetime.js  the settings pane's request lifetime and decision links
 *   approvers.js the "Product approvers" pane: who decides each product's requests
 *   delegation.js  the "Delegation" pane: lending one's deciding rights for a while
 *   permissions.js what the signed-in person may do, which decides the panes shown
 *   seats.js     "Seats at a glance" (whoever decides): each product's licenses as a chart, read again as the log moves
 *   policies.js  the "Request policies" pane: each product's automatic approval, endorsement and license duration
 *   policyFacts.js what a request shows of its policy: the manager's endorsement, a renewal, why it was not approved automatically
 *   endorse.js   the manager's Endorse / Decline of a request awaiting them, in the details pane
 *   integrations.js  the "Integrations" pane (global admins): webhook endpoints and their latest deliveries
 */
import { isTokenRefused } from "./api.js";
import { decideSelected, setSelected } from "./bulk.js";
import { closeDetails, refreshDetails, select } from "./details.js";
import { hideApprovers, loadApprovers } from "./approvers.js";
import { hideDelegations, loadDelegations } from "./delegation.js";
import { $, setLive, showNotice } from "./dom.js";
import { failed, TOKEN_REFUSED, whenTokenRefused } from "./failures.js";
import { hideIntegrations, loadIntegrations } from "./integrations.js";
import { hideLifetime, loadLifetime } from "./lifetime.js";
import { connectLive } from "./live.js";
import { loadList, onRowSelected, onRowTicked, renderList, setFilter, upsertRow } from "./list.js";
import { loadOwnProcess, resetOwnProcess } from "./ownProcess.js";
import { hideNotices, loadNotices } from "./notices.js";
import { decidesRequests, managesRequestProcess, managesWebhooks } from "./permissions.js";
import { hidePolicies, loadPolicies } from "./policies.js";
import { hideSeats, loadSeats, seatsMayHaveChanged } from "./seats.js";
import { forgetToken, keepingDemoUser, openSession, storeToken, tokenFromInput } from "./session.js";
import { state } from "./state.js";

/** The live connection of the current session, if signed in. */
let live = /** @type {{ dispose(): void } | null} */ (null);

/**
 * Uses `token` from now on: reads the list, shows the page and goes live; a
 * refused token sends the person back to the token form.
 * @param {string} token
 * @param {{ typed: boolean }} options typed: pasted by the person (kept in this tab, and signing out makes sense)
 */
async function signIn(token, { typed }) {
  state.session.token = token;
  state.session.typed = typed;
  /** Where the activity log stood when the list was read: live updates follow on from there. */
  let newest = /** @type {string | null} */ (null);
  try {
    newest = await loadList({ withNewest: true });
  } catch (error) {
    if (isTokenRefused(error)) return signOut(TOKEN_REFUSED);
    failed(error);
  }
  if (typed) storeToken(token);
  void loadOwnProcess()
    .then((viewer) => {
      // The rows name the viewer's own part in a request (an endorsement awaiting them), known from now on.
      renderList();
      showPanesFor(viewer);
    })
    .catch(failed);
  $("token-form").hidden = true;
  $("main").hidden = false;
  $("sign-out").hidden = !typed;
  live = connectLive(newest, {
    onEntry: (request, entry) => {
      upsertRow(request, { isNew: entry.kind === "SUBMITTED" });
      // Not while a decision of the admin's own is on its way: its answer brings the request.
      if (request.id === state.details.selectedId && !state.details.busy) void refreshDetails(request.id);
      // Every entry may move a product's seats (a decision, a new request, a reclaim).
      seatsMayHaveChanged();
    },
    // The log no longer keeps where the page was: read the list afresh and follow on from there.
    restart: async () => {
      seatsMayHaveChanged();
      const cursor = await loadList({ withNewest: true });
      if (cursor === null) throw new Error("The list was read without the activity log's position.");
      return cursor;
    },
    onTokenRefused: () => signOut("The token was refused for live updates. Paste another one."),
  });
}

/**
 * Shows the panes `viewer` may use, each read on its own (one failing leaves
 * the others): the settings, lifetime, approvers and policies to whoever
 * manages the request process, Integrations to whoever manages webhooks, the
 * seats to whoever decides requests, and Delegation to anyone who decides or
 * is party to a delegation (delegation.js).
 * @param {import("./state.js").Viewer} viewer
 */
function showPanesFor(viewer) {
  /** @type {Promise<void>[]} */
  const loads = [];
  if (managesRequestProcess(viewer)) loads.push(loadNotices(), loadLifetime(), loadApprovers(), loadPolicies());
  if (managesWebhooks(viewer)) loads.push(loadIntegrations());
  if (decidesRequests(viewer)) loads.push(loadSeats());
  loads.push(loadDelegations());
  for (const load of loads) void load.catch(failed);
}

/**
 * Forgets the token and everything read with it, and shows the token form.
 * @param {string | null} reason what to tell the person, if anything
 */
function signOut(reason) {
  forgetToken();
  live?.dispose();
  live = null;
  state.session.token = null;
  state.viewer = null;
  state.list.rows = [];
  closeDetails();
  resetOwnProcess();
  hideNotices();
  hideIntegrations();
  hideLifetime();
  hideApprovers();
  hideDelegations();
  hidePolicies();
  hideSeats();
  $("main").hidden = true;
  $("sign-out").hidden = true;
  $("token-form").hidden = false;
  setLive("offline", "Offline");
  showNotice(reason);
  $("token-input").focus();
}

async function start() {
  whenTokenRefused(signOut);
  onRowSelected((id) => void select(id));
  onRowTicked(setSelected);
  for (const button of document.querySelectorAll("button.filter")) {
    if (!(button instanceof HTMLElement)) continue;
    button.addEventListener("click", () => void setFilter(button.dataset.state === "COMPLETED" ? "COMPLETED" : "PENDING"));
  }
  $("more").addEventListener("click", () => void loadList({ append: true }).catch(failed));
  $("bulk-approve").addEventListener("click", () => void decideSelected("approve"));
  $("bulk-deny").addEventListener("click", () => void decideSelected("deny"));
  $("sign-out").addEventListener("click", () => signOut(null));
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("token-input"));
    const token = tokenFromInput(input.value);
    input.value = "";
    showNotice(null);
    if (token) void signIn(token, { typed: true });
  });
  /** @type {HTMLAnchorElement} */ ($("mine-link")).href = keepingDemoUser("/requests/mine");
  await openSession(signIn, signOut);
}

void start();
