/**
 * The enums every feature uses, each derived from its list in src/values.ts
 * (one source for the enum, the stored type and the code list). A feature's own
 * enums live in its folder.
 */
import { registerEnumType } from "type-graphql";
import { enumOf, ORDER_DIRECTIONS, OrderDirectionValue, USER_ERROR_CODES, UserErrorCodeValue } from "../../values";

export const OrderDirection = enumOf(ORDER_DIRECTIONS);
export type OrderDirection = OrderDirectionValue;
export const UserErrorCode = enumOf(USER_ERROR_CODES);
export type UserErrorCode = UserErrorCodeValue;

registerEnumType(OrderDirection, { name: "OrderDirection" });
registerEnumType(UserErrorCode, {
  name: "UserErrorCode",
  description: "Why a mutation did nothing. Mutations never half-apply: with userErrors, nothing changed.",
  valuesConfig: {
    NOT_FOUND: { description: "An ID that names nothing the caller may see (another organization's included)." },
    INVALID_INPUT: { description: "Input that breaks a rule (see field and message)." },
    CONFLICT: { description: "The request was already decided or cancelled; the message names its status." },
    INSUFFICIENT_LICENSES: { description: "The chosen product has fewer available licenses than approved recipients." },
    REQUEST_EXPIRED: { description: "The request is EXPIRED, or reads as such (past expiresAt)." },
    NOT_PERMITTED: {
      description: "The viewer may decide such requests, but not this one (e.g. they are one\nof its recipients, or the right a link carried is gone).",
    },
  },
});
