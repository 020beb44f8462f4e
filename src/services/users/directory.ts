/**
 * The people picker: users of the viewer's organization, matched
 * case-insensitively on displayName and email, ordered by (displayName, id),
 * paged forward by keyset.
 */
import { DataSource } from "typeorm";
import type { UserEntity } from "../../entities";
import { isMysqlFamily } from "../../db/dataSource";
import { badUserInput } from "../shared/errors";
import { encodeKeysetCursor, keysetConnection, keysetCursorDecoder, KeysetList } from "../shared/keyset";
import { Connection, ConnectionArgs, pageWindow } from "../shared/pagination";
import { searchPattern } from "../shared/text";
import type { Viewer } from "../shared/viewer";
import { userRow } from "./loaders";

const userCursor = (u: UserEntity) => encodeKeysetCursor("users", u.displayName, u.id);
const decodeUserCursor = keysetCursorDecoder("users", "string");

export class UserDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async search(viewer: Viewer, args: ConnectionArgs & { search?: string | null | undefined }): Promise<Connection<UserEntity>> {
    if (args.last != null || args.before != null) {
      throw badUserInput("`users` pages forward only: use `first` and `after`.", args.last != null ? "last" : "before");
    }
    const window = pageWindow(args, decodeUserCursor);
    const list = peopleList(viewer.organizationId, searchPattern(args.search));
    return keysetConnection(this.dataSource, isMysqlFamily(this.dataSource), list, window, { map: userRow.map, cursorOf: userCursor });
  }
}

/** The people of an organization by (displayName, id), those matching `pattern` (searchPattern) when given. */
export function peopleList(organizationId: number, pattern: string | null): KeysetList {
  const where = ["u.`organizationId` = ?"];
  const parameters: unknown[] = [organizationId];
  if (pattern) {
    where.push("(LOWER(u.`displayName`) LIKE ? ESCAPE '!' OR LOWER(u.`email`) LIKE ? ESCAPE '!')");
    parameters.push(pattern, pattern);
  }
  return {
    select: userRow.qualified("u"),
    table: "app_user",
    alias: "u",
    index: "ix_user_org_name",
    where,
    parameters,
    sort: "u.`displayName`",
    id: "u.`id`",
    direction: "ASC",
  };
}
