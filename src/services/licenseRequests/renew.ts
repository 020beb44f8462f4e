/**
 * requestLicenseRenewal (api.md "Policies"): for one of the viewer's own held
 * licenses that expires, a new request for its product and its holder
 * (`renewalOf`), made by the submission's own core (submit.ts createRequest):
 * it is decided like any other request (listed, noticed to its deciders,
 * logged, published, under its product's policy). Its holder is exempt from
 * "already holds the product"; a pending request naming them for it still
 * refuses it. Approving it moves the license's expiry (approve.ts).
 *
 * Refusals are user errors and change nothing: another's license, or an ID
 * that names nothing, NOT_FOUND (the same answer: nobody learns of another's
 * licenses); a reclaimed license, or one that does not expire, INVALID_INPUT.
 */
import { can } from "../access/policy";
import { failed, Outcome, UserError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput, MutationResult } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import { abort, abortIf, LicenseRequestDeps } from "./deps";
import { renewalErrors } from "./messages";
import { checkJustification, renewalRefusal, renewalSubmission } from "./rules";
import { createRequest, submissionCodec, SubmitResult } from "./submit";

export interface RenewalInput extends MutationInput {
  assignmentId: LocalId;
  justification?: string | null | undefined;
}

/** The submission core's fields as the renewal's input names them: the product is the license's. */
const asRenewalErrors = (errors: readonly UserError[]): UserError[] =>
  errors.map((e) => (e.field?.[0] === "productId" ? { ...e, field: ["assignmentId"] } : e));

export async function requestRenewal(deps: LicenseRequestDeps, viewer: Viewer, input: RenewalInput, now: Date): Promise<Outcome<MutationResult<SubmitResult>>> {
  const { assignmentId } = input;
  if (assignmentId === null) return failed(renewalErrors.noSuchLicense());
  const justification = checkJustification(input.justification);
  if (!justification.ok) return justification;
  const { store } = deps;
  return deps.mutations.run(
    viewer,
    "requestLicenseRenewal",
    input,
    async (unit) => {
      const license = await store.license(unit.manager, viewer.organizationId, assignmentId);
      if (!license || !can(viewer, "license.renew", license)) return abort(renewalErrors.noSuchLicense());
      const product = await store.product(unit.manager, viewer.organizationId, license.productId);
      const refusal = renewalRefusal(license, product!.name);
      abortIf(refusal ? [refusal] : []);
      try {
        return await createRequest(deps, unit, viewer, renewalSubmission(viewer.userId, license.productId, justification.value), now, license);
      } catch (error) {
        if (error instanceof UserErrorsAbort) throw new UserErrorsAbort(asRenewalErrors(error.userErrors));
        throw error;
      }
    },
    submissionCodec(deps, viewer),
  );
}
