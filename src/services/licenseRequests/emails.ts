/**
 * The email each decision owes each recipient (api.md "Rules"): approved (which
 * product, through which group, which apps off) or denied, with the admin's
 * message. Laid out by the one email layout (services/shared/email.ts);
 * composed by the decision's plan (pure), written to the outbox by the
 * decision in its transaction.
 */
import type { UserEntity } from "../../entities";
import { ComposedEmail, EmailBlock, renderEmail, utcTime } from "../shared/email";
import type { OutboxEmail } from "../shared/outbox";

export interface DecisionEmailFacts {
  organizationName: string;
  recipientName: string;
  requestedProductName: string;
  decision: "APPROVED" | "DENIED";
  /** The product the license came from (approvals). */
  assignedProductName?: string | undefined;
  /** The group the license comes through (approvals through a group). */
  groupName?: string | null | undefined;
  disabledPlanNames?: string[] | undefined;
  /** Who decided, as the email names them; null: the requested product's policy approved it automatically (api.md "Policies"). */
  adminName: string | null;
  message: string | null;
  /** When the license given expires (api.md "Policies"); null or absent: it lasts. */
  expiresAt?: Date | null | undefined;
  /** The approval renews a license the recipient holds: it moves its expiry instead of giving one. */
  extended?: boolean | undefined;
}

export function composeDecisionEmail(f: DecisionEmailFacts): ComposedEmail {
  const approved = f.decision === "APPROVED";
  const blocks: EmailBlock[] = [`Hello ${f.recipientName},`, ""];
  if (approved && f.extended) {
    blocks.push(
      f.adminName === null
        ? `The renewal of your license of ${f.requestedProductName} was approved automatically by the product's request policy at ${f.organizationName}.`
        : `${f.adminName} of ${f.organizationName} approved the renewal of your license of ${f.requestedProductName}.`,
    );
    blocks.push(f.expiresAt ? `It is extended until ${utcTime(f.expiresAt)}.` : "It no longer expires.");
  } else if (approved) {
    const product = f.assignedProductName ?? f.requestedProductName;
    blocks.push(
      f.adminName === null
        ? `The license request for ${f.requestedProductName} was approved automatically by the product's request policy at ${f.organizationName}.`
        : `${f.adminName} of ${f.organizationName} approved the license request for ${f.requestedProductName}.`,
    );
    blocks.push(f.groupName ? `You now have a license of ${product} through the group ${f.groupName}.` : `You now have a license of ${product}.`);
    if (f.disabledPlanNames?.length) blocks.push(`Turned off in your license: ${f.disabledPlanNames.join(", ")}.`);
    if (f.expiresAt) blocks.push(`It lasts until ${utcTime(f.expiresAt)}; you can ask to renew it before then.`);
  } else {
    blocks.push(`${f.adminName ?? "The product's request policy"} of ${f.organizationName} denied the license request for ${f.requestedProductName}.`);
  }
  if (f.message) blocks.push("", `Message from your admin:`, f.message);
  const subject = approved
    ? f.extended
      ? `Your license of ${f.requestedProductName} was renewed`
      : `Your request for ${f.requestedProductName} was approved`
    : `Your request for ${f.requestedProductName} was denied`;
  return renderEmail(subject, blocks);
}

/** What every recipient of one decision is told, besides their own name and outcome. */
export interface DecisionNotice extends Omit<DecisionEmailFacts, "recipientName" | "decision"> {
  /** Each recipient, in order, with what they were told. */
  recipients: { user: UserEntity; decision: "APPROVED" | "DENIED" }[];
}

/** One email per recipient of a decision, in recipient order, as composed (the preview shows them, the decision writes them). */
export function composeDecisionEmails(notice: DecisionNotice): OutboxEmail[] {
  const { recipients, ...facts } = notice;
  return recipients.map(({ user, decision }) => ({ to: user, email: composeDecisionEmail({ ...facts, recipientName: user.displayName, decision }) }));
}
