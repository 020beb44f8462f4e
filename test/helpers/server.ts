/**
 * A real server for end-to-end tests: the production assembly (src/runtime.ts)
 * on port 0, on a fresh test database with the demo data, a manual clock, and
 * a `gql` client speaking real HTTP.
 */
import type { DestinationStream, Logger } from "pino";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { RunningService, startService, StartOptions } from "../../src/runtime";
import { ManualClock } from "../../src/services/shared/clock";
import { createTestDatabase, TestDatabase } from "./database";
import { demoIds, DemoIds, TEST_JWT_SECRET } from "./fixtures";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
}

export interface TestServer {
  url: string;
  wsUrl: string;
  service: RunningService;
  database: TestDatabase;
  clock: ManualClock;
  ids: DemoIds;
  log: Logger;
  /** POSTs an operation; `token` is a raw JWT or an email of a demo user. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  gql<T = Record<string, any>>(as: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: {
    env?: Record<string, string>;
    start?: StartOptions;
    database?: TestDatabase;
    clock?: ManualClock;
    /** Receives the server's log lines (at LOG_LEVEL, which `env` may set). */
    logTo?: DestinationStream;
  } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const clock = options.clock ?? new ManualClock(Date.parse("2026-11-24T12:00:00.000Z"));
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    RATE_LIMIT_BUCKET_SIZE: "1000000000",
    RATE_LIMIT_RESTORE_RATE: "100000000",
    ...options.env,
  });
  const log = createLogger(config.logLevel, options.logTo);
  const service = await startService(config, log, { clock, sweep: false, ...options.start });
  const ids = await demoIds(service.dataSource);
  const tokens = new Map<string, string>();
  const bearer = async (as: string) => {
    if (!as.includes("@")) return as;
    if (!tokens.has(as)) tokens.set(as, await ids.token(as));
    return tokens.get(as)!;
  };
  return {
    url: service.url,
    wsUrl: `${service.url.replace(/^http/, "ws")}/graphql`,
    service,
    database,
    clock,
    ids,
    log,
    async gql(as, query, variables) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (as) headers.authorization = `Bearer ${await bearer(as)}`;
      const response = await fetch(`${service.url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<never>["body"] };
    },
    async stop() {
      await service.stop();
      if (!options.database) await database.drop();
    },
  };
}
