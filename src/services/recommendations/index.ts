/**
 * Second opinions (api.md "The admin center today", "Second opinions"): an
 * admin shares a pending request with people of the organization; each answers
 * once through the link in their email; the answers are shown to admins and
 * never decide.
 *
 * | room | holds |
 * | --- | --- |
 * | `rules.ts` | pure rules: input bounds, a link's expiry, why a link cannot answer |
 * | `messages.ts` | the bounds and every user error of the feature |
 * | `tokens.ts` | the links' secrets: made, shaped, hashed |
 * | `store.ts` | every SQL statement and lock, and the per-operation loaders |
 * | `share.ts`, `record.ts`, `revoke.ts` | the orchestrations of shareLicenseRequest, recordRecommendation and revokeLicenseRequestShare |
 * | `queries.ts` | the read side: recommendations and shares for admins, what a link shows |
 */
import type { Viewer } from "../shared/viewer";
import type { RecommendationDeps } from "./deps";
import { RecommendationQueries } from "./queries";
import { recordRecommendation, RecordInput } from "./record";
import { revokeShare, RevokeInput } from "./revoke";
import { shareRequest, ShareInput } from "./share";

export type { RecordInput, RecommendationVerdict } from "./record";
export type { RevokeInput } from "./revoke";
export type { ShareInput, ShareResult } from "./share";
export type { LinkView, SharedRequestView } from "./queries";

export class Recommendations {
  readonly queries: RecommendationQueries;

  constructor(private readonly deps: RecommendationDeps) {
    this.queries = new RecommendationQueries(deps.store);
  }

  share(viewer: Viewer, input: ShareInput, now: Date) {
    return shareRequest(this.deps, viewer, input, now);
  }

  /** Withdraws a shared link (global admins). */
  revoke(viewer: Viewer, input: RevokeInput, now: Date) {
    return revokeShare(this.deps, viewer, input, now);
  }

  /** No viewer: the link's secret is the credential. */
  record(input: RecordInput, now: Date) {
    return recordRecommendation(this.deps, input, now);
  }
}
