/**
 * Security groups as admins read them (api.md "The admin center today"):
 * the organization's groups by name (a search on the name), and a group's
 * members by displayName, both keyset-paged forward. Global admins only.
 */
import { DataSource } from "typeorm";
import type { GroupEntity, UserEntity } from "../../entities";
import { isMysqlFamily } from "../../db/dataSource";
import { assertCan, can, organizationOf } from "../access/policy";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder, KeysetList } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow } from "../shared/pagination";
import { searchPattern } from "../shared/text";
import type { Viewer } from "../shared/viewer";
import { userRow } from "../users/loaders";
import { groupRow } from "./loaders";

const groupCursor = (g: GroupEntity) => encodeKeysetCursor("groups", g.name, g.id);
const decodeGroupCursor = keysetCursorDecoder("groups", "string");
const memberCursor = (u: UserEntity) => encodeKeysetCursor("groupMembers", u.displayName, u.id);
const decodeMemberCursor = keysetCursorDecoder("groupMembers", "string");

export class GroupDirectory {
  constructor(private readonly dataSource: DataSource) {}

  private get mysql(): boolean {
    return isMysqlFamily(this.dataSource);
  }

  /** The organization's groups by name; FORBIDDEN unless the viewer is a global admin. */
  async list(viewer: Viewer, args: Pick<ConnectionArgs, "first" | "after"> & { search?: string | null | undefined }): Promise<Connection<GroupEntity>> {
    assertCan(viewer, "groups.read", organizationOf(viewer));
    const window = pageWindow(args, decodeGroupCursor);
    const list = groupsList(viewer.organizationId, searchPattern(args.search));
    return keysetConnection(this.dataSource, this.mysql, list, window, { map: groupRow.map, cursorOf: groupCursor });
  }

  /** A group's members by displayName; null unless the viewer is a global admin of the group's organization. */
  async members(viewer: Viewer, group: GroupEntity, args: Pick<ConnectionArgs, "first" | "after">): Promise<Connection<UserEntity> | null> {
    if (!can(viewer, "groups.read", group)) return null;
    const window = pageWindow(args, decodeMemberCursor);
    return keysetConnection(this.dataSource, this.mysql, membersList(group), window, { map: userRow.map, cursorOf: memberCursor });
  }
}

/** The groups of an organization by (name, id), those whose name matches `pattern` (searchPattern) when given. */
export function groupsList(organizationId: number, pattern: string | null): KeysetList {
  const where = ["g.`organizationId` = ?"];
  const parameters: unknown[] = [organizationId];
  if (pattern) {
    where.push("LOWER(g.`name`) LIKE ? ESCAPE '!'");
    parameters.push(pattern);
  }
  return {
    select: groupRow.qualified("g"),
    table: "security_group",
    alias: "g",
    index: "ix_group_org_name",
    where,
    parameters,
    sort: "g.`name`",
    id: "g.`id`",
    direction: "ASC",
  };
}

/** A group's members by (displayName, id): the organization's people, each kept when the group has them (a primary-key lookup). */
export function membersList(group: Pick<GroupEntity, "id" | "organizationId">): KeysetList {
  return {
    select: userRow.qualified("u"),
    table: "app_user",
    alias: "u",
    index: "ix_user_org_name",
    where: ["u.`organizationId` = ?", "EXISTS (SELECT 1 FROM `group_member` m WHERE m.`groupId` = ? AND m.`userId` = u.`id`)"],
    parameters: [group.organizationId, group.id],
    sort: "u.`displayName`",
    id: "u.`id`",
    direction: "ASC",
  };
}
