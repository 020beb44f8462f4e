/** What the orchestrations of who decides share: the database, idempotent runs and their store. */
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { DecidersStore } from "./store";

export interface DeciderDeps {
  db: Database;
  mutations: IdempotentMutations;
  store: DecidersStore;
}
