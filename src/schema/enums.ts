/**
 * The GraphQL enums, each derived from its list in src/values.ts (one source
 * for the enum, the stored type and the code list).
 */
import { registerEnumType } from "type-graphql";
import {
  DECISION_ACTIONS,
  DecisionActionValue,
  enumOf,
  ORDER_DIRECTIONS,
  OrderDirectionValue,
  RECIPIENT_DECISIONS,
  RecipientDecisionValue,
  REQUEST_ORDER_FIELDS,
  REQUEST_STATES,
  REQUEST_STATUSES,
  RequestOrderFieldValue,
  RequestStateValue,
  RequestStatusValue,
  RoleValue,
  ROLES,
  USER_ERROR_CODES,
  UserErrorCodeValue,
} from "../values";

export const Role = enumOf(ROLES);
export type Role = RoleValue;
export const LicenseRequestStatus = enumOf(REQUEST_STATUSES);
export type LicenseRequestStatus = RequestStatusValue;
export const LicenseRequestState = enumOf(REQUEST_STATES);
export type LicenseRequestState = RequestStateValue;
export const RecipientDecision = enumOf(RECIPIENT_DECISIONS);
export type RecipientDecision = RecipientDecisionValue;
export const LicenseRequestOrderField = enumOf(REQUEST_ORDER_FIELDS);
export type LicenseRequestOrderField = RequestOrderFieldValue;
export const OrderDirection = enumOf(ORDER_DIRECTIONS);
export type OrderDirection = OrderDirectionValue;
export const UserErrorCode = enumOf(USER_ERROR_CODES);
export type UserErrorCode = UserErrorCodeValue;
/** What happened to a request, as kept in its history. */
export const LicenseRequestDecisionAction = enumOf(DECISION_ACTIONS);
export type LicenseRequestDecisionAction = DecisionActionValue;

registerEnumType(Role, { name: "Role" });
registerEnumType(LicenseRequestStatus, { name: "LicenseRequestStatus" });
registerEnumType(LicenseRequestState, {
  name: "LicenseRequestState",
  description: "The filter of the Requests tab: PENDING, or COMPLETED (every other status).",
});
registerEnumType(RecipientDecision, { name: "RecipientDecision" });
registerEnumType(LicenseRequestOrderField, { name: "LicenseRequestOrderField" });
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
  },
});
registerEnumType(LicenseRequestDecisionAction, {
  name: "LicenseRequestDecisionAction",
  description:
    "What happened to a request: a decision, a cancellation or its expiry; or a second opinion recorded through a shared link (RECOMMENDED_APPROVAL, RECOMMENDED_DENIAL: the actor is the person asked, the message their comment; it decides nothing).",
});
