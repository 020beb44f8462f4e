/**
 * Emails owed by what happened, written to the outbox in the same transaction
 * (api.md "Rules": a decision is never without its email, and no email is sent
 * twice for one decision). The dispatcher (src/infra/outbox.ts) delivers them.
 */
import type { EntityManager } from "typeorm";
import { OutboxEmailEntity, UserEntity } from "../../entities";
import { composeDecisionEmail } from "./decisionEmails";

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

/** One email per recipient of a decision, in the decision's transaction; answers what it wrote, in recipient order. */
export async function writeDecisionEmails(manager: EntityManager, notice: DecisionNotice): Promise<WrittenEmail[]> {
  const rows = notice.recipients.map(({ user, decision }) => {
    const email = composeDecisionEmail({
      organizationName: notice.organizationName,
      requestedProductName: notice.requestedProductName,
      assignedProductName: notice.assignedProductName,
      disabledPlanNames: notice.disabledPlanNames,
      adminName: notice.adminName,
      message: notice.message,
      recipientName: user.displayName,
      decision,
    });
    return {
      organizationId: notice.organizationId,
      requestId: notice.requestId,
      recipientUserId: user.id,
      toAddress: user.email,
      subject: email.subject,
      textBody: email.text,
      htmlBody: email.html,
      attempts: 0,
      createdAt: notice.at,
      nextAttemptAt: notice.at,
      lockedBy: null,
      lockedUntil: null,
      sentAt: null,
      lastError: null,
    };
  });
  if (rows.length) await manager.getRepository(OutboxEmailEntity).insert(rows);
  return rows.map((r) => ({ to: r.toAddress, subject: r.subject }));
}
