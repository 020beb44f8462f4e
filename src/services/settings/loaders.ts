/** The request-process settings, read once per operation. */
import { RequestProcessSettingsEntity } from "../../entities";
import { ADMIN_NOTIFICATIONS } from "../../values";
import { LoaderScope, once } from "../shared/loaders";
import { flag, int, nullableInt, nullableText, nullableTime, oneOf, rowMapper, rows } from "../shared/rows";

export const settingsRow = rowMapper(RequestProcessSettingsEntity, {
  organizationId: int,
  useOwnRequestProcess: flag,
  message: nullableText,
  documentationUrl: nullableText,
  updatedAt: nullableTime,
  updatedById: nullableInt,
  // IMMEDIATELY (the default) for anything else.
  adminNotification: oneOf(ADMIN_NOTIFICATIONS, "IMMEDIATELY"),
  requestLifetimeDays: int,
  decisionLinksInEmail: flag,
});

export function settingsLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  return {
    /** The stored settings; null when they were never changed. */
    settings: once(async () => {
      const found = await rows(
        db,
        `SELECT ${settingsRow.columns} FROM \`request_process_settings\` WHERE \`organizationId\` = ?`,
        [organizationId],
        settingsRow.map,
      );
      return found[0] ?? null;
    }),
  };
}

export type SettingsLoaders = ReturnType<typeof settingsLoaders>;
