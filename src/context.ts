/**
 * The per-operation context: who asks (read from the database), fresh loaders
 * for their organization, the services, the request ID that ties the response
 * to the log, and the operation as the pipeline admitted it.
 */
import type { Logger } from "pino";
import type { AdmittedOperation } from "./server/graphql/pipeline";
import type { Services } from "./services";
import type { Loaders } from "./services/loaders";
import type { Viewer } from "./services/shared/viewer";

export interface Context {
  requestId: string;
  services: Services;
  /** Null for an operation without a token (introspection only). */
  viewer: Viewer | null;
  /** Null when there is no viewer. Subscriptions replace them for every event. */
  loaders: Loaders | null;
  log: Logger;
  /** What the pipeline admitted (src/server/graphql/pipeline.ts); absent only for a request it never saw. */
  admitted?: AdmittedOperation | undefined;
  /** When the operation arrived (process.hrtime.bigint()). */
  startedAt: bigint;
  /**
   * "Now" for every rule of this operation (status, expiry, viewer fields), read
   * once, so one response never falls on both sides of an expiry. Subscriptions
   * set it again for every event.
   */
  now: Date;
}

export function buildContext(
  services: Services,
  viewer: Viewer | null,
  requestId: string,
  log: Logger,
  admitted?: AdmittedOperation,
  startedAt: bigint = process.hrtime.bigint(),
): Context {
  return {
    requestId,
    services,
    viewer,
    loaders: viewer ? services.loadersFor(viewer.organizationId) : null,
    log,
    admitted,
    startedAt,
    now: services.clock.now(),
  };
}
