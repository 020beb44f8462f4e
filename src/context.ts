/**
 * The per-operation context: who asks (read from the database), fresh loaders
 * for their organization, the services, and the request ID that ties the
 * response to the log.
 */
import type { Logger } from "pino";
import type { Services } from "./services";
import type { Loaders } from "./services/loaders";
import type { Viewer } from "./services/viewer";

export interface Context {
  requestId: string;
  services: Services;
  /** Null for an operation without a token (introspection only). */
  viewer: Viewer | null;
  /** Null when there is no viewer. Subscriptions replace them for every event. */
  loaders: Loaders | null;
  log: Logger;
}

export async function buildContext(
  services: Services,
  viewer: Viewer | null,
  requestId: string,
  log: Logger,
): Promise<Context> {
  return {
    requestId,
    services,
    viewer,
    loaders: viewer ? services.loadersFor(viewer.organizationId) : null,
    log,
  };
}
