/**
 * What the pages a link in an email leads to share (/recommend, /decide): the
 * headers of a page whose URL holds a secret, the per-address rate limit, the
 * layout and escaping, and the page that says why a link cannot be used.
 *
 * Headers: the Requests page's strict Content-Security-Policy (scripts and
 * styles from this origin, no inline script; a page may allow its own form to
 * post to this origin), never cached (`no-store`), no Referer (the URL holds
 * the secret), no indexing. Each view or confirmation takes the operation
 * cost from the caller's address's bucket, as an anonymous GraphQL operation
 * does, so a secret cannot be guessed at speed.
 */
import type { Request, Response } from "express";
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
