import type { NonEmptyArray } from "type-graphql";
import { createEventBus, EventBus } from "../services/shared/events";
import { AdminNoticeResolver } from "./AdminNoticeResolver";
import { GroupQueryResolver, GroupResolver, LicenseAssignmentGroupResolver, LicenseRequestGroupsResolver } from "./GroupResolvers";
import { MutationResolver } from "./MutationResolver";
import { QueryResolver } from "./QueryResolver";
import {
  LicenseRequestRecommendationResolver,
  LicenseRequestRecommendationsResolver,
  LicenseRequestShareResolver,
  RecommendationMutationResolver,
} from "./RecommendationResolvers";
import { SubscriptionResolver } from "./SubscriptionResolver";
import {
  LicenseAssignmentResolver,
  LicenseRequestDecisionResolver,
  LicenseRequestRecipientResolver,
  LicenseRequestResolver,
  OrganizationResolver,
  ProductResolver,
  RequestProcessSettingsResolver,
  ServicePlanResolver,
  UserResolver,
} from "./TypeResolvers";
import { buildApiSchema } from "../schema/shared/buildSchema";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  QueryResolver,
  MutationResolver,
  SubscriptionResolver,
  OrganizationResolver,
  UserResolver,
  ServicePlanResolver,
  ProductResolver,
  LicenseAssignmentResolver,
  LicenseRequestRecipientResolver,
  LicenseRequestResolver,
  LicenseRequestDecisionResolver,
  RequestProcessSettingsResolver,
  AdminNoticeResolver,
  GroupQueryResolver,
  GroupResolver,
  LicenseRequestGroupsResolver,
  LicenseAssignmentGroupResolver,
  RecommendationMutationResolver,
  LicenseRequestShareResolver,
  LicenseRequestRecommendationResolver,
  LicenseRequestRecommendationsResolver,
];

/**
 * The API's schema with every resolver. type-graphql insists on a pubSub for
 * subscriptions; ours subscribe through services/live/liveUpdates.ts, on the same bus.
 */
export const buildSchema = (bus: EventBus = createEventBus()) => buildApiSchema({ resolvers, pubSub: bus });
