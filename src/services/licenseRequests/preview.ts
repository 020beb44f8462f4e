/**
 * previewLicenseRequestDecision (api.md "The admin center today", Preview):
 * what an approval or denial would do, changing nothing. It reads what the
 * real decision reads (readApproval, readDenial), with plain reads outside
 * any transaction and without a lock, and plans it as the real decision does
 * (decisionPlan.ts); it never applies: no statement writes, nothing is rolled
 * back, no email, event or idempotency record comes of it (the preview takes
 * no key), and no ID is used up.
 */
import type { GroupEntity, ProductEntity, UserEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { writtenEmails, WrittenEmail } from "../shared/outbox";
import type { UserError } from "../shared/errors";
import { malformedTextErrors } from "../shared/text";
import type { Viewer } from "../shared/viewer";
import { approvalPrecheck, readApproval } from "./approve";
import { planApprovalDecision, planDenialDecision, RecipientOutcome } from "./decisionPlan";
import { denialPrecheck, readDenial } from "./deny";
import type { LicenseRequestDeps } from "./deps";
import { DecisionInput, decisionKindErrors } from "./rules";

export interface DecisionPreview {
  /** The request's local ID when the input names one (visibility is the reader's to judge). */
  requestId: number | null;
  approvedUsers: UserEntity[];
  deniedUsers: UserEntity[];
  product: ProductEntity | null;
  group: GroupEntity | null;
  availableLicensesAfter: number | null;
  emails: WrittenEmail[];
  userErrors: UserError[];
}

const NOTHING = { approvedUsers: [], deniedUsers: [], product: null, group: null, availableLicensesAfter: null, emails: [] };

const whoIs = (outcomes: readonly RecipientOutcome[], decision: RecipientOutcome["decision"]) =>
  outcomes.filter((o) => o.decision === decision).map((o) => o.user);

export async function previewDecision(deps: LicenseRequestDeps, viewer: Viewer, input: DecisionInput, now: Date): Promise<DecisionPreview> {
  assertCan(viewer, "requests.decideAny", organizationOf(viewer));
  const approving = input.decision === "APPROVE";
  const { requestId, errors } = approving ? approvalPrecheck(input) : denialPrecheck(input);
  // The refusals the real calls give before they read, in their order (the text check is the idempotent runner's, after the precheck).
  const refused = [decisionKindErrors(input), errors, malformedTextErrors(input)].find((found) => found.length > 0);
  if (requestId === null || refused) return { requestId, ...NOTHING, userErrors: refused ?? [] };
  // Plain reads through the data source: no transaction, no lock.
  const { manager } = deps.db.dataSource;

  if (!approving) {
    const read = await readDenial(deps, manager, viewer, requestId, now, false);
    if (!read.ok) return { requestId, ...NOTHING, userErrors: read.userErrors };
    const plan = planDenialDecision(read.value, input, read.value.deciderName);
    return { requestId, ...NOTHING, deniedUsers: whoIs(plan.outcomes, "DENIED"), emails: writtenEmails(plan.emails), userErrors: [] };
  }

  const read = await readApproval(deps, manager, viewer, requestId, input, now, false);
  if (!read.ok) return { requestId, ...NOTHING, userErrors: read.userErrors };
  const planned = planApprovalDecision(read.value, input, read.value.deciderName);
  if (!planned.ok) return { requestId, ...NOTHING, userErrors: planned.userErrors };
  const plan = planned.value;
  const { shortage, available, needed } = plan.pool;
  return {
    requestId,
    approvedUsers: whoIs(plan.outcomes, "APPROVED"),
    deniedUsers: whoIs(plan.outcomes, "DENIED"),
    // As read; the count after the decision is availableLicensesAfter (unchanged when the pool cannot serve it).
    product: plan.product,
    group: plan.group,
    availableLicensesAfter: shortage ? available : available - needed,
    emails: shortage ? [] : writtenEmails(plan.emails),
    userErrors: shortage ? [shortage] : [],
  };
}
