/**
 * The /recommend page (api.md "Second opinions"): where the link of a
 * second-opinion email leads. Rendered here, on the server, from the link's
 * secret: the request it was shared for (product, requester, the people it
 * asks for, the justification, the admin's subject and message), a comment
 * box and "Recommend approval" / "Recommend denial", which
 * public/requests/recommend.js sends as recordRecommendation. A used, expired,
 * unknown or malformed link, or one whose request was decided, shows why and
 * no form.
 *
 * Why rendered here rather than read through GraphQL: an anonymous GraphQL
 * read would open the schema's graph (request → product → organization …) to
 * anyone with a link, and need its own allowlist of fields; this page shows
 * these few facts and nothing else, and the anonymous GraphQL surface stays
 * one mutation (src/server/graphql/anonymous.ts).
 *
 * Every value is HTML-escaped; the page carries the Requests page's strict
 * Content-Security-Policy (scripts and styles from this origin, no inline
 * script), is never cached, and sends no Referer (the URL holds the secret).
 * Each view takes the operation cost from the caller's address's bucket, as
 * an anonymous GraphQL operation does.
 */
import express, { Request, Response, Router } from "express";
import type { Services } from "../services";
import type { SharedRequestView } from "../services/recommendations";
import { MAX_RECOMMENDATION_COMMENT_LENGTH } from "../services/recommendations/messages";
import type { CostLimiter } from "./graphql/rateLimit";
import { contentSecurityPolicy } from "./requestsPage";

export interface RecommendPageOptions {
  services: Services;
  limiter: CostLimiter;
  /** What one view costs from the address's bucket. */
  viewCost: number;
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const dateTime = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

function layout(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    '<meta name="referrer" content="no-referrer" />',
    `<title>${escape(title)} · License requests</title>`,
    '<link rel="icon" href="/requests/favicon.svg" type="image/svg+xml" />',
    '<link rel="stylesheet" href="/requests/style.css" />',
    '<link rel="stylesheet" href="/requests/recommend.css" />',
    '<script type="module" src="/requests/recommend.js"></script>',
    "</head>",
    '<body class="recommend">',
    body,
    "</body>",
    "</html>",
  ].join("\n");
}

function sharedPage(view: SharedRequestView): string {
  const fact = (term: string, value: string, className = "") => `<dt>${escape(term)}</dt><dd${className ? ` class="${className}"` : ""}>${escape(value)}</dd>`;
  const body = [
    '<main class="recommend-page">',
    `<h1>${escape(view.subject ?? "A second opinion on a license request")}</h1>`,
    `<p id="asked-by">${escape(`${view.sharedByName} of ${view.organizationName} asks for your opinion, ${view.sharedWithName}, before deciding this request.`)}</p>`,
    view.message ? `<blockquote id="share-message">${escape(view.message)}</blockquote>` : "",
    '<dl class="facts" id="shared-request">',
    fact("Product", view.productName),
    fact("Requested by", view.requesterName),
    fact("For", view.recipientNames.join(", ")),
    fact("Requested", dateTime(view.requestedAt)),
    view.justification ? fact("Justification", view.justification, "justification") : "",
    "</dl>",
    '<form id="recommend-form" class="decide">',
    `<div class="message-label"><label for="comment" class="block">Comment (optional)</label><span id="comment-count" class="char-count" aria-live="polite">0 / ${MAX_RECOMMENDATION_COMMENT_LENGTH}</span></div>`,
    `<textarea id="comment" rows="4" maxlength="${MAX_RECOMMENDATION_COMMENT_LENGTH}" aria-describedby="comment-count"></textarea>`,
    '<ul id="recommend-errors" class="errors" role="alert" hidden></ul>',
    '<div class="actions">',
    '<button type="button" id="recommend-approve" class="primary" data-verdict="APPROVE">Recommend approval</button>',
    '<button type="button" id="recommend-deny" data-verdict="DENY">Recommend denial</button>',
    "</div>",
    `<p class="hint">This link works once, until ${escape(dateTime(view.expiresAt))} or until the request is decided. Your recommendation goes to the admins; it does not decide the request.</p>`,
    "</form>",
    '<p id="recommend-outcome" class="outcome" role="status" hidden></p>',
    "</main>",
  ].join("\n");
  return layout(view.subject ?? "A second opinion", body);
}

function refusedPage(message: string): string {
  return layout(
    "This link cannot be used",
    ['<main class="recommend-page">', "<h1>This link cannot be used</h1>", `<p id="recommend-refusal" class="refusal">${escape(message)}</p>`, "</main>"].join(
      "\n",
    ),
  );
}

/** Mount at /recommend: `app.use("/recommend", recommendPage(...))`. */
export function recommendPage(options: RecommendPageOptions): Router {
  const router = express.Router({ strict: false });
  router.get("/", async (req: Request, res: Response) => {
    res.setHeader("content-security-policy", contentSecurityPolicy(req.get("host")));
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("cross-origin-opener-policy", "same-origin");
    res.setHeader("cache-control", "no-store");
    res.setHeader("x-robots-tag", "noindex");
    const take = await options.limiter.take(`address:${req.ip ?? "unknown"}`, options.viewCost);
    if (!take.allowed) {
      res.setHeader("retry-after", String(take.retryAfterSeconds));
      res
        .status(429)
        .type("html")
        .send(refusedPage(`Too many requests from this address: try again in ${take.retryAfterSeconds} s.`));
      return;
    }
    const token = typeof req.query["token"] === "string" ? req.query["token"] : "";
    const outcome = await options.services.recommendations.queries.linkView(token, options.services.clock.now());
    if (!outcome.ok) {
      res
        .status(outcome.code === "NOT_FOUND" ? 404 : 410)
        .type("html")
        .send(refusedPage(outcome.message));
      return;
    }
    res.type("html").send(sharedPage(outcome.view));
  });
  return router;
}
