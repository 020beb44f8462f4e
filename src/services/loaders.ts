/**
 * The loaders every feature registers, as one operation (or one subscription
 * event) uses them: `loaders.<feature>.<loader>`. A fresh set per operation;
 * each feature's loaders are made when the operation first asks for them, so
 * an operation pays only for the features it reads. Every loader is scoped to
 * one organization.
 *
 * A new feature with batch reads adds its `loaders.ts`, its entry in `Loaders`,
 * and a field and a getter of `OperationLoaders` here.
 */
import type { DataSource } from "typeorm";
import { catalogLoaders, CatalogLoaders } from "./catalog/loaders";
import { deciderLoaders, DeciderLoaders } from "./deciders/loaders";
import { groupLoaders, GroupLoaders } from "./groups/loaders";
import { historyLoaders, HistoryLoaders } from "./history/loaders";
import { requestLoaders, RequestLoaders } from "./licenseRequests/loaders";
import { licenseLoaders, LicenseLoaders } from "./licenses/loaders";
import { policyLoaders, PolicyLoaders } from "./policies/loaders";
import { recommendationLoaders, RecommendationLoaders } from "./recommendations/loaders";
import { settingsLoaders, SettingsLoaders } from "./settings/loaders";
import type { LoaderScope } from "./shared/loaders";
import { userLoaders, UserLoaders } from "./users/loaders";
import { webhookLoaders, WebhookLoaders } from "./webhooks/loaders";

export interface Loaders {
  readonly organizationId: number;
  readonly users: UserLoaders;
  readonly catalog: CatalogLoaders;
  readonly licenses: LicenseLoaders;
  readonly requests: RequestLoaders;
  readonly history: HistoryLoaders;
  readonly groups: GroupLoaders;
  readonly settings: SettingsLoaders;
  readonly recommendations: RecommendationLoaders;
  readonly webhooks: WebhookLoaders;
  readonly deciders: DeciderLoaders;
  readonly policies: PolicyLoaders;
}

export function createLoaders(dataSource: DataSource, organizationId: number): Loaders {
  return new OperationLoaders({ db: dataSource, organizationId });
}

/**
 * One operation's loaders. A class with its getters on the prototype, not an
 * object literal with getters: V8 gives each such literal a hidden class of
 * its own, in the old generation, whose getter closures would keep every
 * loader's rows alive through every young collection until the next full one
 * (eslint.config.mjs forbids them).
 */
class OperationLoaders implements Loaders {
  readonly organizationId: number;
  // Nearly every operation reads people; the rest are made on first use.
  readonly users: UserLoaders;
  #catalog: CatalogLoaders | undefined;
  #licenses: LicenseLoaders | undefined;
  #requests: RequestLoaders | undefined;
  #history: HistoryLoaders | undefined;
  #groups: GroupLoaders | undefined;
  #settings: SettingsLoaders | undefined;
  #recommendations: RecommendationLoaders | undefined;
  #webhooks: WebhookLoaders | undefined;
  #deciders: DeciderLoaders | undefined;
  #policies: PolicyLoaders | undefined;

  constructor(private readonly scope: LoaderScope) {
    this.organizationId = scope.organizationId;
    this.users = userLoaders(scope);
  }

  get catalog(): CatalogLoaders {
    return (this.#catalog ??= catalogLoaders(this.scope));
  }
  get licenses(): LicenseLoaders {
    return (this.#licenses ??= licenseLoaders(this.scope));
  }
  get requests(): RequestLoaders {
    return (this.#requests ??= requestLoaders(this.scope, this.users));
  }
  get history(): HistoryLoaders {
    return (this.#history ??= historyLoaders(this.scope));
  }
  get groups(): GroupLoaders {
    return (this.#groups ??= groupLoaders(this.scope));
  }
  get settings(): SettingsLoaders {
    return (this.#settings ??= settingsLoaders(this.scope));
  }
  get recommendations(): RecommendationLoaders {
    return (this.#recommendations ??= recommendationLoaders(this.scope));
  }
  get webhooks(): WebhookLoaders {
    return (this.#webhooks ??= webhookLoaders(this.scope));
  }
  get deciders(): DeciderLoaders {
    return (this.#deciders ??= deciderLoaders(this.scope));
  }
  get policies(): PolicyLoaders {
    return (this.#policies ??= policyLoaders(this.scope));
  }
}
