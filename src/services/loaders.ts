/**
 * The loaders every feature registers, as one operation (or one subscription
 * event) uses them: `loaders.<feature>.<loader>`. A fresh set per operation;
 * each feature's loaders are made when the operation first asks for them, so
 * an operation pays only for the features it reads. Every loader is scoped to
 * one organization.
 *
 * A new feature with batch reads adds its `loaders.ts` and one getter here.
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
  const scope: LoaderScope = { db: dataSource, organizationId };
  // Nearly every operation reads people; the rest are made on first use.
  const users = userLoaders(scope);
  let catalog: CatalogLoaders | undefined;
  let licenses: LicenseLoaders | undefined;
  let requests: RequestLoaders | undefined;
  let history: HistoryLoaders | undefined;
  let groups: GroupLoaders | undefined;
  let settings: SettingsLoaders | undefined;
  let recommendations: RecommendationLoaders | undefined;
  let webhooks: WebhookLoaders | undefined;
  let deciders: DeciderLoaders | undefined;
  let policies: PolicyLoaders | undefined;
  return {
    organizationId,
    users,
    get catalog() {
      return (catalog ??= catalogLoaders(scope));
    },
    get licenses() {
      return (licenses ??= licenseLoaders(scope));
    },
    get requests() {
      return (requests ??= requestLoaders(scope, users));
    },
    get history() {
      return (history ??= historyLoaders(scope));
    },
    get groups() {
      return (groups ??= groupLoaders(scope));
    },
    get settings() {
      return (settings ??= settingsLoaders(scope));
    },
    get recommendations() {
      return (recommendations ??= recommendationLoaders(scope));
    },
    get webhooks() {
      return (webhooks ??= webhookLoaders(scope));
    },
    get deciders() {
      return (deciders ??= deciderLoaders(scope));
    },
    get policies() {
      return (policies ??= policyLoaders(scope));
    },
  };
}
