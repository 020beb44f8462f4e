/**
 * The read side of second opinions: a request's recommendations and shares
 * for admins (through per-operation loaders), and what a link shows on
 * /recommend.
 */
import type { LicenseRequestEntity, LicenseRequestRecommendationEntity, LicenseRequestShareEntity } from "../../entities";
import { can, organizationOf } from "../access/policy";
import type { UserError } from "../shared/errors";
import type { Loaders } from "../loaders";
import type { Viewer } from "../shared/viewer";
import { recommendationErrors } from "./messages";
import { answerRefusal } from "./rules";
import type { RecommendationStore } from "./store";
import { hashShareToken, isShareTokenShaped } from "./tokens";

/** What /recommend shows for a link that can still answer. */
export interface SharedRequestView {
  organizationName: string;
  sharedByName: string;
  sharedWithName: string;
  productName: string;
  requesterName: string;
  recipientNames: string[];
  justification: string | null;
  requestedAt: Date;
  subject: string | null;
  message: string | null;
  expiresAt: Date;
}

/** A refused link: NOT_FOUND (names no share) or CONFLICT (used, expired, or its request decided), with its sentence. */
export type LinkView = { ok: true; view: SharedRequestView } | { ok: false; code: "NOT_FOUND" | "CONFLICT"; message: string };

type WithRecommendations = Pick<Loaders, "recommendations">;
type WithRequests = Pick<Loaders, "requests">;

export class RecommendationQueries {
  constructor(private readonly store: RecommendationStore) {}

  /** A request's recommendations, oldest first; null unless the viewer may read them (those who decide its product). */
  async ofRequest(
    viewer: Viewer,
    loaders: WithRecommendations,
    request: Pick<LicenseRequestEntity, "id" | "organizationId" | "productId">,
  ): Promise<LicenseRequestRecommendationEntity[] | null> {
    if (!can(viewer, "recommendations.read", request)) return null;
    return loaders.recommendations.ofRequest.load(request.id);
  }

  /**
   * Whom a request was shared with, oldest first, withdrawn and used links
   * included; null unless the viewer may read its second opinions (those who decide its product).
   * One statement for every request of the operation.
   */
  sharesOfRequest(
    viewer: Viewer,
    loaders: WithRecommendations,
    request: Pick<LicenseRequestEntity, "id" | "organizationId" | "productId">,
  ): Promise<LicenseRequestShareEntity[]> | null {
    if (!can(viewer, "recommendations.read", request)) return null;
    return loaders.recommendations.sharesOfRequest.load(request.id);
  }

  /** The answer given through a share, if any, for those who decide its request's product. */
  async ofShare(
    viewer: Viewer,
    loaders: WithRecommendations & WithRequests,
    share: LicenseRequestShareEntity,
  ): Promise<LicenseRequestRecommendationEntity | null> {
    if (!(await this.mayReadAbout(viewer, loaders, share))) return null;
    return loaders.recommendations.ofShare.load(share.id);
  }

  /** `node(id)` of a share: for those who decide its request's product. */
  async shareNode(viewer: Viewer, loaders: WithRecommendations & WithRequests, id: number): Promise<LicenseRequestShareEntity | null> {
    if (!can(viewer, "requests.decideAny", organizationOf(viewer))) return null;
    const share = await loaders.recommendations.share.load(id);
    return share && (await this.mayReadAbout(viewer, loaders, share)) ? share : null;
  }

  /** `node(id)` of a recommendation: for those who decide its request's product. */
  async recommendationNode(viewer: Viewer, loaders: WithRecommendations & WithRequests, id: number): Promise<LicenseRequestRecommendationEntity | null> {
    if (!can(viewer, "requests.decideAny", organizationOf(viewer))) return null;
    const recommendation = await loaders.recommendations.recommendation.load(id);
    return recommendation && (await this.mayReadAbout(viewer, loaders, recommendation)) ? recommendation : null;
  }

  /** Whether the viewer reads the second opinions of the request `about` belongs to (its product's deciders). */
  private async mayReadAbout(viewer: Viewer, loaders: WithRequests, about: { organizationId: number; requestId: number }): Promise<boolean> {
    if (can(viewer, "recommendations.read", { organizationId: about.organizationId })) return true;
    const request = await loaders.requests.request.load(about.requestId);
    return request !== null && can(viewer, "recommendations.read", request);
  }

  /**
   * What a link shows at `now`: the request it was shared for, or why it
   * cannot answer (the same refusals recordRecommendation gives).
   */
  async linkView(token: string, now: Date): Promise<LinkView> {
    const refused = (error: UserError): LinkView => ({ ok: false, code: error.code === "NOT_FOUND" ? "NOT_FOUND" : "CONFLICT", message: error.message });
    if (!isShareTokenShaped(token)) return refused(recommendationErrors.unknownLink());
    const { manager } = this.store.dataSource;
    const share = await this.store.shareByTokenHash(manager, hashShareToken(token));
    if (!share) return refused(recommendationErrors.unknownLink());
    const request = await this.store.requestById(share.requestId);
    const refusal = answerRefusal(share, request, now);
    if (refusal) return refused(refusal);
    const recipients = await this.store.recipients(manager, request.id);
    const people = await this.store.users(manager, share.organizationId, [share.sharedById, share.sharedWithId, ...recipients.map((r) => r.userId)]);
    const nameOf = (id: number) => people.get(id)?.displayName ?? "";
    const product = await this.store.product(manager, share.organizationId, request.productId);
    return {
      ok: true,
      view: {
        organizationName: (await this.store.organization(manager, share.organizationId)).name,
        sharedByName: nameOf(share.sharedById),
        sharedWithName: nameOf(share.sharedWithId),
        productName: product?.name ?? "",
        requesterName: nameOf(request.requesterId),
        recipientNames: recipients.map((r) => nameOf(r.userId)),
        justification: request.justification,
        requestedAt: request.requestedAt,
        subject: share.subject,
        message: share.message,
        expiresAt: share.expiresAt,
      },
    };
  }
}
