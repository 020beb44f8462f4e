/** Who decides, read per operation: a product's approvers, delegations by id. */
import DataLoader from "dataloader";
import { ApprovalDelegationEntity, UserEntity } from "../../entities";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { byId, groupBy, int, nullableTime, placeholders, rowMapper, rows, time } from "../shared/rows";
import { userRow } from "../users/loaders";

export const delegationRow = rowMapper(ApprovalDelegationEntity, {
  id: int,
  organizationId: int,
  fromUserId: int,
  toUserId: int,
  startsAt: time,
  endsAt: time,
  createdAt: time,
  cancelledAt: nullableTime,
});

export function deciderLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  return {
    /** Each product's approvers, in the order they were set: one statement for every product of the operation. */
    approvers: new DataLoader<number, UserEntity[]>(async (productIds) => {
      const found = await rows(
        db,
        `SELECT pa.\`productId\` AS approver_productId, ${userRow.qualified("u")} FROM \`product_approver\` pa JOIN \`app_user\` u ON u.\`id\` = pa.\`userId\` ` +
          `WHERE pa.\`organizationId\` = ? AND pa.\`productId\` IN (${placeholders(productIds.length)}) ORDER BY pa.\`productId\`, pa.\`position\``,
        scoped(scope, productIds),
        (row) => ({ productId: Number(row["approver_productId"]), user: userRow.map(row) }),
      );
      return groupBy(found, (r) => r.productId, productIds).map((group) => group.map((r) => r.user));
    }, batching),
    delegation: new DataLoader<number, ApprovalDelegationEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${delegationRow.columns} FROM \`approval_delegation\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            [organizationId, ...ids],
            delegationRow.map,
          ),
          ids,
        ),
      batching,
    ),
  };
}

export type DeciderLoaders = ReturnType<typeof deciderLoaders>;
