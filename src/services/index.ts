/**
 * The service layer, assembled once per process. Resolvers reach it through the
 * operation context; tests build it around a data source and a manual clock.
 */
import { DataSource } from "typeorm";
import { Authenticator, AuthConfig } from "./auth";
import type { Clock } from "./clock";
import { Database } from "./database";
import { EventBus, EventPublisher } from "./events";
import { IdempotentMutations } from "./idempotency";
import { LicenseRequestQueries } from "./LicenseRequestQueries";
import { LicenseRequestService } from "./LicenseRequestService";
import { createLoaders, Loaders } from "./loaders";
import { NodeLookup } from "./NodeLookup";
import { RequestProcessSettingsService } from "./RequestProcessSettingsService";
import { UserDirectory } from "./UserDirectory";
import { DecisionHistory } from "./DecisionHistory";
import { LiveUpdates } from "./LiveUpdates";

export interface ServicesOptions {
  dataSource: DataSource;
  clock: Clock;
  bus: EventBus;
  auth: AuthConfig;
  /** Called after a decision wrote emails to the outbox. */
  onOutboxWritten?: () => void;
}

export function createServices(options: ServicesOptions) {
  const db = new Database(options.dataSource);
  const mutations = new IdempotentMutations(db, options.clock);
  const events = new EventPublisher(options.bus);
  const requestQueries = new LicenseRequestQueries(options.dataSource, options.clock);
  const settings = new RequestProcessSettingsService(mutations, options.clock);
  const auth = new Authenticator(options.dataSource, options.auth);
  const loadersFor = (organizationId: number): Loaders => createLoaders(options.dataSource, organizationId);
  return {
    db,
    clock: options.clock,
    bus: options.bus,
    auth,
    mutations,
    requestQueries,
    requests: new LicenseRequestService(db, options.clock, mutations, events, options.onOutboxWritten),
    settings,
    users: new UserDirectory(options.dataSource),
    history: new DecisionHistory(options.dataSource),
    nodes: new NodeLookup(requestQueries, settings),
    live: new LiveUpdates(options.bus, auth, requestQueries, options.clock, loadersFor),
    /** Fresh loaders for one operation (or one subscription event) of one organization. */
    loadersFor,
  };
}

export type Services = ReturnType<typeof createServices>;
