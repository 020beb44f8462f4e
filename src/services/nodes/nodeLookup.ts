/**
 * `node`/`nodes`: any global ID to the object it names, when the viewer may see
 * it (api.md's table); null otherwise, exactly as for an ID that names nothing.
 */
import { can, organizationOf } from "../access/policy";
import type { ActivityLog } from "../activity/log";
import type { DecodedId } from "../shared/ids";
import { badUserInput } from "../shared/errors";
import type { Loaders } from "../loaders";
import type { LicenseRequestQueries } from "../licenseRequests/queries";
import type { RecommendationQueries } from "../recommendations/queries";
import type { RequestProcessSettingsService } from "../settings/settings";
import type { Viewer } from "../shared/viewer";
import type { Webhooks } from "../webhooks";
import type { Deciders } from "../deciders";
import type { DecisionHistory } from "../history/history";

/** `nodes(ids:)` takes at most this many IDs (api.md "Errors"). */
export const MAX_NODES = 100;

/** The bound of `nodes(ids:)`: BAD_USER_INPUT past MAX_NODES (asked by the pipeline's price, and by `nodes`). */
export function checkNodeCount(count: number): void {
  if (count > MAX_NODES) throw badUserInput(`\`ids\` takes at most ${MAX_NODES} IDs.`, "ids");
}

export class NodeLookup {
  constructor(
    private readonly requests: LicenseRequestQueries,
    private readonly settings: RequestProcessSettingsService,
    private readonly recommendations: RecommendationQueries,
    private readonly activity: ActivityLog,
    private readonly webhooks: Webhooks,
    private readonly history: DecisionHistory,
    private readonly deciders: Deciders,
  ) {}

  /** What `decoded` (a type and a local ID, null where the ID was malformed) names, if the viewer may see it. */
  async find(viewer: Viewer, loaders: Loaders, decoded: DecodedId | null): Promise<object | null> {
    if (!decoded) return null;
    const id = decoded.localId;
    switch (decoded.type) {
      case "Organization":
        return loaders.users.organization.load(id);
      case "User":
        return loaders.users.user.load(id);
      case "Product":
        return (await loaders.catalog.productById()).get(id) ?? null;
      case "ServicePlan":
        return (await loaders.catalog.catalog()).planById.get(id) ?? null;
      case "LicenseRequest":
        return this.requests.findVisible(viewer, loaders, id);
      case "LicenseAssignment": {
        const assignment = await loaders.licenses.assignment.load(id);
        return assignment && can(viewer, "licenses.read", assignment) ? assignment : null;
      }
      case "LicenseRequestDecision": {
        if (!can(viewer, "requests.decideAny", organizationOf(viewer))) return null;
        const decision = await loaders.history.decision.load(id);
        return decision && (await this.history.mayRead(viewer, loaders, decision)) ? decision : null;
      }
      case "Group":
        return can(viewer, "groups.read", organizationOf(viewer)) ? loaders.groups.group.load(id) : null;
      case "ApprovalDelegation":
        return this.deciders.delegationNode(viewer, loaders, id);
      case "LicenseRequestShare":
        return this.recommendations.shareNode(viewer, loaders, id);
      case "LicenseRequestRecommendation":
        return this.recommendations.recommendationNode(viewer, loaders, id);
      case "LicenseRequestEvent":
        return this.activity.find(viewer, loaders, id);
      case "WebhookEndpoint":
        return this.webhooks.endpointNode(viewer, loaders, id);
      case "WebhookDelivery":
        return this.webhooks.deliveryNode(viewer, loaders, id);
      case "RequestProcessSettings":
        return id === viewer.organizationId ? this.settings.read(loaders) : null;
      default:
        return null;
    }
  }
}
