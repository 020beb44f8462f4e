/** Security groups, read per operation. */
import DataLoader from "dataloader";
import { GroupEntity } from "../../entities";
import { batching, LoaderScope, once, scoped } from "../shared/loaders";
import { byId, groupBy, int, placeholders, rowMapper, rows, text } from "../shared/rows";

export const groupRow = rowMapper(GroupEntity, { id: int, organizationId: int, name: text });

/** A group with the products it is licensed with. */
export interface GroupLicensing {
  group: GroupEntity;
  licensedProductIds: number[];
}

const compareByName = (a: GroupEntity, b: GroupEntity) => a.name.localeCompare(b.name) || a.id - b.id;

export function groupLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  return {
    group: new DataLoader<number, GroupEntity | null>(
      async (ids) =>
        byId(
          await rows(
            db,
            `SELECT ${groupRow.columns} FROM \`security_group\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
            scoped(scope, ids),
            groupRow.map,
          ),
          ids,
        ),
      batching,
    ),

    /** Members of each group (a count per group, one statement per batch). */
    memberCount: new DataLoader<number, number>(async (groupIds) => {
      const counts = await rows(
        db,
        `SELECT \`groupId\`, COUNT(*) AS \`members\` FROM \`group_member\` WHERE \`organizationId\` = ? AND \`groupId\` IN (${placeholders(groupIds.length)}) GROUP BY \`groupId\``,
        scoped(scope, groupIds),
        (r) => ({ groupId: Number(r["groupId"]), members: Number(r["members"]) }),
      );
      const byGroup = new Map(counts.map((c) => [c.groupId, c.members]));
      return groupIds.map((id) => byGroup.get(id) ?? 0);
    }, batching),

    /** Product IDs each group is licensed with. */
    licensedProductIds: new DataLoader<number, number[]>(
      async (groupIds) =>
        groupBy(
          await rows(
            db,
            `SELECT \`groupId\`, \`productId\` FROM \`group_licensed_product\` WHERE \`organizationId\` = ? AND \`groupId\` IN (${placeholders(groupIds.length)}) ORDER BY \`groupId\`, \`productId\``,
            scoped(scope, groupIds),
            (r) => ({ groupId: Number(r["groupId"]), productId: Number(r["productId"]) }),
          ),
          (g) => g.groupId,
          groupIds,
        ).map((found) => found.map((r) => r.productId)),
      batching,
    ),

    /** Every group of the organization with its licensed products, by name (two statements, once per operation): eligibleGroups of any request. */
    licensing: once(async (): Promise<GroupLicensing[]> => {
      const [groups, links] = await Promise.all([
        rows(db, `SELECT ${groupRow.columns} FROM \`security_group\` WHERE \`organizationId\` = ?`, [organizationId], groupRow.map),
        rows(
          db,
          "SELECT `groupId`, `productId` FROM `group_licensed_product` WHERE `organizationId` = ? ORDER BY `groupId`, `productId`",
          [organizationId],
          (r) => ({
            groupId: Number(r["groupId"]),
            productId: Number(r["productId"]),
          }),
        ),
      ]);
      return groups.sort(compareByName).map((group) => ({ group, licensedProductIds: links.filter((l) => l.groupId === group.id).map((l) => l.productId) }));
    }),
  };
}

export type GroupLoaders = ReturnType<typeof groupLoaders>;
