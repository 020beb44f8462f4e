// @ts-check
/**
 * The user view of the Requests page, /requests/mine (mine.html): the
 * products one may request (those whose self-service purchase is blocked),
 * a people picker to name colleagues, a justification, and the request sent
 * with submitLicenseRequest; or, while the organization uses its own request
 * process, the admins' message and link instead of the form. Below, one's own
 * requests with their live status and a Cancel button, and the licenses one
 * holds with their expiry. Any signed-in user may use it; it speaks only the
 * public API, like the Requests tab.
 *
 * Signing in is the Requests tab's (session.js): a token typed into the page,
 * kept in this tab; in development /requests/mine?as=<email of a demo user>
 * signs in as that user (the server's development token, never in production),
 * and without ?as= as the demo admin. The modules of this view:
 *   mineState.js    its state and types
 *   mineForm.js     the request form, or the own-process message
 *   peoplePicker.js the people picker over users(search:)
 *   mineList.js     the requests and Cancel
 *   mineLicenses.js the licenses one holds, with their expiry
 *   mineLive.js     the activity log over graphql-ws, resumed after a loss
 */
import { gql, isTokenRefused } from "./api.js";
import { $, setLive, showNotice } from "./dom.js";
import { failed, TOKEN_REFUSED, whenTokenRefused } from "./failures.js";
import { MinePage } from "./generated/operations.js";
import { renderForm, wireForm } from "./mineForm.js";
import { hideLicenses, licensesMayHaveChanged, loadLicenses } from "./mineLicenses.js";
import { loadMine, renderMine, upsertMine } from "./mineList.js";
import { connectMineLive } from "./mineLive.js";
import { mine, newRequestForm } from "./mineState.js";
import { decidesRequests } from "./permissions.js";
import { forgetToken, keepingDemoUser, openSession, storeToken, tokenFromInput } from "./session.js";
import { state } from "./state.js";

/** The live connection of the current session, if signed in. */
let live = /** @type {{ dispose(): void } | null} */ (null);

/**
 * Uses `token` from now on: reads who is signed in, the settings, the products
 * and the requests, shows the page and goes live.
 * @param {string} token
 * @param {{ typed: boolean }} options typed: pasted by the person (kept in this tab, and signing out makes sense)
 */
async function signIn(token, { typed }) {
  state.session.token = token;
  state.session.typed = typed;
  /** Where the activity log stood when the list was read: live updates follow on from there. */
  let newest = /** @type {string | null} */ (null);
  try {
    const data = await gql(MinePage, {});
    mine.me = data.me;
    mine.ownProcess = data.requestProcessSettings;
    mine.products = data.products;
    newest = await loadMine({ withNewest: true });
  } catch (error) {
    if (isTokenRefused(error)) return signOut(TOKEN_REFUSED);
    failed(error);
    if (!mine.me) return;
  }
  if (typed) storeToken(token);
  const me = mine.me;
  $("who").textContent = me ? `${me.displayName} · ${me.organization.name}` : "";
  $("admin-link").hidden = !hasRequestsTab(me);
  /** @type {HTMLAnchorElement} */ ($("admin-link")).href = keepingDemoUser("/requests");
  $("token-form").hidden = true;
  $("main").hidden = false;
  $("sign-out").hidden = !typed;
  renderForm();
  void loadLicenses().catch(failed);
  live = connectMineLive(newest, {
    onEntry: (request, entry) => {
      upsertMine(request, { isNew: entry.kind === "SUBMITTED" });
      // A decision may give a license or move its expiry, a reclaim take one away.
      licensesMayHaveChanged();
    },
    // The log no longer keeps where the page was: read the list afresh and follow on from there.
    restart: async () => {
      licensesMayHaveChanged();
      const cursor = await loadMine({ withNewest: true });
      if (cursor === null) throw new Error("The list was read without the activity log's position.");
      return cursor;
    },
    onTokenRefused: () => signOut("The token was refused for live updates. Paste another one."),
  });
}

/**
 * Whether the Requests tab has anything for `me`: requests they decide (an
 * admin role, a product's approver, a delegate) or requests awaiting their
 * endorsement as someone's manager.
 * @param {import("./mineState.js").Me | null} me
 */
function hasRequestsTab(me) {
  return decidesRequests(me) || me?.permissions?.endorsesRequests === true;
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
  mine.me = null;
  mine.ownProcess = null;
  mine.products = [];
  mine.form = newRequestForm();
  mine.list.rows = [];
  mine.cancelKeys.clear();
  mine.rowErrors.clear();
  renderMine();
  renderForm();
  hideLicenses();
  $("who").textContent = "";
  $("admin-link").hidden = true;
  $("sent").hidden = true;
  $("main").hidden = true;
  $("sign-out").hidden = true;
  $("token-form").hidden = false;
  setLive("offline", "Offline");
  showNotice(reason);
  $("token-input").focus();
}

async function start() {
  whenTokenRefused(signOut);
  wireForm();
  $("my-more").addEventListener("click", () => void loadMine({ append: true }).catch(failed));
  $("sign-out").addEventListener("click", () => signOut(null));
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("token-input"));
    const token = tokenFromInput(input.value);
    input.value = "";
    showNotice(null);
    if (token) void signIn(token, { typed: true });
  });
  await openSession(signIn, signOut);
}

void start();
