/** What the orchestrations of second opinions work with. */
import type { ActivityLog } from "../activity/log";
import type { DecisionHistory } from "../history/history";
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { RecommendationStore } from "./store";

export interface RecommendationDeps {
  db: Database;
  mutations: IdempotentMutations;
  store: RecommendationStore;
  /** Where each answer is recorded too, beside the decisions (api.md: visible in `recommendations` and the history). */
  history: DecisionHistory;
  /** Where every answer, share and withdrawal appends its entry, in its transaction (api.md "Nothing missed"). */
  activity: ActivityLog;
  /** The server's public base URL (PUBLIC_URL), without a trailing slash: links are `${publicUrl}/recommend?token=…`. */
  publicUrl: () => string;
}
