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
 * Every value is HTML-escaped; headers, layout and the per-address rate
 * limit are those of every link page (linkPages.ts).
 */
import express, { Request, Response, Router } from "express";
import type { Services } from "../services";
import type { SharedRequestView } from "../services/recommendations";
import { MAX_RECOMMENDATION_COMMENT_LENGTH } from "../services/recommendations/messages";
import type { CostLimiter } from "./graphql/rateLimit";
import { admitLinkPage, dateTime, escapeHtml as escape, fact, linkPageLayout, refusedLinkPage } from "./linkPages";

export interface RecommendPageOptions {
  services: Services;
  limiter: CostLimiter;
  /** What one view costs from the address's bucket. */
  viewCost: number;
}

function sharedPage(view: SharedRequestView): string {
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
  return linkPageLayout(view.subject ?? "A second opinion", body, "/requests/recommend.js");
}

const refusedPage = (message: string) => refusedLinkPage(message, "recommend-refusal");

/** Mount at /recommend: `app.use("/recommend", recommendPage(...))`. */
export function recommendPage(options: RecommendPageOptions): Router {
  const router = express.Router({ strict: false });
  router.get("/", async (req: Request, res: Response) => {
    if (!(await admitLinkPage(req, res, { limiter: options.limiter, cost: options.viewCost, refusalId: "recommend-refusal" }))) return;
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
