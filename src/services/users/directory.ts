/**
 * The people picker: users of the viewer's organization, matched
 * case-insensitively on displayName and email, ordered by (displayName, id).
 */
import { DataSource } from "typeorm";
import { UserEntity } from "../../entities";
import { applyKeyset, encodeKeysetCursor, keysetCursorDecoder } from "../shared/keyset";
import { badUserInput } from "../shared/errors";
import { Connection, ConnectionArgs, pageWindow, toConnection } from "../shared/pagination";
import { isUnsearchable } from "../shared/text";
import type { Viewer } from "../shared/viewer";

export const MAX_SEARCH_LENGTH = 200;

const userCursor = (u: UserEntity) => encodeKeysetCursor("users", u.displayName, u.id);

const decodeUserCursor = keysetCursorDecoder("users", "string");

/**
 * Escapes LIKE wildcards so a search for "50%" finds "50%". The escape character
 * is "!", not a backslash: MySQL/MariaDB read a backslash inside a string literal
 * as an escape of its own (`ESCAPE '\'` does not even parse there), SQLite does not.
 */
const LIKE_ESCAPE = "!";
const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `${LIKE_ESCAPE}${c}`);

export class UserDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async search(viewer: Viewer, args: ConnectionArgs & { search?: string | null | undefined }): Promise<Connection<UserEntity>> {
    if (args.last != null || args.before != null) {
      throw badUserInput("`users` pages forward only: use `first` and `after`.", args.last != null ? "last" : "before");
    }
    const window = pageWindow(args, decodeUserCursor);
    if (args.search && isUnsearchable(args.search)) {
      throw badUserInput("`search` holds a control character or a lone UTF-16 surrogate; send the text to find.", "search");
    }
    const search = args.search?.trim() ?? "";
    if (search.length > MAX_SEARCH_LENGTH) throw badUserInput(`\`search\` is at most ${MAX_SEARCH_LENGTH} characters.`, "search");
    const base = () => {
      const qb = this.dataSource
        .getRepository(UserEntity)
        .createQueryBuilder("u")
        .where("u.organizationId = :organizationId", { organizationId: viewer.organizationId });
      if (search) {
        qb.andWhere(`(LOWER(u.displayName) LIKE :pattern ESCAPE '${LIKE_ESCAPE}' OR LOWER(u.email) LIKE :pattern ESCAPE '${LIKE_ESCAPE}')`, {
          pattern: `%${escapeLike(search.toLowerCase())}%`,
        });
      }
      return qb;
    };
    const rows = await applyKeyset(base(), window, "u.displayName", "u.id", "ASC").getMany();
    return toConnection(rows, window, userCursor, () => base().getCount());
  }
}
