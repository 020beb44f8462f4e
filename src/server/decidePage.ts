/**
 * The /decide page (api.md "Decisions from the email"): where a notice
 * email's Approve and Deny links lead. GET never decides (link scanners open
 * links): it shows the request (product, requester, the people it asks for,
 * the justification) and a form to confirm the verdict the link named, with
 * an optional message; the form posts to POST /decide, which decides through
 * the same service as decideLicenseRequestByLink and shows the outcome. No
 * script is needed. A used, expired, unknown or forged link, one whose person
 * lost the right, or one whose request is no longer pending shows why and no
 * form; a verdict other than APPROVE or DENY is a 400 page.
 *
 * The secret is the credential: the form comes from a `no-referrer` page, so
 * its Origin is `null`, which is accepted here; a bearer token sent along is
 * not read. Headers and the per-address rate limit are every link page's
 * (linkPages.ts), the form allowed to post to this origin.
 */
import type { Router } from "express";
import type { LicenseRequestEntity } from "../entities";
import type { Services } from "../services";
import type { DecisionLinkView, LinkVerdict } from "../services/licenseRequests";
import { MAX_DECISION_MESSAGE_LENGTH } from "../services/licenseRequests/messages";
import type { CostLimiter } from "./graphql/rateLimit";
import { confirmationRoutes, dateTime, escapeHtml, linkPageLayout, requestFacts } from "./linkPages";

export interface DecidePageOptions {
  services: Services;
  limiter: CostLimiter;
  /** What one view or confirmation costs from the address's bucket. */
  viewCost: number;
}

const VERDICTS: Record<LinkVerdict, { action: string; button: string; done: string }> = {
  APPROVE: { action: "approve", button: "Approve the request", done: "approved: every person it asks for gets the requested product" },
  DENY: { action: "deny", button: "Deny the request", done: "denied" },
};

function confirmationPage(view: DecisionLinkView, token: string, verdict: LinkVerdict): string {
  const words = VERDICTS[verdict];
  const body = [
    '<main class="recommend-page">',
    `<h1>${escapeHtml(`Do you want to ${words.action} this license request?`)}</h1>`,
    `<p id="decide-intro">${escapeHtml(`${view.personName}, you are deciding a request of ${view.organizationName}. Nothing is decided until you confirm below.`)}</p>`,
    requestFacts(view, "decide-request"),
    '<form id="decide-form" class="decide" method="post" action="/decide">',
    `<input type="hidden" name="token" value="${escapeHtml(token)}" />`,
    `<input type="hidden" name="verdict" value="${verdict}" />`,
    `<p id="decide-verdict"><strong>${escapeHtml(`Your decision: ${verdict === "APPROVE" ? "approve" : "deny"}.`)}</strong></p>`,
    `<label for="message" class="block">Message to the people it asks for (optional, at most ${MAX_DECISION_MESSAGE_LENGTH} characters)</label>`,
    `<textarea id="message" name="message" rows="4" maxlength="${MAX_DECISION_MESSAGE_LENGTH}"></textarea>`,
    '<div class="actions">',
    `<button type="submit" id="decide-confirm" class="primary">${escapeHtml(words.button)}</button>`,
    "</div>",
    `<p class="hint">${escapeHtml(`This link works once, until ${dateTime(view.linkExpiresAt)} or until the request is decided.`)}</p>`,
    "</form>",
    "</main>",
  ].join("\n");
  return linkPageLayout(`${words.button}?`, body);
}

function decidedPage(verdict: LinkVerdict, status: string): string {
  const body = [
    '<main class="recommend-page">',
    "<h1>Decided</h1>",
    `<p id="decide-outcome" class="outcome" role="status">${escapeHtml(`The request is ${VERDICTS[verdict].done} (${status}). Everyone it asks for gets an email.`)}</p>`,
    "</main>",
  ].join("\n");
  return linkPageLayout("Decided", body);
}

/** Mount at /decide: `app.use("/decide", decidePage(...))`. */
export function decidePage(options: DecidePageOptions): Router {
  const { services } = options;
  return confirmationRoutes<LinkVerdict, LicenseRequestEntity>({
    limiter: options.limiter,
    viewCost: options.viewCost,
    refusalId: "decide-refusal",
    verdicts: ["APPROVE", "DENY"],
    wrongVerdict: "This link names no decision it can make: its verdict must be APPROVE or DENY. Use the link from the email as it was sent.",
    textField: "message",
    view: (token) => services.requests.linkView(token, services.clock.now()),
    confirmationPage,
    confirm: (decisionToken, decision, message) => services.requests.decideByLink({ decisionToken, decision, message }, services.clock.now()),
    donePage: (verdict, request) => decidedPage(verdict, request.status),
  });
}
