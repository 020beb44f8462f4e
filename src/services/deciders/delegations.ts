/**
 * delegateApprovals and cancelApprovalDelegation (api.md "Who decides").
 * Whoever decides requests by their own right (an admin role, or approver of
 * a product) lends it to one person of the organization for a window of at
 * most 90 days; one delegation per delegate while it is open or ahead; the
 * delegator's row is locked so that two calls at once make one. What a
 * delegation lends is computed when used (services/access/rights.ts). A
 * delegation is ended by its delegator, its delegate, or whoever manages the
 * request process; anyone else is told it does not exist.
 */
import { ApprovalDelegationEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { DeciderDeps } from "./deps";
import { delegationWindow, isOpenOrAhead } from "./rules";

export interface DelegateInput extends MutationInput {
  toUserId: LocalId;
  startsAt?: Date | null | undefined;
  endsAt: Date;
}

const noSuchPerson = () => userError("NOT_FOUND", "No such person in this organization.", ["toUserId"]);
const noSuchDelegation = () => userError("NOT_FOUND", "No such delegation.", ["delegationId"]);

export async function delegateApprovals(deps: DeciderDeps, viewer: Viewer, input: DelegateInput, now: Date) {
  assertCan(viewer, "delegation.lend", organizationOf(viewer));
  const { toUserId } = input;
  if (toUserId === null) return failed<never>(noSuchPerson());
  const asked = delegationWindow({ delegatorId: viewer.userId, toUserId, startsAt: input.startsAt, endsAt: input.endsAt }, now);
  if ("errors" in asked) return failed<never>(...asked.errors);
  const organizationId = viewer.organizationId;
  return deps.mutations.run<ApprovalDelegationEntity, { id: number }>(
    viewer,
    "delegateApprovals",
    input,
    async ({ manager }) => {
      await deps.store.lockUser(manager, organizationId, viewer.userId);
      const delegate = (await deps.store.users(manager, organizationId, [toUserId])).get(toUserId);
      if (!delegate) throw new UserErrorsAbort([noSuchPerson()]);
      const open = await deps.store.openDelegation(manager, organizationId, viewer.userId, toUserId, now);
      if (open) {
        throw new UserErrorsAbort([
          userError(
            "CONFLICT",
            `You already delegate to ${delegate.displayName} until ${open.endsAt.toISOString()}; cancel that delegation before making another.`,
            ["toUserId"],
          ),
        ]);
      }
      return deps.store.insertDelegation(manager, {
        organizationId,
        fromUserId: viewer.userId,
        toUserId,
        startsAt: asked.window.startsAt,
        endsAt: asked.window.endsAt,
        createdAt: now,
        cancelledAt: null,
      });
    },
    {
      encode: (delegation) => ({ id: delegation.id }),
      decode: ({ id }) => deps.db.dataSource.getRepository(ApprovalDelegationEntity).findOneByOrFail({ id }),
    },
  );
}

export interface CancelDelegationInput extends MutationInput {
  delegationId: LocalId;
}

export async function cancelApprovalDelegation(deps: DeciderDeps, viewer: Viewer, input: CancelDelegationInput, now: Date) {
  const { delegationId } = input;
  if (delegationId === null) return failed<never>(noSuchDelegation());
  return deps.mutations.run<ApprovalDelegationEntity, { id: number }>(
    viewer,
    "cancelApprovalDelegation",
    input,
    async ({ manager }) => {
      const delegation = await deps.store.delegation(manager, viewer.organizationId, delegationId);
      if (!delegation || !can(viewer, "delegation.end", delegation)) throw new UserErrorsAbort([noSuchDelegation()]);
      if (!isOpenOrAhead(delegation, now) || !(await deps.store.cancel(manager, delegation.id, now))) {
        throw new UserErrorsAbort([userError("CONFLICT", "This delegation has ended already.", ["delegationId"])]);
      }
      return Object.assign(delegation, { cancelledAt: now });
    },
    {
      encode: (delegation) => ({ id: delegation.id }),
      decode: ({ id }) => deps.db.dataSource.getRepository(ApprovalDelegationEntity).findOneByOrFail({ id }),
    },
  );
}
