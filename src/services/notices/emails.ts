/**
 * The emails of admin notices (api.md "Admin notices", "Who decides"): a new
 * request (to each person who may decide it, at once), the daily digest (to
 * each such person, the requests of the day they decide), the reminder
 * min(7 days, half the request's lifetime) before a pending request expires
 * (to each person who may decide it), and the expiry (to the requester).
 * A new request's notice, alone or in the digest, may carry the person's
 * Approve and Deny links (decision links: one secret for both, which the
 * outbox keeps only until the email is sent). Every text a person wrote or
 * named is HTML-escaped; each email links to the Requests page.
 * The `write…` functions put the emails into the outbox with the caller's
 * unit of work, so they commit (or roll back) with what owes them.
 */
import type { UserEntity } from "../../entities";
import { ComposedEmail, EmailBlock, renderEmail } from "../shared/email";
import { OutboxEmail, writeOutboxEmails } from "../shared/outbox";
import type { UnitOfWork } from "../shared/unitOfWork";
import { remainingTime } from "./rules";

/** A request as the notices describe it. */
export interface NoticeRequest {
  id: number;
  /** The requested product (whose deciders the notice goes to). */
  productId: number;
  productName: string;
  requesterName: string;
  /** Everyone the request asks a license for, the requester first. */
  recipientNames: string[];
  /** Their user IDs, in the same order (a recipient gets no decision links). */
  recipientIds: number[];
  justification: string | null;
  requestedAt: Date;
  expiresAt: Date;
  /** The status as it reads when the notice is written (the digest lists decided requests too). */
  status?: string | undefined;
  /** The manager's endorsement, when the approvers hear of the request after it (api.md "Policies"): given, or not in time. */
  endorsement?: { state: "ENDORSED" | "ESCALATED"; managerName: string; comment: string | null } | null | undefined;
}

/** At most this many requests are listed one by one in a digest; the rest are counted. */
export const DIGEST_LIST_LIMIT = 200;

/** 2026-12-01 14:05 UTC */
const utcTime = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const utcDate = (at: Date) => at.toISOString().slice(0, 10);
const people = (names: string[]) => (names.length === 1 ? "1 person" : `${names.length} people`);
const STATUS_WORDS: Record<string, string> = {
  PENDING: "pending",
  APPROVED: "approved",
  PARTIALLY_APPROVED: "partially approved",
  DENIED: "denied",
  EXPIRED: "expired",
  CANCELLED: "cancelled",
};

/** `lines` (paragraphs; "" a blank line; or other blocks), a blank line and a link. */
function render(subject: string, lines: EmailBlock[], link: { text: string; url: string }): ComposedEmail {
  const blocks: EmailBlock[] = [...lines, "", { link: { label: link.text, url: link.url } }];
  return renderEmail(subject, blocks);
}

/** A person's Approve and Deny links of one request (one secret, in both URLs), and when they stop working. */
export interface DecisionLinks {
  approveUrl: string;
  denyUrl: string;
  secret: string;
  expiresAt: Date;
}

/** The links to /decide of `secret`: the page asks to confirm before anything is decided. */
export function decisionLinkUrls(publicUrl: string, secret: string): Pick<DecisionLinks, "approveUrl" | "denyUrl"> {
  const base = `${publicUrl}/decide?token=${secret}&verdict=`;
  return { approveUrl: `${base}APPROVE`, denyUrl: `${base}DENY` };
}

/** A manager's Endorse and Decline links of one request (one secret, in both URLs), and when they stop working (api.md "Policies"). */
export interface EndorsementLinks {
  endorseUrl: string;
  declineUrl: string;
  secret: string;
  expiresAt: Date;
}

/** The links to /endorse of `secret`: the page asks to confirm before anything is done. */
export function endorsementLinkUrls(publicUrl: string, secret: string): Pick<EndorsementLinks, "endorseUrl" | "declineUrl"> {
  const base = `${publicUrl}/endorse?token=${secret}&verdict=`;
  return { endorseUrl: `${base}ENDORSE`, declineUrl: `${base}DECLINE` };
}

function linkBlocks(links: DecisionLinks, what: string): EmailBlock[] {
  return [{ link: { label: `Approve ${what}`, url: links.approveUrl } }, { link: { label: `Deny ${what}`, url: links.denyUrl } }];
}

function describe(request: NoticeRequest): string[] {
  const lines = [`${request.requesterName} asked for ${request.productName} for ${people(request.recipientNames)}: ${request.recipientNames.join(", ")}.`];
  if (request.justification) lines.push("", "Justification:", request.justification);
  const endorsement = request.endorsement;
  if (endorsement?.state === "ESCALATED") lines.push("", `Not endorsed: ${endorsement.managerName}, the requester's manager, did not answer in time.`);
  if (endorsement?.state === "ENDORSED") {
    lines.push("", `Endorsed by ${endorsement.managerName}, the requester's manager.`);
    if (endorsement.comment) lines.push("Their comment:", endorsement.comment);
  }
  return lines;
}

