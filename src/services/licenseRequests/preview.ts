/**
 * previewLicenseRequestDecision (api.md "The admin center today", Preview):
 * what an approval or denial would do, changing nothing. It runs the real
 * decision (approveInUnit, denyInUnit: the same checks, the pool taken under
 * its lock, so the counts are read now) in a transaction that is always
 * rolled back: no rows stay, no email is sent, no event is published (they
 * go out only after a commit), and no idempotency record is written (the
 * preview takes no key).
 */
import type { GroupEntity, ProductEntity, UserEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import type { WrittenEmail } from "../shared/outbox";
import { UserError, UserErrorsAbort } from "../shared/errors";
import { malformedTextErrors } from "../shared/text";
import type { Viewer } from "../shared/viewer";
import { approvalPrecheck, approveInUnit } from "./approve";
import { denialPrecheck, denyInUnit } from "./deny";
import type { DecisionTrace, LicenseRequestDeps } from "./deps";
import { availableLicenses, DecisionInput, decisionKindErrors } from "./rules";

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

/** Thrown at the end of the preview's unit of work: it rolls the transaction back and carries the answer out. */
class PreviewRollback extends Error {
  constructor(readonly preview: DecisionPreview) {
    super("preview rolled back");
  }
}

const NOTHING = { approvedUsers: [], deniedUsers: [], product: null, group: null, availableLicensesAfter: null, emails: [] };

export async function previewDecision(deps: LicenseRequestDeps, viewer: Viewer, input: DecisionInput, now: Date): Promise<DecisionPreview> {
  assertCan(viewer, "request.decide", organizationOf(viewer));
  const approving = input.decision === "APPROVE";
  const { requestId, errors } = approving ? approvalPrecheck(input) : denialPrecheck(input);
  // The same refusals, in the same order, as the real calls (the text check is the idempotent runner's first).
  const before = [...decisionKindErrors(input), ...malformedTextErrors(input), ...errors];
  if (requestId === null || before.length) return { requestId, ...NOTHING, userErrors: before };
  try {
    await deps.db.transaction(async (unit) => {
      const trace: DecisionTrace = {};
      let userErrors: UserError[] = [];
      try {
        if (approving) await approveInUnit(deps, unit, viewer, requestId, input, now, trace);
        else await denyInUnit(deps, unit, viewer, requestId, input, now, trace);
      } catch (error) {
        if (!(error instanceof UserErrorsAbort)) throw error;
        userErrors = error.userErrors;
      }
      const pool = trace.product ? await deps.store.productForUpdate(unit.manager, trace.product.id) : null;
      const people = (ids: number[] | undefined) => (ids ?? []).map((id) => trace.users?.get(id)).filter((u): u is UserEntity => u !== undefined);
      throw new PreviewRollback({
        requestId,
        approvedUsers: people(trace.approvedUserIds),
        deniedUsers: people(trace.deniedUserIds),
        // As it is now; the count after the decision is availableLicensesAfter.
        product: trace.product ?? null,
        group: trace.group ?? null,
        availableLicensesAfter: pool ? availableLicenses(pool) : null,
        emails: userErrors.length ? [] : (trace.emails ?? []),
        userErrors,
      });
    });
  } catch (error) {
    if (error instanceof PreviewRollback) return error.preview;
    throw error;
  }
  throw new Error("the preview's unit of work returned without rolling back");
}
