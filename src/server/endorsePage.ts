/**
 * The /endorse page (api.md "Policies"): where the Endorse and Decline links
 * of a manager's email lead. GET never answers (link scanners open links):
 * it shows the request and a form to confirm the verdict the link named,
 * with an optional comment; the form posts to POST /endorse, which answers
 * through the same service as endorseLicenseRequestByLink and shows the
 * outcome. No script is needed. A used, expired, unknown or forged link, one
 * whose endorsement is over or whose request is closed, or one whose person
 * is no longer the requester's manager shows why and no form; a verdict other
 * than ENDORSE or DECLINE is a 400 page.
 *
 * As on /decide, the secret is the credential (a form from a `no-referrer`
 * page has Origin `null`, accepted here; a bearer token sent along is not
 * read), and the headers and per-address rate limit are every link page's.
 */
import type { Router } from "express";
import type { LicenseRequestEntity } from "../entities";
import type { Services } from "../services";
import type { DecisionLinkView } from "../services/licenseRequests";
import { MAX_ENDORSEMENT_COMMENT } from "../services/policies/rules";
import type { CostLimiter } from "./graphql/rateLimit";
import { confirmationRoutes, dateTime, escapeHtml, linkPageLayout, requestFacts } from "./linkPages";

export interface EndorsePageOptions {
  services: Services;
  limiter: CostLimiter;
  /** What one view or confirmation costs from the address's bucket. */
  viewCost: number;
}

type EndorsementVerdict = "ENDORSE" | "DECLINE";

const VERDICTS: Record<EndorsementVerdict, { question: string; button: string }> = {
  ENDORSE: { question: "Do you endorse this license request?", button: "Endorse the request" },
  DECLINE: { question: "Do you decline this license request?", button: "Decline the request" },
};

function confirmationPage(view: DecisionLinkView, token: string, verdict: EndorsementVerdict): string {
  const words = VERDICTS[verdict];
  const consequence =
    verdict === "ENDORSE"
      ? "Endorsing passes it to the approvers (or approves it at once, when the product's policy does that)."
      : "Declining denies it: everyone it asks for is told, with your comment as the message.";
  const body = [
    '<main class="recommend-page">',
    `<h1>${escapeHtml(words.question)}</h1>`,
    `<p id="endorse-intro">${escapeHtml(`${view.personName}, your endorsement is asked as the requester's manager at ${view.organizationName}. Nothing is done until you confirm below.`)}</p>`,
    requestFacts(view, "endorse-request"),
    '<form id="endorse-form" class="decide" method="post" action="/endorse">',
    `<input type="hidden" name="token" value="${escapeHtml(token)}" />`,
    `<input type="hidden" name="verdict" value="${verdict}" />`,
    `<p id="endorse-verdict"><strong>${escapeHtml(`Your answer: ${verdict === "ENDORSE" ? "endorse" : "decline"}.`)}</strong> ${escapeHtml(consequence)}</p>`,
    `<label for="comment" class="block">Comment (optional, at most ${MAX_ENDORSEMENT_COMMENT} characters)</label>`,
    `<textarea id="comment" name="comment" rows="4" maxlength="${MAX_ENDORSEMENT_COMMENT}"></textarea>`,
    '<div class="actions">',
    `<button type="submit" id="endorse-confirm" class="primary">${escapeHtml(words.button)}</button>`,
    "</div>",
    `<p class="hint">${escapeHtml(`This link works once, until ${dateTime(view.linkExpiresAt)}; after that the approvers decide without your endorsement.`)}</p>`,
    "</form>",
    "</main>",
  ].join("\n");
  return linkPageLayout(`${words.button}?`, body);
}

function answeredPage(verdict: EndorsementVerdict, status: string): string {
  const outcome =
    verdict === "ENDORSE"
      ? `You endorsed the request; it is ${status === "PENDING" ? "with the approvers" : `now ${status.replace("_", " ").toLowerCase()}`} (${status}).`
      : `You declined the request: it is denied (${status}). Everyone it asks for gets an email.`;
  const body = [
    '<main class="recommend-page">',
    "<h1>Done</h1>",
    `<p id="endorse-outcome" class="outcome" role="status">${escapeHtml(outcome)}</p>`,
    "</main>",
  ].join("\n");
  return linkPageLayout("Done", body);
}

/** Mount at /endorse: `app.use("/endorse", endorsePage(...))`. */
export function endorsePage(options: EndorsePageOptions): Router {
  const { services } = options;
  return confirmationRoutes<EndorsementVerdict, LicenseRequestEntity>({
    limiter: options.limiter,
    viewCost: options.viewCost,
    refusalId: "endorse-refusal",
    verdicts: ["ENDORSE", "DECLINE"],
    wrongVerdict: "This link names no answer it can give: its verdict must be ENDORSE or DECLINE. Use the link from the email as it was sent.",
    textField: "comment",
    view: (token) => services.requests.endorsementLinkView(token, services.clock.now()),
    confirmationPage,
    confirm: (endorsementToken, verdict, comment) =>
      services.requests.endorseByLink({ endorsementToken, endorse: verdict === "ENDORSE", comment }, services.clock.now()),
    donePage: (verdict, request) => answeredPage(verdict, request.status),
  });
}