/** The endorsement in a digest's line of one request: ", endorsed", ", not endorsed" or nothing. */
const endorsementWords = (request: NoticeRequest) =>
  request.endorsement?.state === "ESCALATED" ? ", not endorsed" : request.endorsement?.state === "ENDORSED" ? ", endorsed" : "";

export function composeNewRequestEmail(f: {
  organizationName: string;
  adminName: string;
  request: NoticeRequest;
  requestsUrl: string;
  links?: DecisionLinks | null | undefined;
}): ComposedEmail {
  const r = f.request;
  const links: EmailBlock[] = f.links
    ? ["", ...linkBlocks(f.links, "it"), `Each link asks you to confirm before anything is decided; it works once, until ${utcTime(f.links.expiresAt)}.`]
    : [];
  return render(
    `New license request: ${r.productName} from ${r.requesterName}`,
    [
      `Hello ${f.adminName},`,
      "",
      `A new license request arrived for ${f.organizationName}.`,
      ...describe(r),
      "",
      `It expires on ${utcTime(r.expiresAt)} unless decided.`,
      ...links,
    ],
    { text: "Review it on the Requests page", url: f.requestsUrl },
  );
}

/** To the requester's manager: the request awaits their endorsement, with their Endorse and Decline links. */
export function composeEndorsementEmail(f: {
  organizationName: string;
  managerName: string;
  request: NoticeRequest;
  requestsUrl: string;
  links: EndorsementLinks;
}): ComposedEmail {
  const r = f.request;
  return render(
    `Your endorsement is asked: ${r.productName} for ${r.requesterName}`,
    [
      `Hello ${f.managerName},`,
      "",
      `${r.requesterName} asked for a license at ${f.organizationName}, and the product's request policy asks you, as their manager, to endorse the request before the approvers decide it.`,
      ...describe(r),
      "",
      { link: { label: "Endorse it", url: f.links.endorseUrl } },
      { link: { label: "Decline it", url: f.links.declineUrl } },
      `Each link asks you to confirm before anything is done; it works once, until ${utcTime(f.links.expiresAt)}. Declining denies the request. Without your answer by then, the approvers decide it without your endorsement.`,
    ],
    { text: "See it on the Requests page", url: f.requestsUrl },
  );
}

export function composeDigestEmail(f: {
  organizationName: string;
  adminName: string;
  day: Date;
  requests: NoticeRequest[];
  total: number;
  requestsUrl: string;
  /** The person's links, by request ID, of the listed requests they may decide now. */
  links?: ReadonlyMap<number, DecisionLinks> | undefined;
}): ComposedEmail {
  const count = f.total === 1 ? "1 new license request" : `${f.total} new license requests`;
  // Usually the day's requests; after days without a digest (the service was down), every one since.
  const first = f.requests.reduce((earliest, r) => (r.requestedAt < earliest ? r.requestedAt : earliest), f.day);
  const when = utcDate(first) === utcDate(f.day) ? `on ${utcDate(f.day)}` : `from ${utcDate(first)} to ${utcDate(f.day)}`;
  const lines: EmailBlock[] = [`Hello ${f.adminName},`, "", `${count} arrived for ${f.organizationName} ${when} (UTC):`, ""];
  let linked = false;
  for (const r of f.requests) {
    const status = r.status ? `, ${STATUS_WORDS[r.status] ?? r.status.toLowerCase()}` : "";
    lines.push(`${utcTime(r.requestedAt)}: ${r.requesterName} asked for ${r.productName} for ${people(r.recipientNames)}${status}${endorsementWords(r)}.`);
    const links = f.links?.get(r.id);
    if (links) {
      lines.push(...linkBlocks(links, `${r.requesterName}'s request`));
      linked = true;
    }
  }
  if (f.total > f.requests.length) lines.push(`… and ${f.total - f.requests.length} more.`);
  if (linked) {
    lines.push(
      "",
      "Each Approve or Deny link asks you to confirm before anything is decided; it works once, for 7 days at most, and never past its request's expiry.",
    );
  }
  return render(`Daily digest: ${count} ${when}`, lines, { text: "Review them on the Requests page", url: f.requestsUrl });
}

/** The reminder written at `now`: it says how long the request has left. */
export function composeReminderEmail(f: {
  organizationName: string;
  adminName: string;
  request: NoticeRequest;
  requestsUrl: string;
  now: Date;
}): ComposedEmail {
  const r = f.request;
  return render(
    `Reminder: the request for ${r.productName} from ${r.requesterName} expires in ${remainingTime(f.now, r.expiresAt)}`,
    [
      `Hello ${f.adminName},`,
      "",
      `A license request of ${f.organizationName} is still pending and expires on ${utcTime(r.expiresAt)} unless decided.`,
      ...describe(r),
    ],
    { text: "Decide it on the Requests page", url: f.requestsUrl },
  );
}

