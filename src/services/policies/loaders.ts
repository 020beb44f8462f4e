/** Request policies, read per operation: each product's policy, one statement for every product of the operation. */
import DataLoader from "dataloader";
import { LicenseRequestPolicyEntity } from "../../entities";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { int, nullableInt, placeholders, rowMapper, rows, text, time } from "../shared/rows";
import type { PolicyRecord } from "./rules";
import { recordOf } from "./store";

export const policyRow = rowMapper(LicenseRequestPolicyEntity, {
  productId: int,
  organizationId: int,
  autoApproveMaxRecipients: nullableInt,
  autoApproveRequesterGroupId: nullableInt,
  autoApproveDisabledPlanIds: text,
  escalateAfterDays: nullableInt,
  licenseDurationDays: nullableInt,
  updatedAt: time,
  updatedById: nullableInt,
});

/** A product's seats at a glance (api.md "Policies": the chart), counted at one moment. */
export interface SeatCounts {
  requested: number;
  reclaimingWithin30Days: number;
}

const SEATS_HORIZON_MS = 30 * 24 * 60 * 60 * 1000;

export function policyLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  let seatsAt: { now: number; loader: DataLoader<number, SeatCounts> } | undefined;
  return {
    /**
     * Each product's recipients of pending requests (not yet past their
     * expiry) and held licenses expiring within 30 days of `now`: two grouped
     * statements for every product of the operation.
     */
    seats(now: Date): DataLoader<number, SeatCounts> {
      if (seatsAt?.now === now.getTime()) return seatsAt.loader;
      const loader = new DataLoader<number, SeatCounts>(async (productIds) => {
        const counted = (row: Record<string, unknown>) => ({ productId: Number(row["productId"]), n: Number(row["n"]) });
        const [requested, reclaiming] = await Promise.all([
          rows(
            db,
            "SELECT rr.`pendingProductId` AS productId, COUNT(*) AS n FROM `license_request_recipient` rr JOIN `license_request` lr ON lr.`id` = rr.`requestId` " +
              `WHERE rr.\`organizationId\` = ? AND rr.\`pendingProductId\` IN (${placeholders(productIds.length)}) AND lr.\`expiresAt\` > ? GROUP BY rr.\`pendingProductId\``,
            [...scoped(scope, productIds), now.getTime()],
            counted,
          ),
          rows(
            db,
            "SELECT `productId`, COUNT(*) AS n FROM `license_assignment` " +
              `WHERE \`organizationId\` = ? AND \`productId\` IN (${placeholders(productIds.length)}) AND \`held\` = 1 AND \`expiresAt\` <= ? GROUP BY \`productId\``,
            [...scoped(scope, productIds), now.getTime() + SEATS_HORIZON_MS],
            counted,
          ),
        ]);
        const requestedBy = new Map(requested.map((r) => [r.productId, r.n]));
        const reclaimingBy = new Map(reclaiming.map((r) => [r.productId, r.n]));
        return productIds.map((id) => ({ requested: requestedBy.get(id) ?? 0, reclaimingWithin30Days: reclaimingBy.get(id) ?? 0 }));
      }, batching);
      seatsAt = { now: now.getTime(), loader };
      return loader;
    },

    /** Each product's policy (every part off for a product that never had one). */
    policy: new DataLoader<number, PolicyRecord>(async (productIds) => {
      const found = await rows(
        db,
        `SELECT ${policyRow.columns} FROM \`license_request_policy\` WHERE \`organizationId\` = ? AND \`productId\` IN (${placeholders(productIds.length)})`,
        scoped(scope, productIds),
        policyRow.map,
      );
      const byProduct = new Map(found.map((row) => [row.productId, row]));
      return productIds.map((productId) => recordOf(organizationId, productId, byProduct.get(productId) ?? null));
    }, batching),
  };
}

export type PolicyLoaders = ReturnType<typeof policyLoaders>;
