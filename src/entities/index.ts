export * from "./Organization";
export * from "./User";
export * from "./ServicePlan";
export * from "./Product";
export * from "./LicenseAssignment";
export * from "./LicenseRequest";
export * from "./RequestProcessSettings";
export * from "./DecisionRecord";
export * from "./OutboxEmail";
export * from "./IdempotencyRecord";
export * from "./AdminNotice";
export * from "./Group";
export * from "./LicenseRequestShare";
export * from "./LicenseRequestEvent";
export * from "./Webhook";
export * from "./Deciders";
export * from "./RequestPolicy";

import { OrganizationEntity } from "./Organization";
import { UserEntity } from "./User";
import { ServicePlanEntity } from "./ServicePlan";
import { ProductEntity, ProductServicePlanEntity } from "./Product";
import { AssignmentDisabledPlanEntity, LicenseAssignmentEntity } from "./LicenseAssignment";
import { LicenseRequestDisabledPlanEntity, LicenseRequestEntity, LicenseRequestRecipientEntity } from "./LicenseRequest";
import { RequestProcessSettingsEntity } from "./RequestProcessSettings";
import { DecisionRecordDisabledPlanEntity, DecisionRecordEntity, DecisionRecordUserEntity } from "./DecisionRecord";
import { OutboxEmailEntity } from "./OutboxEmail";
import { IdempotencyRecordEntity } from "./IdempotencyRecord";
import { AdminDigestEntity, LicenseRequestNoticeEntity } from "./AdminNotice";
import { GroupEntity, GroupLicensedProductEntity, GroupMemberEntity } from "./Group";
import { LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "./LicenseRequestShare";
import { LicenseRequestEventEntity, LicenseRequestEventHeadEntity } from "./LicenseRequestEvent";
import { WebhookDeliveryEntity, WebhookEndpointEntity } from "./Webhook";
import { ApprovalDelegationEntity, DecisionLinkEntity, ProductApproverEntity } from "./Deciders";
import { LicenseRequestPolicyChangeEntity, LicenseRequestPolicyEntity } from "./RequestPolicy";

export const allEntities = [
  OrganizationEntity,
  UserEntity,
  ServicePlanEntity,
  ProductEntity,
  ProductServicePlanEntity,
  LicenseAssignmentEntity,
  AssignmentDisabledPlanEntity,
  LicenseRequestEntity,
  LicenseRequestRecipientEntity,
  LicenseRequestDisabledPlanEntity,
  RequestProcessSettingsEntity,
  DecisionRecordEntity,
  DecisionRecordUserEntity,
  DecisionRecordDisabledPlanEntity,
  OutboxEmailEntity,
  IdempotencyRecordEntity,
  LicenseRequestNoticeEntity,
  AdminDigestEntity,
  GroupEntity,
  GroupMemberEntity,
  GroupLicensedProductEntity,
  LicenseRequestShareEntity,
  LicenseRequestRecommendationEntity,
  LicenseRequestEventEntity,
  LicenseRequestEventHeadEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  ProductApproverEntity,
  ApprovalDelegationEntity,
  DecisionLinkEntity,
  LicenseRequestPolicyEntity,
  LicenseRequestPolicyChangeEntity,
];
