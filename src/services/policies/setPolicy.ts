/**
 * setLicenseRequestPolicy (api.md "Policies"): whoever manages the request
 * process sets one product's policy; an omitted part keeps its value, an
 * explicit null turns it off. Checked before anything is read: the numbers'
 * ranges and the IDs; then, under the product's row lock: the product, the
 * group (of the organization) and the plans (of the product). The change is
 * recorded with the policy, in the same transaction; nothing is half-applied.
 */
import { assertCan, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { PolicyDeps } from "./deps";
import { appliedPolicy, noSuchPlan, PolicyChange, policyChangeErrors, PolicyRecord } from "./rules";

export interface SetPolicyInput extends MutationInput, PolicyChange {
  productId: LocalId;
}

const noSuchProduct = () => userError("NOT_FOUND", "No such product.", ["productId"]);
const noSuchGroup = () => userError("NOT_FOUND", "No such group in this organization.", ["autoApprove", "requesterGroupId"]);

export async function setLicenseRequestPolicy(deps: PolicyDeps, viewer: Viewer, input: SetPolicyInput, now: Date) {
  assertCan(viewer, "process.manage", organizationOf(viewer));
  const { productId } = input;
  if (productId === null) return failed<never>(noSuchProduct());
  const errors = policyChangeErrors(input);
  if (errors.length) return failed<never>(...errors);
  const organizationId = viewer.organizationId;
  const { store } = deps;
  return deps.mutations.run<PolicyRecord, { productId: number }>(
    viewer,
    "setLicenseRequestPolicy",
    input,
    async ({ manager }) => {
      const product = await store.productForUpdate(manager, organizationId, productId);
      if (!product) throw new UserErrorsAbort([noSuchProduct()]);
      const auto = input.autoApprove;
      if (auto?.requesterGroupId != null && !(await store.groupExists(manager, organizationId, auto.requesterGroupId)))
        throw new UserErrorsAbort([noSuchGroup()]);
      if (auto?.disabledPlanIds?.length) {
        const plans = await store.planIdsOf(manager, organizationId, productId);
        const foreign = auto.disabledPlanIds.findIndex((id) => id === null || !plans.has(id));
        if (foreign >= 0) throw new UserErrorsAbort([noSuchPlan(foreign)]);
      }
      const current = await store.policy(manager, organizationId, productId);
      return store.save(manager, organizationId, productId, appliedPolicy(current, input), now, viewer.userId);
    },
    {
      encode: (policy) => ({ productId: policy.productId }),
      decode: ({ productId: id }) => store.policy(deps.db.dataSource.manager, organizationId, id),
    },
  );
}
