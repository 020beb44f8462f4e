/**
 * What the pages a link in an email leads to share (/recommend, /decide,
 * /endorse): the headers of a page whose URL holds a secret, the per-address
 * rate limit, the layout and escaping, the facts of the request a link acts
 * on, the page that says why a link cannot be used (with the HTTP status its
 * first user error gives), and the routes of a link that acts once confirmed
 * (`confirmationRoutes`: GET shows, POST acts).
 *
 * Headers: the Requests page's strict Content-Security-Policy (scripts and
 * styles from this origin, no inline script; a page may allow its own form to
 * post to this origin), never cached (`no-store`), no Referer (the URL holds
 * the secret), no indexing. Each view or confirmation takes the operation
 * cost from the caller's address's bucket, as an anonymous GraphQL operation
 * does, so a secret cannot be guessed at speed.
 */
import express, { NextFunction, Request, RequestHandler, Response, Router } from "express";
import type { DecisionLinkView } from "../services/licenseRequests";
import type { Outcome, UserError } from "../services/shared/errors";
import type { CostLimiter } from "./graphql/rateLimit";
import { contentSecurityPolicy } from "./requestsPage";

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export const dateTime = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A `<dt>`/`<dd>` pair of the facts list, escaped. */
export const fact = (term: string, value: string, className = "") =>
  `<dt>${escapeHtml(term)}</dt><dd${className ? ` class="${className}"` : ""}>${escapeHtml(value)}</dd>`;

/** The page around `body`; `script`: a module of this origin the page loads, if any. */
export function linkPageLayout(title: string, body: string, script?: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    '<meta name="referrer" content="no-referrer" />',
    `<title>${escapeHtml(title)} · License requests</title>`,
    '<link rel="icon" href="/requests/favicon.svg" type="image/svg+xml" />',
    '<link rel="stylesheet" href="/requests/style.css" />',
    '<link rel="stylesheet" href="/requests/recommend.css" />',
    ...(script ? [`<script type="module" src="${script}"></script>`] : []),
    "</head>",
    '<body class="recommend">',
    body,
    "</body>",
    "</html>",
  ].join("\n");
}

/** A page that says why a link cannot be used, and offers nothing to do. */
export function refusedLinkPage(message: string, refusalId = "link-refusal"): string {
  return linkPageLayout(
    "This link cannot be used",
    [
      '<main class="recommend-page">',
      "<h1>This link cannot be used</h1>",
      `<p id="${refusalId}" class="refusal" role="alert">${escapeHtml(message)}</p>`,
      "</main>",
    ].join("\n"),
  );
}

/**
 * Sets the headers of a link page and takes its cost from the address's
 * bucket; false (and the 429 page sent) when the bucket is empty.
 * `formAction`: the page posts a form to this origin.
 */
export async function admitLinkPage(
  req: Request,
  res: Response,
  options: { limiter: CostLimiter; cost: number; formAction?: boolean; refusalId?: string },
): Promise<boolean> {
  const policy = contentSecurityPolicy(req.get("host"));
  res.setHeader("content-security-policy", options.formAction ? policy.replace("form-action 'none'", "form-action 'self'") : policy);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cross-origin-opener-policy", "same-origin");
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-robots-tag", "noindex");
  const take = await options.limiter.take(`address:${req.ip ?? "unknown"}`, options.cost);
  if (take.allowed) return true;
  res.setHeader("retry-after", String(take.retryAfterSeconds));
  res
    .status(429)
    .type("html")
    .send(refusedLinkPage(`Too many requests from this address: try again in ${take.retryAfterSeconds} s.`, options.refusalId));
  return false;
}

/** The HTTP status of a link page's refusal: what the first user error says. */
function refusalStatus(error: UserError | undefined): number {
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

/** Sends the page that says why (`messages`), with `status`. */
const sendRefusal = (res: Response, status: number, messages: string[], refusalId: string) =>
  res
    .status(status)
    .type("html")
    .send(refusedLinkPage(messages.join(" "), refusalId));

/** Sends the refusal of a link service's user errors (their messages, the first one's status). */
const sendUserErrors = (res: Response, errors: readonly UserError[], refusalId: string) =>
  sendRefusal(
    res,
    refusalStatus(errors[0]),
    errors.map((e) => e.message),
    refusalId,
  );

/** A form field's text ("" when absent or not text). */
const formText = (value: unknown): string => (typeof value === "string" ? value : "");

/** Longer than any secret, message and verdict together (a message of 1,000 characters may take 12,000 bytes encoded). */
const FORM_BODY_LIMIT = "16kb";

/** The parser of a confirmation form's body: small, flat, a few fields. */
const confirmationForm = (): RequestHandler => express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 10 });

