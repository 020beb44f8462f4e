/**
 * The service layer, assembled once per process. Resolvers reach it through the
 * operation context; tests build it around a data source and a manual clock.
 */
import { DataSource } from "typeorm";
import { Authenticator, AuthConfig } from "./access/authentication";
import type { Clock } from "./shared/clock";
import { Database } from "./shared/unitOfWork";
import { EventBus, EventPublisher } from "./shared/events";
import { IdempotentMutations } from "./shared/idempotency";
import { LicenseRequestQueries } from "./licenseRequests/queries";
import { LicenseRequestService } from "./licenseRequests/service";
import { createLoaders, Loaders } from "./shared/loaders";
import { NodeLookup } from "./nodes/nodeLookup";
import { RequestProcessSettingsService } from "./settings/settings";
import { UserDirectory } from "./users/directory";
import { DecisionHistory } from "./history/history";
import { LiveUpdates } from "./live/liveUpdates";

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
