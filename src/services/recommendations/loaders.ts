/** Second opinions, read per operation: shares, recommendations, and each request's and share's. */
import DataLoader from "dataloader";
import { LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "../../entities";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import { byId, groupBy, int, nullableText, nullableTime, oneOf, placeholders, rowMapper, rows, text, time } from "../shared/rows";

export const shareRow = rowMapper(LicenseRequestShareEntity, {
  id: int,
  organizationId: int,
  requestId: int,
  sharedWithId: int,
  sharedById: int,
  sharedAt: time,
  expiresAt: time,
  tokenHash: text,
  subject: nullableText,
  message: nullableText,
  usedAt: nullableTime,
  revokedAt: nullableTime,
});

export const recommendationRow = rowMapper(LicenseRequestRecommendationEntity, {
  id: int,
  organizationId: int,
  requestId: int,
  shareId: int,
  byId: int,
  verdict: oneOf(["APPROVE", "DENY"] as const),
  comment: nullableText,
  at: time,
});

export function recommendationLoaders(scope: LoaderScope) {
  const { db } = scope;
  const recommendationsWhere = (column: string, count: number) =>
    `SELECT ${recommendationRow.columns} FROM \`license_request_recommendation\` WHERE \`organizationId\` = ? AND \`${column}\` IN (${placeholders(count)})`;
  return {
    /** Each request's recommendations, oldest first. */
    ofRequest: new DataLoader<number, LicenseRequestRecommendationEntity[]>(
      async (requestIds) =>
        groupBy(
          await rows(db, `${recommendationsWhere("requestId", requestIds.length)} ORDER BY \`at\`, \`id\``, scoped(scope, requestIds), recommendationRow.map),
          (r) => r.requestId,
          requestIds,
        ),
      batching,
    ),
    /** Each request's shares in the order they were made (IDs grow with time), as the index (requestId, id) reads them. */
    sharesOfRequest: new DataLoader<number, LicenseRequestShareEntity[]>(
      async (requestIds) =>
        groupBy(
          await rows(
            db,
            `SELECT ${shareRow.columns} FROM \`license_request_share\` WHERE \`organizationId\` = ? AND \`requestId\` IN (${placeholders(requestIds.length)}) ORDER BY \`requestId\`, \`id\``,
            scoped(scope, requestIds),
            shareRow.map,
          ),
          (s) => s.requestId,
          requestIds,
        ),
      batching,
    ),
    share: new DataLoader<number, LicenseRequestShareEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${shareRow.columns} FROM \`license_request_share\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            shareRow.map,
          ),
          ids,
        ),
      batching,
    ),
    recommendation: new DataLoader<number, LicenseRequestRecommendationEntity | null>(
      async (ids) => byId(await rows(db, recommendationsWhere("id", ids.length), scoped(scope, ids), recommendationRow.map), ids),
      batching,
    ),
    /** The answer given through each share, if any (a share answers once). */
    ofShare: new DataLoader<number, LicenseRequestRecommendationEntity | null>(async (shareIds) => {
      const found = await rows(db, recommendationsWhere("shareId", shareIds.length), scoped(scope, shareIds), recommendationRow.map);
      return shareIds.map((id) => found.find((r) => r.shareId === id) ?? null);
    }, batching),
  };
}

export type RecommendationLoaders = ReturnType<typeof recommendationLoaders>;
