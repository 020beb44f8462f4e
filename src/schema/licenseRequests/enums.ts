/** The enums of license requests, each derived from its list in src/values.ts. */
import { registerEnumType } from "type-graphql";
import {
  DECISION_CHANNELS,
  DecisionChannelValue,
  enumOf,
  RECIPIENT_DECISIONS,
  RecipientDecisionValue,
  REQUEST_ORDER_FIELDS,
  REQUEST_STATES,
  REQUEST_STATUSES,
  RequestOrderFieldValue,
  RequestStateValue,
  RequestStatusValue,
} from "../../values";

export const LicenseRequestStatus = enumOf(REQUEST_STATUSES);
export type LicenseRequestStatus = RequestStatusValue;
export const LicenseRequestState = enumOf(REQUEST_STATES);
export type LicenseRequestState = RequestStateValue;
export const RecipientDecision = enumOf(RECIPIENT_DECISIONS);
export type RecipientDecision = RecipientDecisionValue;
export const LicenseRequestOrderField = enumOf(REQUEST_ORDER_FIELDS);
export type LicenseRequestOrderField = RequestOrderFieldValue;

export const DecisionChannel = enumOf(DECISION_CHANNELS);
export type DecisionChannel = DecisionChannelValue;

registerEnumType(LicenseRequestStatus, { name: "LicenseRequestStatus" });
registerEnumType(DecisionChannel, {
  name: "DecisionChannel",
  description: "How a request was decided.",
  valuesConfig: {
    API: { description: "approveLicenseRequest, denyLicenseRequest or decideLicenseRequests." },
    EMAIL_LINK: { description: "An Approve or Deny link of a notice email (decideLicenseRequestByLink)." },
    POLICY: { description: "The product's policy, with no actor." },
  },
});
registerEnumType(LicenseRequestState, {
  name: "LicenseRequestState",
  description: "The filter of the Requests tab: PENDING, or COMPLETED (every other status).",
});
registerEnumType(RecipientDecision, { name: "RecipientDecision" });
registerEnumType(LicenseRequestOrderField, { name: "LicenseRequestOrderField" });
