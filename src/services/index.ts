/**
 * The feature modules, assembled once per process. Resolvers reach them
 * through the operation context; tests build them around a data source and a
 * manual clock.
 */
import { DataSource } from "typeorm";
import { Authenticator, AuthConfig } from "./access/authentication";
import { activityFeed } from "./activity/live";
import { ActivityLog } from "./activity/log";
import { ActivityStore } from "./activity/store";
import { ActivityTails, ActivityTailOptions } from "./activity/tail";
import { Deciders } from "./deciders";
import { GroupDirectory } from "./groups/directory";
import { DecisionHistory } from "./history/history";
import { LicenseRequests } from "./licenseRequests";
import { LicenseRequestQueries } from "./licenseRequests/queries";
import { AdminNoticeStore } from "./notices/store";
import { LicenseRequestStore } from "./licenseRequests/store";
import { licenseRequestFeeds } from "./licenseRequests/live";
import { LiveStreams } from "./shared/live";
import { NodeLookup } from "./nodes/nodeLookup";
import { Policies } from "./policies";
import { Recommendations } from "./recommendations";
import { RecommendationStore } from "./recommendations/store";
import { RequestProcessSettingsService } from "./settings/settings";
import type { Clock } from "./shared/clock";
import type { EventBus } from "./shared/events";
import { IdempotentMutations } from "./shared/idempotency";
import { createLoaders, Loaders } from "./loaders";
import { Database } from "./shared/unitOfWork";
import { UserDirectory } from "./users/directory";
import { WebhookOptions, Webhooks } from "./webhooks";

export interface ServicesOptions {
  dataSource: DataSource;
  clock: Clock;
  bus: EventBus;
  auth: AuthConfig;
  /** Called after a commit that wrote emails to the outbox (wakes the dispatcher). */
  onOutboxWritten?: () => void;
  /** Called after a commit that queued webhook deliveries (wakes the webhook dispatcher). */
  onWebhooksQueued?: () => void;
  /** Webhooks' address rule and secret key (default: https and public addresses only, no key: no endpoint can be made). */
  webhooks?: WebhookOptions;
  /** The server's public base URL, for links in emails (default: http://localhost:4000). */
  publicUrl?: () => string;
  /** How live readers of the activity log follow it (tests shorten the poll). */
  activityTails?: ActivityTailOptions;
}

export function createServices(options: ServicesOptions) {
  const db = new Database(options.dataSource, options.bus);
  if (options.onOutboxWritten) db.onOutboxWritten = options.onOutboxWritten;
  if (options.onWebhooksQueued) db.onWebhooksQueued = options.onWebhooksQueued;
  const mutations = new IdempotentMutations(db, options.clock);
  const history = new DecisionHistory(options.dataSource);
  const requestQueries = new LicenseRequestQueries(options.dataSource);
  const activity = new ActivityLog(new ActivityStore(options.dataSource), requestQueries);
  const tails = new ActivityTails(activity.store, options.bus, options.activityTails);
  const settings = new RequestProcessSettingsService(mutations);
  const auth = new Authenticator(options.dataSource, options.auth);
  const loadersFor = (organizationId: number): Loaders => createLoaders(options.dataSource, organizationId);
  const publicUrl = options.publicUrl ?? (() => "http://localhost:4000");
  const recommendations = new Recommendations({
    db,
    mutations,
    store: new RecommendationStore(db),
    history,
    activity,
    publicUrl,
  });
  const webhooks = new Webhooks(db, mutations, options.webhooks ?? { allowPrivate: false, secretKey: undefined });
  const deciders = new Deciders(db, mutations);
  const policies = new Policies(db, mutations);
  return {
    db,
    clock: options.clock,
    bus: options.bus,
    auth,
    mutations,
    requestQueries,
    requests: new LicenseRequests({
      db,
      mutations,
      store: new LicenseRequestStore(db),
      history,
      activity,
      notices: new AdminNoticeStore(db),
      publicUrl,
      policies: policies.store,
    }),
    recommendations,
    settings,
    users: new UserDirectory(options.dataSource),
    groups: new GroupDirectory(options.dataSource),
    history,
    webhooks,
    deciders,
    policies,
    nodes: new NodeLookup(requestQueries, settings, recommendations.queries, activity, webhooks, history, deciders),
    activity,
    /** The live readers of the activity log on this instance (`listenerCount()`: subscriptions listening). */
    tails,
    live: new LiveStreams<Loaders>(options.clock, loadersFor, (viewer, now, loaders) =>
      auth.refresh(viewer, now, { user: (id) => loaders.users.user.load(id), rights: (user) => loaders.users.rights(now).load(user) }),
    ),
    requestFeeds: licenseRequestFeeds(requestQueries, (organizationId, after) => tails.open(organizationId, after)),
    activityFeed: activityFeed(activity, tails),
    /** Fresh loaders for one operation (or one subscription event) of one organization. */
    loadersFor,
  };
}

export type Services = ReturnType<typeof createServices>;
