/**
 * A decision's plan, pure (api.md "Rules"): from what the decision read, what
 * it would do (who is approved and who denied, from which product, through
 * which group, the pool as read, the email each recipient is owed) or the
 * user errors that refuse it, in the order the real call gives them.
 *
 * approve.ts and deny.ts read → plan → apply (in their unit of work, where
 * the pool's conditional update has the last word); preview.ts reads (no
 * lock, no transaction) → plans → answers, and writes nothing.
 */
import type { LicenseRequestEntity, LicenseRequestRecipientEntity, UserEntity } from "../../entities";
import { ok, Outcome, UserError } from "../shared/errors";
import type { OutboxEmail } from "../shared/outbox";
import { composeDecisionEmails } from "./emails";
import { ApprovalInput, ApprovalPlan, availableLicenses, Catalog, decisionMessage, GroupChoice, insufficientLicenses, planApproval } from "./rules";

/** What an approval reads before it is planned. */
export interface ApprovalReading {
  /** The request, still able to change. */
  request: LicenseRequestEntity;
  /** The requester first, then the named users in order. */
  recipients: readonly Pick<LicenseRequestRecipientEntity, "userId">[];
  catalog: Catalog;
  /** The recipients and the users the input names (those of the organization). */
  users: Map<number, UserEntity>;
  /** The group the input names, when it is the organization's; null otherwise or when it names none. */
  group: GroupChoice | null;
  /** The recipients who hold the chosen product (none when no product can be chosen). */
  holders: readonly number[];
  organizationName: string;
}

/** What a denial reads before it is planned. */
export interface DenialReading {
  /** The request, still able to change. */
  request: LicenseRequestEntity;
  /** The requester first, then the named users in order. */
  recipientIds: readonly number[];
  users: Map<number, UserEntity>;
  requestedProductName: string;
  organizationName: string;
}

/** A recipient and what the decision makes of them. */
export interface RecipientOutcome {
  user: UserEntity;
  decision: "APPROVED" | "DENIED";
}

/** The chosen product's pool as read, and whether it serves the approval. */
export interface PoolCheck {
  /** The product's availableLicenses as read. */
  available: number;
  /** One license per approved recipient. */
  needed: number;
  /** INSUFFICIENT_LICENSES when the pool as read has fewer than needed; null when it serves. */
  shortage: UserError | null;
}

export interface PlannedApproval extends ApprovalPlan {
  pool: PoolCheck;
  /** Every recipient, in order. */
  outcomes: RecipientOutcome[];
  /** One per recipient, in order. */
  emails: OutboxEmail[];
}

export interface PlannedDenial {
  deniedUserIds: number[];
  message: string | null;
  /** Every recipient, in order. */
  outcomes: RecipientOutcome[];
  /** One per recipient, in order. */
  emails: OutboxEmail[];
}

/**
 * An approval's plan (planApproval's refusals first), with the pool judged
 * from the counts read: a shortage is not a refusal of the plan, so that a
 * preview can still say who would get what; the caller answers it.
 * `adminName` null: the product's policy approves (the emails name no person).
 */
export function planApprovalDecision(reading: ApprovalReading, input: ApprovalInput, adminName: string | null): Outcome<PlannedApproval> {
  const { request, recipients, catalog, users } = reading;
  const planned = planApproval({ request, recipients, catalog, users, holders: reading.holders, input, group: reading.group });
  if (!planned.ok) return planned;
  const plan = planned.value;
  const needed = plan.approvedUserIds.length;
  const available = availableLicenses(plan.product);
  const denied = new Set(plan.deniedUserIds);
  const outcomes = recipients.map(({ userId }): RecipientOutcome => ({ user: users.get(userId)!, decision: denied.has(userId) ? "DENIED" : "APPROVED" }));
  return ok({
    ...plan,
    pool: { available, needed, shortage: available < needed ? insufficientLicenses(plan.product, needed) : null },
    outcomes,
    emails: composeDecisionEmails({
      organizationName: reading.organizationName,
      requestedProductName: catalog.productById.get(request.productId)!.name,
      assignedProductName: plan.product.name,
      groupName: plan.group?.name ?? null,
      disabledPlanNames: plan.disabledPlanIds.map((id) => catalog.planById.get(id)!.name),
      adminName,
      message: plan.message,
      recipients: outcomes,
    }),
  });
}

/** A denial's plan: every recipient denied, each told so, with the admin's message. */
export function planDenialDecision(reading: DenialReading, input: { message?: string | null | undefined }, adminName: string): PlannedDenial {
  const message = decisionMessage(input.message);
  const outcomes = reading.recipientIds.map((id): RecipientOutcome => ({ user: reading.users.get(id)!, decision: "DENIED" }));
  return {
    deniedUserIds: [...reading.recipientIds],
    message,
    outcomes,
    emails: composeDecisionEmails({
      organizationName: reading.organizationName,
      requestedProductName: reading.requestedProductName,
      adminName,
      message,
      recipients: outcomes,
    }),
  };
}
