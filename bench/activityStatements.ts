/**
 * Statements of a decision, counted (bench/activity.ts, section
 * `activity-statements`): one build's service started in this process (a
 * count, not a time, so sharing the process is harmless) on a MySQL/MariaDB
 * database of its own, with the statement hook of `startService` (`onQuery`,
 * as test/integration/statements.test.ts counts). A request is submitted, then
 * approved (or denied) by the organization's admin over HTTP; the statements
 * issued while the decision's HTTP request runs are counted, and apart those
 * issued in the 500 ms after its answer (work the decision leaves for after
 * its commit). Nothing else runs meanwhile: no subscriber, the outbox and
 * webhook dispatchers stopped, no sweep.
 *
 * Another build is measured the same way by pointing `--dist` at its dist/
 * (the commit before the activity log, built in a worktree of its own): only
 * its runtime is loaded, nothing of this checkout's service.
 *
 *   node dist/bench/activityStatements.js --dist /path/to/build/dist --database mysql://root@127.0.0.1:3306/lr_statements [--rounds 3]
 *
 * With `--replay N` (a build with the activity log), also the statements of
 * one subscription `licenseRequestEvents(after:)` replaying N entries (the
 * same subscription as bench/activity.ts times), from its subscribe to its
 * Nth entry, after one replay to warm up.
 *
 * Prints one line: `RESULT` and the JSON `{ approve: Count[], deny: Count[], replay? }`.
 */
import "reflect-metadata";
import path from "node:path";
import WebSocket from "ws";

interface Count {
  /** Every statement while the decision's request ran, BEGIN/COMMIT included. */
  total: number;
  /** The same without BEGIN, COMMIT, ROLLBACK and savepoints. */
  work: number;
  /** Statements in the 500 ms after the answer. */
  afterAnswer: number;
  /** Work statements (no control) before the decision's transaction, inside it, and after its COMMIT (before the answer). */
  beforeTransaction: number;
  inTransaction: number;
  afterCommit: number;
  statements: string[];
  /** Where each of `statements` ran: "before", "in" (a transaction), "after" (its commit), "control". */
  phases: string[];
  afterStatements: string[];
}

/** Each statement's place: before the first transaction, inside one, after a COMMIT, or a control statement. */
function phasesOf(statements: string[]): string[] {
  let depth = 0;
  let committed = false;
  return statements.map((sql) => {
    const s = sql.trim();
    if (/^(START TRANSACTION|BEGIN)/i.test(s)) {
      depth += 1;
      return "control";
    }
    if (/^(COMMIT|ROLLBACK)/i.test(s)) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) committed = true;
      return "control";
    }
    if (CONTROL.test(s)) return "control";
    return depth > 0 ? "in" : committed ? "after" : "before";
  });
}

const SECRET = "benchmark-secret-benchmark-secret-0123456789";
const CONTROL = /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i;

function option(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) throw new Error(`--${name} is required`);
  return value;
}

/** The parts of a build this process uses, loaded from its dist/ (typed here, not imported: another build). */
interface Build {
  runtime: {
    startService(
      config: unknown,
      log: unknown,
      options: { sweep?: boolean; onQuery?: (sql: string) => void },
    ): Promise<{
      url: string;
      dataSource: { query(sql: string, parameters?: unknown[]): Promise<Record<string, unknown>[]> };
      dispatcher: { stop(): Promise<void> };
      /** The webhook dispatcher (builds with webhooks). */
      webhooks?: { stop(): Promise<void> };
      demoAdminToken(): Promise<string | null>;
      stop(): Promise<void>;
    }>;
  };
  config: { loadConfig(env: Record<string, string | undefined>): unknown };
  logger: { createLogger(level: string): unknown };
  authentication: { signToken(secret: string, user: { id: number; organizationId: number }): Promise<string> };
  ids: { toGlobalId(type: string, id: number): string };
}

