/**
 * The emails of admin notices (api.md "Admin notices"): a new request (to each
 * global admin, at once), the daily digest (to each global admin, the day's
 * new requests), the reminder seven days before a pending request expires (to
 * each global admin), and the expiry (to the requester). Every text a person
 * wrote or named is HTML-escaped; each email links to the Requests page.
 * The `write…` functions put the emails into the outbox with the caller's
 * unit of work, so they commit (or roll back) with what owes them.
 */
import type { UserEntity } from "../../entities";
import { ComposedEmail, EmailBlock, renderEmail } from "../shared/email";
import { writeOutboxEmails } from "../shared/outbox";
import type { UnitOfWork } from "../shared/unitOfWork";

/** A request as the notices describe it. */
export interface NoticeRequest {
  id: number;
  productName: string;
  requesterName: string;
  /** Everyone the request asks a license for, the requester first. */
  recipientNames: string[];
  justification: string | null;
  requestedAt: Date;
  expiresAt: Date;
  /** The status as it reads when the notice is written (the digest lists decided requests too). */
  status?: string | undefined;
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

/** `lines` (paragraphs; "" a blank line), a blank line and a link. */
function render(subject: string, lines: string[], link: { text: string; url: string }): ComposedEmail {
  const blocks: EmailBlock[] = [...lines, "", { link: { label: link.text, url: link.url } }];
  return renderEmail(subject, blocks);
}

function describe(request: NoticeRequest): string[] {
  const lines = [`${request.requesterName} asked for ${request.productName} for ${people(request.recipientNames)}: ${request.recipientNames.join(", ")}.`];
  if (request.justification) lines.push("", "Justification:", request.justification);
  return lines;
}

export function composeNewRequestEmail(f: { organizationName: string; adminName: string; request: NoticeRequest; requestsUrl: string }): ComposedEmail {
  const r = f.request;
  return render(
    `New license request: ${r.productName} from ${r.requesterName}`,
    [
      `Hello ${f.adminName},`,
      "",
      `A new license request arrived for ${f.organizationName}.`,
      ...describe(r),
      "",
      `It expires on ${utcTime(r.expiresAt)} unless decided.`,
    ],
    { text: "Review it on the Requests page", url: f.requestsUrl },
  );
}

export function composeDigestEmail(f: {
  organizationName: string;
  adminName: string;
  day: Date;
  requests: NoticeRequest[];
  total: number;
  requestsUrl: string;
}): ComposedEmail {
  const count = f.total === 1 ? "1 new license request" : `${f.total} new license requests`;
  // Usually the day's requests; after days without a digest (the service was down), every one since.
  const first = f.requests.reduce((earliest, r) => (r.requestedAt < earliest ? r.requestedAt : earliest), f.day);
  const when = utcDate(first) === utcDate(f.day) ? `on ${utcDate(f.day)}` : `from ${utcDate(first)} to ${utcDate(f.day)}`;
  const lines = [`Hello ${f.adminName},`, "", `${count} arrived for ${f.organizationName} ${when} (UTC):`, ""];
  for (const r of f.requests) {
    const status = r.status ? `, ${STATUS_WORDS[r.status] ?? r.status.toLowerCase()}` : "";
    lines.push(`${utcTime(r.requestedAt)}: ${r.requesterName} asked for ${r.productName} for ${people(r.recipientNames)}${status}.`);
  }
  if (f.total > f.requests.length) lines.push(`… and ${f.total - f.requests.length} more.`);
  return render(`Daily digest: ${count} ${when}`, lines, { text: "Review them on the Requests page", url: f.requestsUrl });
}

export function composeReminderEmail(f: { organizationName: string; adminName: string; request: NoticeRequest; requestsUrl: string }): ComposedEmail {
  const r = f.request;
  return render(
    `Reminder: the request for ${r.productName} from ${r.requesterName} expires in 7 days`,
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

/** Outbox rows, one per recipient, each with its own email; how many. */
async function insertEmails(
  unit: UnitOfWork,
  organizationId: number,
  requestId: number | null,
  emails: { to: UserEntity; email: ComposedEmail }[],
  at: Date,
): Promise<number> {
  return (await writeOutboxEmails(unit, { organizationId, requestId, at }, emails)).length;
}

export interface AdminNoticeContext {
  organizationId: number;
  organizationName: string;
  admins: UserEntity[];
  requestsUrl: string;
  at: Date;
}

/** One email per global admin about a new request; how many were written. */
export function writeNewRequestEmails(unit: UnitOfWork, c: AdminNoticeContext, request: NoticeRequest): Promise<number> {
  const emails = c.admins.map((admin) => ({
    to: admin,
    email: composeNewRequestEmail({ organizationName: c.organizationName, adminName: admin.displayName, request, requestsUrl: c.requestsUrl }),
  }));
  return insertEmails(unit, c.organizationId, request.id, emails, c.at);
}

/** One digest per global admin listing `requests` (at most DIGEST_LIST_LIMIT of `total`). */
export function writeDigestEmails(unit: UnitOfWork, c: AdminNoticeContext, day: Date, requests: NoticeRequest[], total: number): Promise<number> {
  const listed = requests.slice(0, DIGEST_LIST_LIMIT);
  const emails = c.admins.map((admin) => ({
    to: admin,
    email: composeDigestEmail({ organizationName: c.organizationName, adminName: admin.displayName, day, requests: listed, total, requestsUrl: c.requestsUrl }),
  }));
  return insertEmails(unit, c.organizationId, null, emails, c.at);
}

/** One reminder per global admin of a pending request that expires in 7 days. */
export function writeReminderEmails(unit: UnitOfWork, c: AdminNoticeContext, request: NoticeRequest): Promise<number> {
  const emails = c.admins.map((admin) => ({
    to: admin,
    email: composeReminderEmail({ organizationName: c.organizationName, adminName: admin.displayName, request, requestsUrl: c.requestsUrl }),
  }));
  return insertEmails(unit, c.organizationId, request.id, emails, c.at);
}

/** One email to the requester of a request that expired. */
export function writeExpiredEmail(
  unit: UnitOfWork,
  c: { organizationId: number; organizationName: string; requestsUrl: string; at: Date },
  requester: UserEntity,
  request: NoticeRequest,
): Promise<number> {
  const email = composeExpiredEmail({ organizationName: c.organizationName, requesterName: requester.displayName, request, requestsUrl: c.requestsUrl });
  return insertEmails(unit, c.organizationId, request.id, [{ to: requester, email }], c.at);
}