export function composeExpiredEmail(f: { organizationName: string; requesterName: string; request: NoticeRequest; requestsUrl: string }): ComposedEmail {
  const r = f.request;
  return render(
    `Your request for ${r.productName} expired`,
    [
      `Hello ${f.requesterName},`,
      "",
      `Your license request for ${r.productName} of ${utcTime(r.requestedAt)} expired on ${utcTime(r.expiresAt)}: no admin of ${f.organizationName} decided it in time.`,
      "You may send it again.",
    ],
    { text: "Your requests", url: f.requestsUrl },
  );
}

export interface AdminNoticeContext {
  organizationId: number;
  organizationName: string;
  requestsUrl: string;
  at: Date;
}

/** A person a notice goes to, with their decision links by request ID (none: the notice carries no links for them). */
export interface NoticeReader {
  user: UserEntity;
  links: ReadonlyMap<number, DecisionLinks>;
}

function emailWithSecrets(to: UserEntity, email: ComposedEmail, links: Iterable<DecisionLinks>): OutboxEmail {
  const secrets = [...links].map((l) => l.secret);
  return secrets.length ? { to, email, secrets } : { to, email };
}

/** One email per reader about a new request, each with the reader's links; how many were written. */
export async function writeNewRequestEmails(
  unit: UnitOfWork,
  c: AdminNoticeContext,
  readers: readonly NoticeReader[],
  request: NoticeRequest,
): Promise<number> {
  const emails = readers.map(({ user, links }) => {
    const own = links.get(request.id);
    const email = composeNewRequestEmail({
      organizationName: c.organizationName,
      adminName: user.displayName,
      request,
      requestsUrl: c.requestsUrl,
      links: own,
    });
    return emailWithSecrets(user, email, own ? [own] : []);
  });
  return (await writeOutboxEmails(unit, { organizationId: c.organizationId, requestId: request.id, at: c.at }, emails)).length;
}

/** One digest for `reader` listing `requests` (at most DIGEST_LIST_LIMIT of their `total`), with their links. */
export async function writeDigestEmail(
  unit: UnitOfWork,
  c: AdminNoticeContext,
  reader: NoticeReader,
  day: Date,
  requests: NoticeRequest[],
  total: number,
): Promise<number> {
  const listed = requests.slice(0, DIGEST_LIST_LIMIT);
  const email = composeDigestEmail({
    organizationName: c.organizationName,
    adminName: reader.user.displayName,
    day,
    requests: listed,
    total,
    requestsUrl: c.requestsUrl,
    links: reader.links,
  });
  const links = listed.flatMap((r) => reader.links.get(r.id) ?? []);
  return (await writeOutboxEmails(unit, { organizationId: c.organizationId, requestId: null, at: c.at }, [emailWithSecrets(reader.user, email, links)])).length;
}

/** The manager's email asking for their endorsement, with their links (the outbox keeps the secret only until it is sent). */
export async function writeEndorsementEmail(
  unit: UnitOfWork,
  c: AdminNoticeContext,
  manager: UserEntity,
  request: NoticeRequest,
  links: EndorsementLinks,
): Promise<number> {
  const email = composeEndorsementEmail({ organizationName: c.organizationName, managerName: manager.displayName, request, requestsUrl: c.requestsUrl, links });
  return (
    await writeOutboxEmails(unit, { organizationId: c.organizationId, requestId: request.id, at: c.at }, [{ to: manager, email, secrets: [links.secret] }])
  ).length;
}

/** One reminder per person who may decide a pending request whose reminder is due (no decision links). */
export async function writeReminderEmails(unit: UnitOfWork, c: AdminNoticeContext, readers: readonly UserEntity[], request: NoticeRequest): Promise<number> {
  const emails = readers.map((user) => ({
    to: user,
    email: composeReminderEmail({ organizationName: c.organizationName, adminName: user.displayName, request, requestsUrl: c.requestsUrl, now: c.at }),
  }));
  return (await writeOutboxEmails(unit, { organizationId: c.organizationId, requestId: request.id, at: c.at }, emails)).length;
}

/** One email to the requester of a request that expired. */
export async function writeExpiredEmail(unit: UnitOfWork, c: AdminNoticeContext, requester: UserEntity, request: NoticeRequest): Promise<number> {
  const email = composeExpiredEmail({ organizationName: c.organizationName, requesterName: requester.displayName, request, requestsUrl: c.requestsUrl });
  return (await writeOutboxEmails(unit, { organizationId: c.organizationId, requestId: request.id, at: c.at }, [{ to: requester, email }])).length;
}
