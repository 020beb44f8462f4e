/**
 * Activity-log cursors (api.md "Nothing missed"): opaque to clients, they
 * name a position in one organization's log, `seq`, the number of the entry
 * seen last (`after` is exclusive). A cursor carries no secret and needs
 * none: any position of the viewer's own log up to its newest entry is a
 * position they may read from; one of another organization, malformed, or
 * past the newest entry is refused (BAD_USER_INPUT), one older than the log
 * keeps answers CURSOR_EXPIRED (services/activity/log.ts checks both against
 * the log as it is read).
 */
import { badUserInput } from "../shared/errors";

const PREFIX = "ev1";
const MAX_CURSOR_LENGTH = 60;

export interface ActivityPosition {
  organizationId: number;
  /** The entry seen last; 0 before the first. */
  seq: number;
}

export function encodeActivityCursor(position: ActivityPosition): string {
  return Buffer.from(`${PREFIX}:${position.organizationId}:${position.seq}`, "utf8").toString("base64url");
}

/**
 * The position `cursor` names in `organizationId`'s log.
 * @throws BAD_USER_INPUT when it is malformed or names another organization's log.
 */
export function decodeActivityCursor(cursor: string, organizationId: number, argumentName = "after"): ActivityPosition {
  const refuse = () => badUserInput("This cursor does not name a position of your organization's activity log.", argumentName);
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  const match = /^ev1:([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw refuse();
  const position = { organizationId: Number(match[1]), seq: Number(match[2]) };
  if (position.organizationId !== organizationId || position.seq > 2_147_483_647) throw refuse();
  return position;
}
