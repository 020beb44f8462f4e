/**
 * License requests (api.md "Rules"), one orchestration per mutation: each
 * reads through the store, asks the rules, writes through the store in one
 * unit of work, and hands its events to it (published after the commit).
 *
 * | room | holds |
 * | --- | --- |
 * | `rules.ts` | pure rules: submission checks, eligibility, approval plan, expiry |
 * | `messages.ts` | every user error of the feature |
 * | `store.ts` | every SQL statement and lock of the writes |
 * | `submit.ts`, `approve.ts`, `deny.ts`, `cancel.ts`, `expire.ts` | the orchestrations (a decision: read → plan → apply) |
 * | `decisionPlan.ts` | a decision's plan, pure: outcomes, the pool as read, the emails |
 * | `decideByLink.ts` | a notice email's decision link: what /decide shows, and the decision it makes (approve's and deny's code) |
 * | `decideMany.ts`, `preview.ts` | bulk decisions on approve's and deny's code; the preview: their reads and plan, never the apply |
 * | `queries.ts` | the read side: visibility, the list, single reads |
 * | `status.ts` | how a stored request reads at a given time |
 * | `notices.ts`, `noticeRules.ts`, `noticeStore.ts` | admin notices: the new-request email or digest, the reminder, the expiry email |
 * | `renew.ts`, `terms.ts`, `termEmails.ts` | licenses for a while (api.md "Policies"): requestLicenseRenewal; the sweeps of expiry notices and reclaims, and their emails |
 * | `arrival.ts`, `autoApprove.ts` | what the requested product's policy does with a new request: the manager's endorsement first, automatic approval, else the approvers' notice |
 * | `endorse.ts`, `escalate.ts` | the manager's endorsement (the API, the email's links, the /endorse page's service) and its escalation sweep |
 */
import type { Viewer } from "../shared/viewer";
import { approveRequest, ApproveInput } from "./approve";
import { cancelRequest, CancelInput } from "./cancel";
import { denyRequest, DenyInput } from "./deny";
import { decideMany, DecideManyInput } from "./decideMany";
import { decideByLink, DecideByLinkInput, decisionLinkView } from "./decideByLink";
import type { LicenseRequestDeps } from "./deps";
import { previewDecision } from "./preview";
import type { DecisionInput } from "./rules";
import { expireDue } from "./expire";
import { remindDue, sendDigests } from "../notices/notices";
import { submitRequest, SubmitInput } from "./submit";
import { requestRenewal, RenewalInput } from "./renew";
import { noticeExpiringLicenses, reclaimDue } from "./terms";
import { endorseByLink, EndorseByLinkInput, endorsementLinkView, endorseRequest, EndorseInput } from "./endorse";
import { escalateDue } from "./escalate";

export type { ApproveInput, ApproveResult } from "./approve";
export type { CancelInput } from "./cancel";
export type { DenyInput } from "./deny";
export type { DecideManyInput, DecisionResult } from "./decideMany";
export type { DecideByLinkInput, DecisionLinkView, LinkVerdict } from "./decideByLink";
export type { DecisionPreview } from "./preview";
export type { DecisionInput } from "./rules";
export type { SubmitInput, SubmitResult } from "./submit";
export type { RenewalInput } from "./renew";
export type { EndorseByLinkInput, EndorseInput } from "./endorse";

export class LicenseRequests {
  constructor(private readonly deps: LicenseRequestDeps) {}

  submit(viewer: Viewer, input: SubmitInput, now: Date) {
    return submitRequest(this.deps, viewer, input, now);
  }

  approve(viewer: Viewer, input: ApproveInput, now: Date) {
    return approveRequest(this.deps, viewer, input, now);
  }

  deny(viewer: Viewer, input: DenyInput, now: Date) {
    return denyRequest(this.deps, viewer, input, now);
  }

  /** decideLicenseRequests: each decision on its own transaction, results in input order. */
  decideMany(viewer: Viewer, input: DecideManyInput, now: Date) {
    return decideMany(this.deps, viewer, input, now);
  }

  /** decideLicenseRequestByLink and POST /decide: no viewer, the link's secret is the credential. */
  decideByLink(input: DecideByLinkInput, now: Date) {
    return decideByLink(this.deps, input, now);
  }

  /** What GET /decide shows for a link, or why it cannot decide; changes nothing. */
  linkView(secret: string, now: Date) {
    return decisionLinkView(this.deps, secret, now);
  }

  /** What a decision would do, changing nothing. */
  preview(viewer: Viewer, input: DecisionInput, now: Date) {
    return previewDecision(this.deps, viewer, input, now);
  }

  cancel(viewer: Viewer, input: CancelInput, now: Date) {
    return cancelRequest(this.deps, viewer, input, now);
  }

  /** The sweep: stores EXPIRED for every pending request past its expiry at `now`; how many. */
  expireDue(now: Date, batchSize?: number) {
    return expireDue(this.deps, now, batchSize);
  }

  /** endorseLicenseRequest: the request's manager endorses or declines it. */
  endorse(viewer: Viewer, input: EndorseInput, now: Date) {
    return endorseRequest(this.deps, viewer, input, now);
  }

  /** endorseLicenseRequestByLink and POST /endorse: no viewer, the link's secret is the credential. */
  endorseByLink(input: EndorseByLinkInput, now: Date) {
    return endorseByLink(this.deps, input, now);
  }

  /** What GET /endorse shows for a manager's link, or why it cannot be used; changes nothing. */
  endorsementLinkView(secret: string, now: Date) {
    return endorsementLinkView(this.deps, secret, now);
  }

  /** The sweep: sends every request whose manager did not answer in time to the approvers, once; how many. */
  escalateDue(now: Date, batchSize?: number) {
    return escalateDue(this.deps, now, batchSize);
  }

  /** The sweep: reminds the admins, once, of each pending request seven days from its expiry; how many. */
  remindDue(now: Date, batchSize?: number) {
    return remindDue(this.deps, now, batchSize);
  }

  /** The sweep: writes each organization's daily digest once its UTC day is over; how many digests had requests. */
  sendDigests(now: Date) {
    return sendDigests(this.deps, now);
  }

  /** requestLicenseRenewal: a request to extend one of the viewer's own licenses that expire. */
  renew(viewer: Viewer, input: RenewalInput, now: Date) {
    return requestRenewal(this.deps, viewer, input, now);
  }

  /** The sweep: tells each holder, once each, 14 days and 1 day before their license expires; how many notices. */
  noticeExpiringLicenses(now: Date, batchSize?: number) {
    return noticeExpiringLicenses(this.deps, now, batchSize);
  }

  /** The sweep: reclaims, once, every held license expired at `now`; how many. */
  reclaimDue(now: Date, batchSize?: number) {
    return reclaimDue(this.deps, now, batchSize);
  }
}
