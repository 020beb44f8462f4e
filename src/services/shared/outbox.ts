/**
 * The one writer of the outbox (api.md "Rules": a decision is never without
 * its email, and no email is sent twice for one decision). Emails are written
 * in the caller's unit of work, so they commit or roll back with what owes
 * them, and writing them asks the unit of work to wake the dispatcher
 * (src/infra/outbox.ts) once it committed: nobody can write an email and
 * forget to have it sent.
 */
import { OutboxEmailEntity, UserEntity } from "../../entities";
import type { ComposedEmail } from "./email";
import type { UnitOfWork } from "./unitOfWork";

/** An email as written to the outbox: where it goes and its subject. */
export interface WrittenEmail {
  to: string;
  subject: string;
}

/** Where each email goes and its subject, in order (what a preview shows of emails it does not write). */
export const writtenEmails = (emails: readonly { to: UserEntity; email: ComposedEmail }[]): WrittenEmail[] =>
  emails.map(({ to, email }) => ({ to: to.email, subject: email.subject }));

/** Outbox rows, one per email, in `unit`; the dispatcher is woken after its commit. Answers what it wrote, in order. */
export async function writeOutboxEmails(
  unit: UnitOfWork,
  owner: { organizationId: number; requestId: number | null; at: Date },
  emails: readonly { to: UserEntity; email: ComposedEmail }[],
): Promise<WrittenEmail[]> {
  if (!emails.length) return [];
  await unit.manager.getRepository(OutboxEmailEntity).insert(
    emails.map(({ to, email }) => ({
      organizationId: owner.organizationId,
      requestId: owner.requestId,
      recipientUserId: to.id,
      toAddress: to.email,
      subject: email.subject,
      textBody: email.text,
      htmlBody: email.html,
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