/** After a page's routes: a body that is not a small form (too large, malformed) is a client error, said on a page. */
const formBodyRefusal =
  (refusalId: string) =>
  (error: { status?: number; statusCode?: number }, _req: Request, res: Response, next: NextFunction): void => {
    const status = error.status ?? error.statusCode ?? 500;
    if (status >= 500 || res.headersSent) return next(error);
    sendRefusal(res, status, ["This confirmation could not be read. Open the link from the email again."], refusalId);
  };

/** The facts of the request a link acts on (a `<dl>` with `id`): product, requester, who it is for, when, the justification. */
export function requestFacts(view: DecisionLinkView, id: string): string {
  return [
    `<dl class="facts" id="${id}">`,
    fact("Product", view.productName),
    fact("Requested by", view.requesterName),
    fact("For", view.recipientNames.join(", ")),
    fact("Requested", dateTime(view.requestedAt)),
    fact("Expires", dateTime(view.requestExpiresAt)),
    view.justification ? fact("Justification", view.justification, "justification") : "",
    "</dl>",
  ].join("\n");
}

/**
 * A link page that acts once confirmed (/decide, /endorse): GET never acts
 * (link scanners open links), it shows what the link would do and a form
 * naming the link's verdict; POST (the form, `token`, `verdict` and one
 * optional text field) acts through the link's service and shows the
 * outcome. A verdict not among `verdicts` is a 400 page; a link that cannot
 * act shows why (the service's user errors) and no form; a body that is not
 * a small form is a client error, on a page. Every view and confirmation is
 * admitted by `admitLinkPage` (headers, the form allowed to post here, the
 * address's bucket).
 */
export interface ConfirmationPage<V extends string, R> {
  limiter: CostLimiter;
  /** What one view or confirmation costs from the address's bucket. */
  viewCost: number;
  /** The id of a refusal's message on its page. */
  refusalId: string;
  verdicts: readonly V[];
  /** What the 400 page says of a verdict not among `verdicts`. */
  wrongVerdict: string;
  /** The form's optional text field (a message, a comment). */
  textField: string;
  /** What the link would act on, or why it cannot act; changes nothing. */
  view(token: string): Promise<Outcome<DecisionLinkView>>;
  confirmationPage(view: DecisionLinkView, token: string, verdict: V): string;
  /** Acts as confirmed (`text`: the text field, trimmed; null when empty). */
  confirm(token: string, verdict: V, text: string | null): Promise<Outcome<R>>;
  donePage(verdict: V, result: R): string;
}

/** The routes of a `ConfirmationPage`: mount at its path, e.g. `app.use("/decide", confirmationRoutes(...))`. */
export function confirmationRoutes<V extends string, R>(page: ConfirmationPage<V, R>): Router {
  const router = express.Router({ strict: false });
  const admit = (req: Request, res: Response) =>
    admitLinkPage(req, res, { limiter: page.limiter, cost: page.viewCost, formAction: true, refusalId: page.refusalId });
  const verdictOf = (value: unknown): V | null => page.verdicts.find((v) => v === value) ?? null;
  const wrongVerdict = (res: Response) => sendRefusal(res, 400, [page.wrongVerdict], page.refusalId);

  router.get("/", async (req: Request, res: Response) => {
    if (!(await admit(req, res))) return;
    const verdict = verdictOf(req.query["verdict"]);
    if (!verdict) return void wrongVerdict(res);
    const token = formText(req.query["token"]);
    const outcome = await page.view(token);
    if (!outcome.ok) return void sendUserErrors(res, outcome.userErrors, page.refusalId);
    res.type("html").send(page.confirmationPage(outcome.value, token, verdict));
  });

  router.post("/", confirmationForm(), async (req: Request, res: Response) => {
    if (!(await admit(req, res))) return;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const verdict = verdictOf(form["verdict"]);
    if (!verdict) return void wrongVerdict(res);
    const text = formText(form[page.textField]).trim();
    const outcome = await page.confirm(formText(form["token"]), verdict, text || null);
    if (!outcome.ok) return void sendUserErrors(res, outcome.userErrors, page.refusalId);
    res.type("html").send(page.donePage(verdict, outcome.value));
  });

  router.use(formBodyRefusal(page.refusalId));
  return router;
}
