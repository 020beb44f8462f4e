import { DecisionLinkResolver } from "./decisionLinks";
import { licenseRequestFieldResolvers } from "./fields";
import { LicenseRequestOperations } from "./operations";
import { LicenseRequestSubscriptions } from "./subscriptions";

export const licenseRequestResolvers = [...licenseRequestFieldResolvers, LicenseRequestOperations, LicenseRequestSubscriptions, DecisionLinkResolver] as const;
