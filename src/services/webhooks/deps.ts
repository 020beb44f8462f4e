/** What the webhooks' orchestrations share: the database, idempotent runs, their store, the secret box, and the server's address rule. */
import type { IdempotentMutations } from "../shared/idempotency";
import type { SecretBox } from "../shared/secretBox";
import type { Database } from "../shared/unitOfWork";
import type { WebhookStore } from "./store";

export interface WebhookDeps {
  db: Database;
  mutations: IdempotentMutations;
  store: WebhookStore;
  /** Null when the server has no WEBHOOK_SECRET_KEY (production without one): no endpoint can be made. */
  secrets: SecretBox | null;
  /** WEBHOOK_ALLOW_PRIVATE: http and private addresses allowed. */
  allowPrivate: boolean;
}
