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
import type { LicenseAssignmentEntity, LicenseRequestEntity, LicenseRequestRecipientEntity, UserEntity } from "../../entities";
import { licenseExpiry, licenseTerm, renewedExpiry } from "../policies/rules";
import { failed, ok, Outcome, UserError } from "../shared/errors";
import type { OutboxEmail } from "../shared/outbox";
import { composeDecisionEmails } from "./emails";
import {
  ApprovalInput,
  ApprovalPlan,
  availableLicenses,
  Catalog,
  decisionMessage,
  GroupChoice,
  insufficientLicenses,
  planApproval,
  renewalChoiceErrors,
} from "./rules";

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
  /**
   * The recipients who hold the chosen product (none when no product can be
   * chosen), a renewal's holder left out: the license they hold of it is the
   * one the renewal extends.
   */
  holders: readonly number[];
  organizationName: string;
  /** When the decision is made: the term of the licenses it gives starts then. */
  now: Date;
  /** The requested product's `licenseDurationDays` as read (api.md "Policies": it governs, whatever product the licenses come from). */
  licenseDurationDays: number | null;
  /** The held license a renewal extends; null for a new license, and for a renewal whose license was reclaimed (approved like any request). */
  renewal: LicenseAssignmentEntity | null;
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
  /** The term of the licenses given, or of the license extended: its expiry (null: it lasts) and the expiry notices it starts with as done. */
  term: { expiresAt: Date | null; expiryNoticesDone: number };
  /** The held license the approval extends instead of giving one (no license taken); null when it gives licenses. */
  renewal: { assignmentId: number } | null;
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
  const { request, recipients, catalog, users, renewal, now } = reading;
  const planned = planApproval({ request, recipients, catalog, users, holders: reading.holders, input, group: reading.group });
  if (!planned.ok) return planned;
  const plan = planned.value;
  if (renewal) {
    const productName = catalog.productById.get(renewal.productId)?.name ?? plan.product.name;
    const refused = renewalChoiceErrors(plan, { productId: renewal.productId, productName, holderName: users.get(renewal.userId)!.displayName });
    if (refused.length) return failed(...refused);
  }
  const days = reading.licenseDurationDays;
  const term = licenseTerm(now, renewal ? renewedExpiry(renewal.expiresAt, now, days) : licenseExpiry(now, days));
  const needed = renewal ? 0 : plan.approvedUserIds.length;
  const available = availableLicenses(plan.product);
  const denied = new Set(plan.deniedUserIds);
  const outcomes = recipients.map(({ userId }): RecipientOutcome => ({ user: users.get(userId)!, decision: denied.has(userId) ? "DENIED" : "APPROVED" }));
  return ok({
    ...plan,
    pool: { available, needed, shortage: available < needed ? insufficientLicenses(plan.product, needed) : null },
    term,
    renewal: renewal ? { assignmentId: renewal.id } : null,
    outcomes,
    emails: composeDecisionEmails({
      organizationName: reading.organizationName,
      requestedProductName: catalog.productById.get(request.productId)!.name,
      assignedProductName: plan.product.name,
      groupName: plan.group?.name ?? null,
      disabledPlanNames: plan.disabledPlanIds.map((id) => catalog.planById.get(id)!.name),
      adminName,
      message: plan.message,
      expiresAt: term.expiresAt,
      extended: renewal !== null,
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
