import { FieldResolver, Resolver, Root } from "type-graphql";
import type { RequestProcessSettingsEntity } from "../entities";
import { AdminNotification } from "../schema/settings/adminNotification";
import { RequestProcessSettings } from "../schema/types";

/** RequestProcessSettings.adminNotification (contract-admin-center.graphql). */
@Resolver(() => RequestProcessSettings)
export class AdminNoticeResolver {
  @FieldResolver(() => AdminNotification, {
    description: "When the organization's global admins hear of a new request (default IMMEDIATELY). Readable by everyone, changed by global admins.",
  })
  adminNotification(@Root() settings: RequestProcessSettingsEntity): AdminNotification {
    return settings.adminNotification ?? "IMMEDIATELY";
  }
}
