import { registerEnumType } from "type-graphql";

export enum Role {
  GLOBAL_ADMIN = "GLOBAL_ADMIN",
  USER = "USER",
}

export enum LicenseRequestStatus {
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  PARTIALLY_APPROVED = "PARTIALLY_APPROVED",
  DENIED = "DENIED",
  EXPIRED = "EXPIRED",
  CANCELLED = "CANCELLED",
}

export enum LicenseRequestState {
  PENDING = "PENDING",
  COMPLETED = "COMPLETED",
}

export enum RecipientDecision {
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  DENIED = "DENIED",
}

export enum LicenseRequestOrderField {
  REQUESTED_AT = "REQUESTED_AT",
}

export enum OrderDirection {
  ASC = "ASC",
  DESC = "DESC",
}

export enum UserErrorCode {
  NOT_FOUND = "NOT_FOUND",
  INVALID_INPUT = "INVALID_INPUT",
  CONFLICT = "CONFLICT",
  INSUFFICIENT_LICENSES = "INSUFFICIENT_LICENSES",
  REQUEST_EXPIRED = "REQUEST_EXPIRED",
}

/** What happened to a request, as kept in its history. */
export enum LicenseRequestDecisionAction {
  APPROVED = "APPROVED",
  PARTIALLY_APPROVED = "PARTIALLY_APPROVED",
  DENIED = "DENIED",
  CANCELLED = "CANCELLED",
  EXPIRED = "EXPIRED",
}

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
  description: "What happened to a request: a decision, a cancellation or its expiry.",
});