function load(dist: string): Build {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    runtime: require(path.join(dist, "src/runtime.js")) as Build["runtime"],
    config: require(path.join(dist, "src/config.js")) as Build["config"],
    logger: require(path.join(dist, "src/logger.js")) as Build["logger"],
    authentication: require(path.join(dist, "src/services/access/authentication.js")) as Build["authentication"],
    ids: require(path.join(dist, "src/services/shared/ids.js")) as Build["ids"],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Json> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Json; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const SUBMIT = `mutation ($p: ID!) { submitLicenseRequest(input: { productId: $p }) { licenseRequest { id } userErrors { message } } }`;
const APPROVE = `mutation ($id: ID!) { approveLicenseRequest(input: { requestId: $id }) { licenseRequest { id status } userErrors { message } } }`;
const DENY = `mutation ($id: ID!) { denyLicenseRequest(input: { requestId: $id, message: "Not this quarter." }) { licenseRequest { id status } userErrors { message } } }`;

async function main(): Promise<void> {
  const build = load(path.resolve(option("dist")));
  const rounds = Number(process.argv.includes("--rounds") ? option("rounds") : 3);
  const config = build.config.loadConfig({
    ...process.env,
    NODE_ENV: "development",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: option("database"),
    JWT_SECRET: SECRET,
    LOG_LEVEL: "warn",
    REDIS_URL: undefined,
    RATE_LIMIT_BUCKET_SIZE: "1000000000",
    RATE_LIMIT_RESTORE_RATE: "1000000000",
  });
  const statements: string[] = [];
  let counting = false;
  const service = await build.runtime.startService(config, build.logger.createLogger("warn"), {
    sweep: false,
    onQuery: (sql) => {
      if (counting) statements.push(sql);
    },
  });
  try {
    await service.dispatcher.stop();
    // Its polling rounds are not the decision's statements (a decision that queues nothing does not wake it).
    await service.webhooks?.stop();
    await service.dataSource.query("UPDATE product SET totalLicenses = 100000");
    const admin = await service.demoAdminToken();
    if (!admin) throw new Error("no demo admin");
    const [org] = await service.dataSource.query("SELECT organizationId AS o FROM app_user WHERE email = 'admin@contoso.example'");
    const organizationId = Number(org?.["o"]);
    const users = await service.dataSource.query("SELECT id FROM app_user WHERE organizationId = ? ORDER BY id", [organizationId]);
    const products = await service.dataSource.query("SELECT id FROM product WHERE organizationId = ? ORDER BY id", [organizationId]);
    const pairs = users.flatMap((u) => products.map((p) => ({ user: Number(u["id"]), product: Number(p["id"]) })));

    /** A pending request of a user and product that may still ask for it. */
    const submitOne = async (): Promise<string> => {
      for (;;) {
        const pair = pairs.shift();
        if (!pair) throw new Error("no user and product left to submit a request with");
        const token = await build.authentication.signToken(SECRET, { id: pair.user, organizationId });
        const data = await gql(service.url, token, SUBMIT, { p: build.ids.toGlobalId("Product", pair.product) }).catch(() => null);
        const submitted = data?.["submitLicenseRequest"];
        if (submitted?.licenseRequest) return submitted.licenseRequest.id as string;
      }
    };

    const decide = async (mutation: string, field: string, status: string): Promise<Count> => {
      const id = await submitOne();
      await new Promise((resolve) => setTimeout(resolve, 500));
      statements.length = 0;
      counting = true;
      const data = await gql(service.url, admin, mutation, { id });
      const during = [...statements];
      statements.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
      counting = false;
      const after = [...statements];
      const answer = data[field];
      if (answer.userErrors.length || answer.licenseRequest.status !== status) throw new Error(`${field}: ${JSON.stringify(answer)}`);
      const work = during.filter((sql) => !CONTROL.test(sql.trim()));
      const phases = phasesOf(during);
      const n = (phase: string) => phases.filter((p) => p === phase).length;
      return {
        total: during.length,
        work: work.length,
        afterAnswer: after.length,
        beforeTransaction: n("before"),
        inTransaction: n("in"),
        afterCommit: n("after"),
        statements: during,
        phases,
        afterStatements: after,
      };
    };

    const approve: Count[] = [];
    const deny: Count[] = [];
    // A first approval and denial warm the service up (caches, prepared plans) and are not counted.
    await decide(APPROVE, "approveLicenseRequest", "APPROVED");
    await decide(DENY, "denyLicenseRequest", "DENIED");
    for (let round = 0; round < rounds; round++) {
      approve.push(await decide(APPROVE, "approveLicenseRequest", "APPROVED"));
      deny.push(await decide(DENY, "denyLicenseRequest", "DENIED"));
    }
    const replayCount = process.argv.includes("--replay") ? Number(option("replay")) : 0;
    const replay = replayCount ? await countReplay(service, admin, organizationId, replayCount, statements, (on) => (counting = on)) : undefined;
    process.stdout.write(`RESULT ${JSON.stringify({ approve, deny, replay })}\n`);
  } finally {
    await service.stop();
  }
}

type Service = Awaited<ReturnType<Build["runtime"]["startService"]>>;

/** Statements of a replay of `count` entries (appended in one statement first), by kind of statement. */
async function countReplay(
  service: Service,
  token: string,
  organizationId: number,
  count: number,
  statements: string[],
  setCounting: (on: boolean) => void,
): Promise<{ entries: number; statements: number; byTable: Record<string, number> }> {
  const [{ head }] = (await service.dataSource.query("SELECT COALESCE(MAX(seq), 0) AS head FROM license_request_event WHERE organizationId = ?", [
    organizationId,
  ])) as [{ head: number }];
  const requests = await service.dataSource.query(
    "SELECT id, productId, requesterId, status FROM license_request WHERE organizationId = ? ORDER BY id LIMIT 50",
    [organizationId],
  );
  const values: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const r = requests[i % requests.length] ?? {};
    values.push(organizationId, Number(head) + i + 1, r["id"], r["productId"], "SUBMITTED", r["status"], r["requesterId"], Date.now() - 3_600_000 + i);
  }
  await service.dataSource.query(
    `INSERT INTO license_request_event (organizationId, seq, requestId, productId, kind, status, actorId, at) VALUES ${Array(count).fill("(?,?,?,?,?,?,?,?)").join(",")}`,
    values,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cursor = require(path.join(path.resolve(option("dist")), "src/services/activity/cursor.js")) as {
    encodeActivityCursor(position: { organizationId: number; seq: number }): string;
  };
  const after = cursor.encodeActivityCursor({ organizationId, seq: Number(head) });
  const query =
    "subscription Activity($after: String) { licenseRequestEvents(after: $after) { id cursor kind at actor { displayName } licenseRequest { id status product { name } requester { displayName } } } }";
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`${service.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
      let received = 0;
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
      socket.on("message", (raw: Buffer) => {
        const message = JSON.parse(raw.toString("utf8")) as Json;
        if (message["type"] === "connection_ack") {
          statements.length = 0;
          setCounting(true);
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables: { after } } }));
        } else if (message["type"] === "next" && ++received === count) {
          setCounting(false);
          socket.terminate();
          resolve();
        } else if (message["type"] === "error") reject(new Error(JSON.stringify(message["payload"])));
      });
      socket.on("error", reject);
    });
  await once();
  await once();
  const byTable: Record<string, number> = {};
  for (const sql of statements) {
    const table = /FROM [`"]?(\w+)/i.exec(sql)?.[1] ?? sql.slice(0, 30);
    byTable[table] = (byTable[table] ?? 0) + 1;
  }
  return { entries: count, statements: statements.length, byTable };
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
