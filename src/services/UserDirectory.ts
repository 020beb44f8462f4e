/**
 * The people picker: users of the viewer's organization, matched
 * case-insensitively on displayName and email, ordered by (displayName, id).
 */
import { DataSource } from "typeorm";
import { UserEntity } from "../entities";
import { applyKeyset, KeysetCursor } from "./keyset";
import { badUserInput } from "./errors";
import { Connection, ConnectionArgs, decodeCursorParts, encodeCursor, pageWindow, toConnection } from "./pagination";
import type { Viewer } from "./viewer";

export const MAX_SEARCH_LENGTH = 200;

const userCursor = (u: UserEntity) => encodeCursor([u.displayName, u.id]);

function decodeUserCursor(cursor: string): KeysetCursor | null {
  const parts = decodeCursorParts(cursor);
  if (!parts || parts.length !== 2 || typeof parts[0] !== "string" || !Number.isSafeInteger(parts[1])) return null;
  return { sort: parts[0], id: parts[1] as number };
}

/** Escapes LIKE wildcards so a search for "50%" finds "50%". */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class UserDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async search(viewer: Viewer, args: ConnectionArgs & { search?: string | null }): Promise<Connection<UserEntity>> {
    if (args.last != null || args.before != null) {
      throw badUserInput("`users` pages forward only: use `first` and `after`.", args.last != null ? "last" : "before");
    }
    const window = pageWindow(args, decodeUserCursor);
    const search = args.search?.trim() ?? "";
    if (search.length > MAX_SEARCH_LENGTH) throw badUserInput(`\`search\` is at most ${MAX_SEARCH_LENGTH} characters.`, "search");
    const base = () => {
      const qb = this.dataSource
        .getRepository(UserEntity)
        .createQueryBuilder("u")
        .where("u.organizationId = :organizationId", { organizationId: viewer.organizationId });
      if (search) {
        qb.andWhere("(LOWER(u.displayName) LIKE :pattern ESCAPE '\\' OR LOWER(u.email) LIKE :pattern ESCAPE '\\')", {
          pattern: `%${escapeLike(search.toLowerCase())}%`,
        });
      }
      return qb;
    };
    const rows = await applyKeyset(base(), window, "u.displayName", "u.id", "ASC").getMany();
    return toConnection(rows, window, userCursor, () => base().getCount());
  }
}
