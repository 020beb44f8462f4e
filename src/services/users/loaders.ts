/** The people of an organization, read per operation. */
import DataLoader from "dataloader";
import { OrganizationEntity, UserEntity } from "../../entities";
import { ROLES } from "../../values";
import { readDecisionRights } from "../access/rights";
import { batching, LoaderScope, scoped } from "../shared/loaders";
import type { DecisionRights } from "../shared/viewer";
import { byId, int, nullableInt, oneOf, placeholders, rowMapper, rows, text } from "../shared/rows";

export const userRow = rowMapper(UserEntity, { id: int, organizationId: int, displayName: text, email: text, role: oneOf(ROLES), managerId: nullableInt });
export const organizationRow = rowMapper(OrganizationEntity, { id: int, name: text });

export function userLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  /** Users this operation has read, by its loader or through other statements' joins: `userOf` answers them at once. */
  const usersRead = new Map<number, UserEntity | null>();
  /** Users of the organization; other features' joins fill it too (`prime`), so a user read with a page costs no statement. */
  const user = new DataLoader<number, UserEntity | null>(async (ids) => {
    const found = byId(
      await rows(
        db,
        `SELECT ${userRow.columns} FROM \`app_user\` WHERE \`organizationId\` = ? AND \`id\` IN (${placeholders(ids.length)})`,
        scoped(scope, ids),
        userRow.map,
      ),
      ids,
    );
    ids.forEach((id, i) => usersRead.set(id, found[i] ?? null));
    return found;
  }, batching);
  /** Decision rights at one moment (a subscription event's), of many people in one statement. */
  let rightsAt: { at: number; loader: DataLoader<UserEntity, DecisionRights, number> } | undefined;
  return {
    user,
    /** The decision rights of people of the organization at `now` (services/access/rights.ts), batched. */
    rights(now: Date): DataLoader<UserEntity, DecisionRights, number> {
      if (rightsAt?.at !== now.getTime())
        rightsAt = {
          at: now.getTime(),
          loader: new DataLoader((users) => readDecisionRights(db, organizationId, users, now), { ...batching, cacheKeyFn: (u) => u.id }),
        };
      return rightsAt.loader;
    },
    /**
     * A user another statement read through a join (on the user's id alone, so that the
     * join is a primary-key lookup): it fills the user loader only when it is of the
     * organization, as the loader's own statement would have found it.
     */
    prime(found: UserEntity | null): void {
      if (found && found.organizationId === organizationId) {
        user.prime(found.id, found);
        usersRead.set(found.id, found);
      }
    },
    /**
     * The user with this id (null when the organization has none): at once when the
     * operation has read it already (a page's requesters and its recipients' users come
     * with their rows), else through the loader. Resolvers return this as it is, so a
     * value already read costs them no promise to wait on.
     */
    userOf(id: number): UserEntity | null | Promise<UserEntity | null> {
      const known = usersRead.get(id);
      return known !== undefined ? known : user.load(id);
    },
    organization: new DataLoader<number, OrganizationEntity | null>(
      async (ids) =>
        // An organization sees only itself.
        ids.includes(organizationId)
          ? byId(await rows(db, `SELECT ${organizationRow.columns} FROM \`organization\` WHERE \`id\` = ?`, [organizationId], organizationRow.map), ids)
          : ids.map(() => null),
      batching,
    ),
  };
}

export type UserLoaders = ReturnType<typeof userLoaders>;
