/**
 * The enums of the request-process settings: when admins hear of new requests
 * (contract-admin-center.graphql).
 */
import { registerEnumType } from "type-graphql";
import { ADMIN_NOTIFICATIONS, AdminNotificationValue, enumOf } from "../../values";

export const AdminNotification = enumOf(ADMIN_NOTIFICATIONS);
export type AdminNotification = AdminNotificationValue;

registerEnumType(AdminNotification, {
  name: "AdminNotification",
  description:
    "When those who may decide a new request hear of it (the admin roles, the product's approvers, and open delegates of any of them). Whatever the choice, they get one reminder min(7 days, half the request's lifetime) before a pending request expires, and the requester one email when it expires.",
  valuesConfig: {
    IMMEDIATELY: { description: "Each of them gets one email per new request, as it arrives (the default)." },
    DAILY_DIGEST: {
      description:
        "Each of them gets one email a day, after 00:00 UTC, listing the requests of the UTC day before (none when there were none; a request that arrived just at midnight may be in the next day's).",
    },
    OFF: { description: "No email about new requests." },
  },
});
