/**
 * Security groups as admins read them (api.md "The admin center today"):
 * the organization's groups by name (a search on the name), and a group's
 * members by displayName, both keyset-paged forward. Global admins only.
 */
import { DataSource } from "typeorm";
import { GroupEntity, GroupMemberEntity, UserEntity } from "../../entities";
import { assertCan, can, organizationOf } from "../access/policy";
import { badUserInput } from "../shared/errors";
import { applyKeyset, encodeKeysetCursor, keysetCursorDecoder } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow, toConnection } from "../shared/pagination";
import { isUnsearchable } from "../shared/text";
import type { Viewer } from "../shared/viewer";

export const MAX_GROUP_SEARCH_LENGTH = 200;

const groupCursor = (g: GroupEntity) => encodeKeysetCursor("groups", g.name, g.id);
const decodeGroupCursor = keysetCursorDecoder("groups", "string");
const memberCursor = (u: UserEntity) => encodeKeysetCursor("groupMembers", u.displayName, u.id);
const decodeMemberCursor = keysetCursorDecoder("groupMembers", "string");

/** LIKE wildcards escaped with "!" (see users/directory.ts for why not a backslash). */
const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

export class GroupDirectory {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's groups by name; FORBIDDEN unless the viewer is a global admin. */
  async list(viewer: Viewer, args: Pick<ConnectionArgs, "first" | "after"> & { search?: string | null | undefined }): Promise<Connection<GroupEntity>> {
    assertCan(viewer, "groups.read", organizationOf(viewer));
    const window = pageWindow(args, decodeGroupCursor);
    if (args.search && isUnsearchable(args.search)) {
      throw badUserInput("`search` holds a control character or a lone UTF-16 surrogate; send the text to find.", "search");
    }
    const search = args.search?.trim() ?? "";
    if (search.length > MAX_GROUP_SEARCH_LENGTH) throw badUserInput(`\`search\` is at most ${MAX_GROUP_SEARCH_LENGTH} characters.`, "search");
    const base = () => {
      const qb = this.dataSource
        .getRepository(GroupEntity)
        .createQueryBuilder("g")
        .where("g.organizationId = :organizationId", { organizationId: viewer.organizationId });
      if (search) qb.andWhere("LOWER(g.name) LIKE :pattern ESCAPE '!'", { pattern: `%${escapeLike(search.toLowerCase())}%` });
      return qb;
    };
    const rows = await applyKeyset(base(), window, "g.name", "g.id", "ASC").getMany();
    return toConnection(rows, window, groupCursor, () => base().getCount());
  }

  /** A group's members by displayName; null unless the viewer is a global admin of the group's organization. */
  async members(viewer: Viewer, group: GroupEntity, args: Pick<ConnectionArgs, "first" | "after">): Promise<Connection<UserEntity> | null> {
    if (!can(viewer, "groups.read", group)) return null;
    const window = pageWindow(args, decodeMemberCursor);
    const base = () =>
      this.dataSource
        .getRepository(UserEntity)
        .createQueryBuilder("u")
        .innerJoin(GroupMemberEntity, "m", "m.userId = u.id AND m.groupId = :groupId", { groupId: group.id })
        .where("u.organizationId = :organizationId", { organizationId: group.organizationId });
    const rows = await applyKeyset(base(), window, "u.displayName", "u.id", "ASC").getMany();
    return toConnection(rows, window, memberCursor, () => base().getCount());
  }
}
