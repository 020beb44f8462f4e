/**
 * The email a second opinion sends (api.md "Second opinions"): one per person
 * a request is shared with, with the admin's subject and message, what the
 * request asks, and the link to /recommend. Every piece of text is
 * HTML-escaped in the HTML part; header values lose their line breaks. Written
 * to the outbox in the share's transaction, so each person gets exactly one;
 * the link's secret is in the database only until the email is sent.
 */
import type { UserEntity } from "../../entities";
import { ComposedEmail, renderEmail } from "../shared/email";
import { writeOutboxEmails } from "../shared/outbox";
import type { UnitOfWork } from "../shared/unitOfWork";

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
  /** The link with its secret (stored apart from the email until it is sent: services/shared/outbox.ts). */
  link: string;
  expiresAt: Date;
}

export function composeShareEmail(f: ShareEmailFacts): ComposedEmail {
  const until = f.expiresAt.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  return renderEmail(f.subject ?? `${f.adminName} asks for your opinion on a request for ${f.productName}`, [
    `Hello ${f.recipientName},`,
    "",
    `${f.adminName} of ${f.organizationName} asks for your opinion on a license request before deciding it.`,
    ...(f.message ? ["", `Message from ${f.adminName}:`, { quote: f.message }] : []),
    "",
    {
      list: [
        `Product: ${f.productName}`,
        `Requested by: ${f.requesterName}`,
        `For: ${f.recipientNames.join(", ")}`,
        ...(f.justification ? [`Justification: ${f.justification}`] : []),
      ],
    },
    "",
    { link: { label: "Recommend approval or denial here", url: f.link } },
    "",
    `The link works once, until ${until} or until the request is decided. Your recommendation is shown to the admins; it does not decide the request.`,
  ]);
}

/** What every person a request is shared with is told, besides their own name and link. */
export interface ShareNotice extends Omit<ShareEmailFacts, "recipientName" | "link" | "expiresAt"> {
  organizationId: number;
  requestId: number;
  /** Each person, with the link made for them, its secret and when it expires. */
  people: { user: UserEntity; link: string; secret: string; expiresAt: Date }[];
  at: Date;
}

/** One email per person a request is shared with, in the share's transaction; each link's secret is kept out of the stored email. */
export async function writeShareEmails(unit: UnitOfWork, notice: ShareNotice): Promise<void> {
  await writeOutboxEmails(
    unit,
    notice,
    notice.people.map(({ user, link, secret, expiresAt }) => ({
      to: user,
      email: composeShareEmail({ ...notice, recipientName: user.displayName, link, expiresAt }),
      secrets: [secret],
    })),
  );
}

/** What the person whose link was withdrawn is told: the link is dead, and nothing is asked of them any more. */
export function composeWithdrawalEmail(f: {
  recipientName: string;
  adminName: string;
  organizationName: string;
  productName: string;
  requesterName: string;
}): ComposedEmail {
  return renderEmail(`${f.adminName} no longer needs your opinion on a request for ${f.productName}`, [
    `Hello ${f.recipientName},`,
    "",
    `${f.adminName} of ${f.organizationName} withdrew the request for your opinion on ${f.requesterName}'s request for ${f.productName}.`,
    "The link you were sent no longer works, and nothing is asked of you.",
  ]);
}

/** The withdrawal email, in the revocation's unit of work (one per withdrawn link). */
export async function writeWithdrawalEmail(
  unit: UnitOfWork,
  notice: { organizationId: number; requestId: number; at: Date; to: UserEntity } & Parameters<typeof composeWithdrawalEmail>[0],
): Promise<void> {
  await writeOutboxEmails(unit, notice, [{ to: notice.to, email: composeWithdrawalEmail(notice) }]);
}
