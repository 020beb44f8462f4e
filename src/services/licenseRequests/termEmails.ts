/**
 * The emails of licenses for a while (api.md "Policies"), to the holder: the
 * expiry notices (14 days and 1 day before: when it expires, and that a
 * renewal can be asked for on My requests) and the reclaim (the license went
 * back to the pool; the product can be requested anew). Laid out by the one
 * email layout (services/shared/email.ts); written to the outbox by the sweep
 * that claims them, in its transaction (terms.ts).
 */
import { ComposedEmail, EmailBlock, renderEmail, utcTime } from "../shared/email";

/** What the holder's emails name. */
export interface HeldLicenseFacts {
  organizationName: string;
  holderName: string;
  productName: string;
  expiresAt: Date;
  /** My requests (`${publicUrl}/requests/mine`): where a renewal, or a new request, is asked for. */
  myRequestsUrl: string;
}

const days = (n: number) => (n === 1 ? "1 day" : `${n} days`);

export function composeExpiryNoticeEmail(f: HeldLicenseFacts & { daysLeft: number }): ComposedEmail {
  const blocks: EmailBlock[] = [
    `Hello ${f.holderName},`,
    "",
    `Your license of ${f.productName} (${f.organizationName}) expires on ${utcTime(f.expiresAt)}. Then it is reclaimed: its seat goes back to the pool.`,
    "If you still need it, ask for it to be renewed before then, on My requests.",
    "",
    { link: { label: "Renew it on My requests", url: f.myRequestsUrl } },
  ];
  return renderEmail(`Your license of ${f.productName} expires in ${days(f.daysLeft)}`, blocks);
}

export function composeReclaimEmail(f: HeldLicenseFacts & { groupName: string | null }): ComposedEmail {
  const blocks: EmailBlock[] = [
    `Hello ${f.holderName},`,
    "",
    `Your license of ${f.productName} (${f.organizationName}) expired on ${utcTime(f.expiresAt)} and was reclaimed: its seat went back to the pool.`,
    ...(f.groupName ? [`You are no longer a member of the group ${f.groupName}, through which it came.`] : []),
    "If you still need it, request it anew on My requests.",
    "",
    { link: { label: "My requests", url: f.myRequestsUrl } },
  ];
  return renderEmail(`Your license of ${f.productName} was reclaimed`, blocks);
}
