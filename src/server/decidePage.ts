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
import express, { NextFunction, Request, Response, Router } from "express";
import type { Services } from "../services";
import type { DecisionLinkView, LinkVerdict } from "../services/licenseRequests";
import { MAX_DECISION_MESSAGE_LENGTH } from "../services/licenseRequests/messages";
import type { UserError } from "../services/shared/errors";
import type { CostLimiter } from "./graphql/rateLimit";
import { admitLinkPage, dateTime, escapeHtml, fact, linkPageLayout, refusedLinkPage } from "./linkPages";

export interface DecidePageOptions {
  services: Services;
  limiter: CostLimiter;
  /** What one view or confirmation costs from the address's bucket. */
  viewCost: number;
}

/** Longer than any secret, message and verdict together (a message of 1,000 characters may take 12,000 bytes encoded). */
const FORM_BODY_LIMIT = "16kb";

const VERDICTS: Record<LinkVerdict, { action: string; button: string; done: string }> = {
  APPROVE: { action: "approve", button: "Approve the request", done: "approved: every person it asks for gets the requested product" },
  DENY: { action: "deny", button: "Deny the request", done: "denied" },
};

const verdictOf = (value: unknown): LinkVerdict | null => (value === "APPROVE" || value === "DENY" ? value : null);
const textOf = (value: unknown): string => (typeof value === "string" ? value : "");

/** The HTTP status of a refusal: what the first user error says. */
function statusOf(error: UserError | undefined): number {
  switch (error?.code) {
    case "NOT_FOUND":
      return 404;
    case "NOT_PERMITTED":
      return 403;
    case "INVALID_INPUT":
      return 400;
    case "REQUEST_EXPIRED":
      return 410;
    default:
      return 409;
  }
}

function confirmationPage(view: DecisionLinkView, token: string, verdict: LinkVerdict): string {
  const words = VERDICTS[verdict];
  const body = [
    '<main class="recommend-page">',
    `<h1>${escapeHtml(`Do you want to ${words.action} this license request?`)}</h1>`,
    `<p id="decide-intro">${escapeHtml(`${view.personName}, you are deciding a request of ${view.organizationName}. Nothing is decided until you confirm below.`)}</p>`,
    '<dl class="facts" id="decide-request">',
    fact("Product", view.productName),
    fact("Requested by", view.requesterName),
    fact("For", view.recipientNames.join(", ")),
    fact("Requested", dateTime(view.requestedAt)),
    fact("Expires", dateTime(view.requestExpiresAt)),
    view.justification ? fact("Justification", view.justification, "justification") : "",
    "</dl>",
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

const refused = (res: Response, status: number, messages: string[]) =>
  res
    .status(status)
    .type("html")
    .send(refusedLinkPage(messages.join(" "), "decide-refusal"));

const wrongVerdict = (res: Response) =>
  refused(res, 400, ["This link names no decision it can make: its verdict must be APPROVE or DENY. Use the link from the email as it was sent."]);

/** Mount at /decide: `app.use("/decide", decidePage(...))`. */
export function decidePage(options: DecidePageOptions): Router {
  const router = express.Router({ strict: false });
  const { services } = options;
  const admit = (req: Request, res: Response) =>
    admitLinkPage(req, res, { limiter: options.limiter, cost: options.viewCost, formAction: true, refusalId: "decide-refusal" });

  router.get("/", async (req: Request, res: Response) => {
    if (!(await admit(req, res))) return;
    const verdict = verdictOf(req.query["verdict"]);
    if (!verdict) return void wrongVerdict(res);
    const token = textOf(req.query["token"]);
    const outcome = await services.requests.linkView(token, services.clock.now());
    if (!outcome.ok)
      return void refused(
        res,
        statusOf(outcome.userErrors[0]),
        outcome.userErrors.map((e) => e.message),
      );
    res.type("html").send(confirmationPage(outcome.value, token, verdict));
  });

  router.post("/", express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 10 }), async (req: Request, res: Response) => {
    if (!(await admit(req, res))) return;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const verdict = verdictOf(form["verdict"]);
    if (!verdict) return void wrongVerdict(res);
    const message = textOf(form["message"]).trim();
    const outcome = await services.requests.decideByLink(
      { decisionToken: textOf(form["token"]), decision: verdict, message: message || null },
      services.clock.now(),
    );
    if (!outcome.ok)
      return void refused(
        res,
        statusOf(outcome.userErrors[0]),
        outcome.userErrors.map((e) => e.message),
      );
    res.type("html").send(decidedPage(verdict, outcome.value.status));
  });

  // A body that is not a small form (too large, malformed): a client error, said on a page.
  router.use((error: { status?: number; statusCode?: number }, _req: Request, res: Response, next: NextFunction) => {
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 500 || res.headersSent) return next(error);
    refused(res, status, ["This confirmation could not be read. Open the link from the email again."]);
  });
  return router;
}
