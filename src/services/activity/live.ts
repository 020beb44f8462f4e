/**
 * `licenseRequestEvents` as a subscription (api.md "Nothing missed"): with
 * `after`, the entries since that position, then live ones; without it, live
 * ones only; in log order, each once, each shown to the subscriber only if
 * they may see it when it is read (./log.ts `isVisible`).
 */
import type { LicenseRequestEventEntity } from "../../entities";
import type { Loaders } from "../loaders";
import { ClientError } from "../shared/errors";
import type { LiveFeed } from "../shared/live";
import { decodeActivityCursor } from "./cursor";
import { ActivityFilter, ActivityLog, activityMatches } from "./log";
import type { ActivityTails } from "./tail";

export interface ActivityFeedArgs {
  filter: ActivityFilter | null;
  /** The cursor as given (checked against the subscriber's organization when it starts). */
  after: string | null;
}

export function activityFeed(
  log: ActivityLog,
  tails: ActivityTails,
): LiveFeed<LicenseRequestEventEntity, ActivityFeedArgs, Loaders, LicenseRequestEventEntity> {
  return {
    // The tail's stream names what each entry is resolved with (./tail.ts): its live delivery, or a replay's page.
    open: (organizationId, args) => tails.open(organizationId, args.after === null ? null : decodeActivityCursor(args.after, organizationId).seq),
    async admit(viewer, _loaders, args) {
      // A malformed or foreign cursor is refused before anything starts.
      if (args.after === null) return null;
      try {
        decodeActivityCursor(args.after, viewer.organizationId);
        return null;
      } catch (error) {
        if (error instanceof ClientError) return { code: "BAD_USER_INPUT", message: error.message };
        throw error;
      }
    },
    matches: (entry, args) => activityMatches(entry, args.filter),
    async visible(viewer, loaders, entry) {
      return (await log.isVisible(viewer, loaders, entry)) ? entry : null;
    },
  };
}
