/** What the orchestrations of request policies share: the database, idempotent runs and their store. */
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { PolicyStore } from "./store";

export interface PolicyDeps {
  db: Database;
  mutations: IdempotentMutations;
  store: PolicyStore;
}
