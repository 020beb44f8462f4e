/**
 * Every feature's resolvers, and the schema built from them. A feature lists
 * its resolver classes in its folder's index; adding a feature adds one line here.
 */
import type { NonEmptyArray } from "type-graphql";
import { createEventBus, EventBus } from "../services/shared/events";
import { buildApiSchema } from "../schema/shared/buildSchema";
import { activityResolvers } from "./activity";
import { catalogResolvers } from "./catalog";
import { deciderResolvers } from "./deciders";
import { groupResolvers } from "./groups";
import { historyResolvers } from "./history";
import { licenseRequestResolvers } from "./licenseRequests";
import { LIST_BOUNDS } from "./listBounds";
import { licenseResolvers } from "./licenses";
import { nodeResolvers } from "./nodes";
import { policyResolvers } from "./policies";
import { recommendationResolvers } from "./recommendations";
import { settingsResolvers } from "./settings";
import { userResolvers } from "./users";
import { webhookResolvers } from "./webhooks";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  ...nodeResolvers,
  ...userResolvers,
  ...catalogResolvers,
  ...licenseResolvers,
  ...groupResolvers,
  ...settingsResolvers,
  ...licenseRequestResolvers,
  ...historyResolvers,
  ...recommendationResolvers,
  ...activityResolvers,
  ...webhookResolvers,
  ...deciderResolvers,
  ...policyResolvers,
];

/**
 * The API's schema with every resolver. type-graphql insists on a pubSub for
 * subscriptions; ours subscribe through the features' live feeds (services/shared/live.ts), on the same bus.
 */
export const buildSchema = (bus: EventBus = createEventBus()) => buildApiSchema({ resolvers, pubSub: bus, listBounds: LIST_BOUNDS });
