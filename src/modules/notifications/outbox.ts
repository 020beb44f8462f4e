/**
 * Emails owed by what happened, written to the outbox in the same transaction
 * (api.md "Rules": a decision is never without its email, and no email is sent
 * twice for one decision). The dispatcher (src/infra/outbox.ts) delivers them.
 */
import type { EntityManager } from "typeorm";
import { OutboxEmailEntity, UserEntity } from "../../entities";
import { ComposedEmail, composeDecisionEmail } from "./decisionEmails";

export interface DecisionNotice {
  organizationId: number;
  requestId: number;
  organizationName: string;
  requestedProductName: string;
  /** The product the licenses came from (approvals). */
  assignedProductName?: string | undefined;
  disabledPlanNames?: string[] | undefined;
  adminName: string;
  message: string | null;
  /** Each recipient, in order, with what they were told. */
  recipients: { user: UserEntity; decision: "APPROVED" | "DENIED" }[];
  at: Date;
}

/** An email as written to the outbox: where it goes and its subject. */
export interface WrittenEmail {
  to: string;
  subject: string;
}

/**
 * Outbox rows, one per email, in the caller's transaction: the one writer of
 * the outbox (decisions, second opinions, admin notices); the dispatcher
 * delivers them after the commit. Answers what it wrote, in order.
 */
export async function writeOutboxEmails(
  manager: EntityManager,
  owner: { organizationId: number; requestId: number | null; at: Date },
  emails: readonly { to: UserEntity; email: ComposedEmail }[],
): Promise<WrittenEmail[]> {
  const rows = emails.map(({ to, email }) => ({
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
  }));
  if (rows.length) await manager.getRepository(OutboxEmailEntity).insert(rows);
  return rows.map((r) => ({ to: r.toAddress, subject: r.subject }));
}

/** One email per recipient of a decision, in the decision's transaction; answers what it wrote, in recipient order. */
export function writeDecisionEmails(manager: EntityManager, notice: DecisionNotice): Promise<WrittenEmail[]> {
  return writeOutboxEmails(
    manager,
    notice,
    notice.recipients.map(({ user, decision }) => ({
      to: user,
      email: composeDecisionEmail({
        organizationName: notice.organizationName,
        requestedProductName: notice.requestedProductName,
        assignedProductName: notice.assignedProductName,
        disabledPlanNames: notice.disabledPlanNames,
        adminName: notice.adminName,
        message: notice.message,
        recipientName: user.displayName,
        decision,
      }),
    })),
  );
}
