/**
 * The one writer of the outbox (api.md "Rules": a decision is never without
 * its email, and no email is sent twice for one decision). Emails are written
 * in the caller's unit of work, so they commit or roll back with what owes
 * them, and writing them asks the unit of work to wake the dispatcher
 * (src/infra/outbox.ts) once it committed: nobody can write an email and
 * forget to have it sent.
 *
 * An email may carry secrets (links that act, such as a shared request's or a
 * notice's decision links):
 * nothing a person can use as a link may stay readable in the database once
 * the email is delivered. The writer stores the bodies with a placeholder
 * where each secret goes and the secrets in a column of their own (separated
 * by spaces); the dispatcher puts them in at send time and clears the column
 * in the update that marks the row sent. A placeholder is made from its
 * secret, so no text typed into an email (a name, an admin's message) can be one.
 */
import { createHash } from "node:crypto";
import { OutboxEmailEntity, UserEntity } from "../../entities";
import type { ComposedEmail } from "./email";
import type { UnitOfWork } from "./unitOfWork";

/** An email as written to the outbox: where it goes and its subject. */
export interface WrittenEmail {
  to: string;
  subject: string;
}

/** An email to write: to whom, what it says, and the secrets it carries, if any (written in its body, never in its subject). */
export interface OutboxEmail {
  to: UserEntity;
  email: ComposedEmail;
  secrets?: readonly string[];
}

/** Secrets one email may carry (a digest's decision links: two requests' worth per listed request at most). */
export const MAX_SECRETS_PER_EMAIL = 200;

/** What a secret looks like: URL- and HTML-safe as it is (base64url), so it goes into a link without escaping. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/** What the stored bodies hold where `secret` goes. */
export function secretPlaceholder(secret: string): string {
  return `{{secret:${createHash("sha256").update(`outbox secret:${secret}`, "utf8").digest("hex").slice(0, 16)}}}`;
}

/** A stored body with the stored secrets (the column's value) put back where their placeholders are (the dispatcher, at send time). */
export function withSecrets(body: string, stored: string): string {
  return stored.split(" ").reduce((filled, secret) => filled.split(secretPlaceholder(secret)).join(secret), body);
}

/** The email as it is stored: its bodies with placeholders instead of the secrets. */
function storedBodies({ email, secrets }: OutboxEmail): { textBody: string; htmlBody: string; secret: string | null } {
  if (!secrets?.length) return { textBody: email.text, htmlBody: email.html, secret: null };
  if (secrets.length > MAX_SECRETS_PER_EMAIL) throw new Error(`an email carries at most ${MAX_SECRETS_PER_EMAIL} secrets`);
  let { text: textBody, html: htmlBody } = email;
  for (const secret of secrets) {
    if (!SECRET_SHAPE.test(secret)) throw new Error("an email's secret must be 16 to 128 characters of A-Z, a-z, 0-9, _ and -");
    if (!textBody.includes(secret) || email.subject.includes(secret)) throw new Error("an email's secret belongs in its body, not in its subject");
    const placeholder = secretPlaceholder(secret);
    textBody = textBody.split(secret).join(placeholder);
    htmlBody = htmlBody.split(secret).join(placeholder);
  }
  return { textBody, htmlBody, secret: secrets.join(" ") };
}

/** Where each email goes and its subject, in order (what a preview shows of emails it does not write). */
export const writtenEmails = (emails: readonly { to: UserEntity; email: ComposedEmail }[]): WrittenEmail[] =>
  emails.map(({ to, email }) => ({ to: to.email, subject: email.subject }));

/** Outbox rows, one per email, in `unit`; the dispatcher is woken after its commit. Answers what it wrote, in order. */
export async function writeOutboxEmails(
  unit: UnitOfWork,
  owner: { organizationId: number; requestId: number | null; at: Date },
  emails: readonly OutboxEmail[],
): Promise<WrittenEmail[]> {
  if (!emails.length) return [];
  await unit.manager.getRepository(OutboxEmailEntity).insert(
    emails.map((outgoing) => ({
      organizationId: owner.organizationId,
      requestId: owner.requestId,
      recipientUserId: outgoing.to.id,
      toAddress: outgoing.to.email,
      subject: outgoing.email.subject,
      ...storedBodies(outgoing),
      attempts: 0,
      createdAt: owner.at,
      nextAttemptAt: owner.at,
      lockedBy: null,
      lockedUntil: null,
      sentAt: null,
      lastError: null,
    })),
  );
  unit.wakeOutbox();
  return writtenEmails(emails);
}
