/**
 * The email a second opinion sends (api.md "Second opinions"): one per person
 * a request is shared with, with the admin's subject and message, what the
 * request asks, and the link to /recommend. Every piece of text is
 * HTML-escaped in the HTML part; header values lose their line breaks. Written
 * to the outbox in the share's transaction, so each person gets exactly one.
 */
import type { EntityManager } from "typeorm";
import type { UserEntity } from "../../entities";
import { ComposedEmail, escapeHtml } from "./decisionEmails";
import { writeOutboxEmails } from "./outbox";

export interface ShareEmailFacts {
  organizationName: string;
  recipientName: string;
  adminName: string;
  productName: string;
  requesterName: string;
  /** Everyone the request asks a license for, the requester first. */
  recipientNames: string[];
  justification: string | null;
  subject: string | null;
  message: string | null;
  /** The link with its secret; the only place the secret is ever written. */
  link: string;
  expiresAt: Date;
}

const headerSafe = (value: string) => value.replace(/[\r\n]+/g, " ").slice(0, 200);

export function composeShareEmail(f: ShareEmailFacts): ComposedEmail {
  const subject = headerSafe(f.subject ?? `${f.adminName} asks for your opinion on a request for ${f.productName}`);
  const intro = `${f.adminName} of ${f.organizationName} asks for your opinion on a license request before deciding it.`;
  const facts = [
    `Product: ${f.productName}`,
    `Requested by: ${f.requesterName}`,
    `For: ${f.recipientNames.join(", ")}`,
    ...(f.justification ? [`Justification: ${f.justification}`] : []),
  ];
  const until = f.expiresAt.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  const closing = `The link works once, until ${until} or until the request is decided. Your recommendation is shown to the admins; it does not decide the request.`;
  const text = [
    `Hello ${f.recipientName},`,
    "",
    intro,
    ...(f.message ? ["", `Message from ${f.adminName}:`, f.message] : []),
    "",
    ...facts,
    "",
    `Recommend approval or denial here: ${f.link}`,
    "",
    closing,
  ].join("\n");
  const paragraph = (line: string) => `<p>${escapeHtml(line)}</p>`;
  const html = [
    "<!doctype html><html><body>",
    paragraph(`Hello ${f.recipientName},`),
    paragraph(intro),
    ...(f.message ? [paragraph(`Message from ${f.adminName}:`), `<blockquote>${escapeHtml(f.message).replace(/\r?\n/g, "<br>")}</blockquote>`] : []),
    `<ul>${facts.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
    `<p><a href="${escapeHtml(f.link)}">Recommend approval or denial</a></p>`,
    paragraph(closing),
    "</body></html>",
  ].join("\n");
  return { subject, text, html };
}

export interface ShareNotice {
  organizationId: number;
  requestId: number;
  organizationName: string;
  adminName: string;
  productName: string;
  requesterName: string;
  recipientNames: string[];
  justification: string | null;
  subject: string | null;
  message: string | null;
  /** Each person, with the link made for them and when it expires. */
  people: { user: UserEntity; link: string; expiresAt: Date }[];
  at: Date;
}

/** One email per person a request is shared with, in the share's transaction. */
export async function writeShareEmails(manager: EntityManager, notice: ShareNotice): Promise<void> {
  await writeOutboxEmails(
    manager,
    notice,
    notice.people.map(({ user, link, expiresAt }) => ({ to: user, email: composeShareEmail({ ...notice, recipientName: user.displayName, link, expiresAt }) })),
  );
}
