/**
 * The one layout of every email the service sends (decisions, second
 * opinions, admin notices): a subject made safe for a header, and a body
 * written once as blocks and rendered twice, as plain text and as HTML in
 * which every piece of text is escaped. Features write what an email says;
 * how it is laid out, escaped and made header-safe is decided here only.
 */

/** An email as the outbox stores it. */
export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * One block of a body:
 * - a string: a paragraph (`""`: a blank line);
 * - `quote`: text someone wrote, kept with its line breaks;
 * - `list`: short facts, one per line (a bulleted list in HTML);
 * - `link`: `label: url` in the text, a link labelled `label` in HTML.
 */
export type EmailBlock = string | { quote: string } | { list: readonly string[] } | { link: { label: string; url: string } };

/** Longest subject kept (a header line, not a paragraph). */
export const MAX_SUBJECT_LENGTH = 200;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A header value without line breaks (no header injection through names or subjects), at most MAX_SUBJECT_LENGTH characters. */
export function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, " ").slice(0, MAX_SUBJECT_LENGTH);
}

function textOf(block: EmailBlock): string {
  if (typeof block === "string") return block;
  if ("quote" in block) return block.quote;
  if ("list" in block) return block.list.join("\n");
  return `${block.link.label}: ${block.link.url}`;
}

function htmlOf(block: EmailBlock): string {
  if (typeof block === "string") return block === "" ? "<br>" : `<p>${escapeHtml(block)}</p>`;
  if ("quote" in block) return `<blockquote>${escapeHtml(block.quote).replace(/\r?\n/g, "<br>")}</blockquote>`;
  if ("list" in block) return `<ul>${block.list.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`;
  return `<p><a href="${escapeHtml(block.link.url)}">${escapeHtml(block.link.label)}</a></p>`;
}

/** A moment as emails name it: "2026-12-01 14:05 UTC". */
export const utcTime = (at: Date): string => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The email of `subject` and `blocks`, as text and as HTML. */
export function renderEmail(subject: string, blocks: readonly EmailBlock[]): ComposedEmail {
  return {
    subject: headerSafe(subject),
    text: blocks.map(textOf).join("\n"),
    html: ["<!doctype html><html><body>", ...blocks.map(htmlOf), "</body></html>"].join("\n"),
  };
}
