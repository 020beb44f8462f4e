/**
 * Shared by the generated attack tests (generated-attacks, isolation-model,
 * schema-privacy): what an internal detail looks like in a response, a
 * graphql-ws session that runs one operation at a time and reports every
 * frame, snapshots of the stored rows (to show that a refused call changed
 * nothing), and the organization every global ID belongs to.
 */
import WebSocket from "ws";
import { DataSource, EntityTarget, ObjectLiteral } from "typeorm";
import { allEntities, OutboxEmailEntity } from "../../src/entities";
import { fromGlobalId, NodeTypeName, toGlobalId } from "../../src/services/shared/ids";
import { WAIT_MS } from "./ws";

/**
 * How many generated cases to run: the suite's own variable (e.g.
 * ISOLATION_RUNS), else ATTACK_RUNS, else the default that keeps `npm test`
 * fast; ATTACK_RUNS=10000 is the full run (`npm run test:attacks`).
 */
export function attackRuns(fallback: number, suiteVariable?: string): number {
  for (const name of [suiteVariable, "ATTACK_RUNS"]) {
    const value = Number(name ? process.env[name] : undefined);
    if (Number.isInteger(value) && value > 0) return value;
  }
  return fallback;
}

/** A seed to replay a failure fast-check reported (ATTACK_SEED=<seed>); undefined for a random one. */
export function attackSeed(): number | undefined {
  const value = Number(process.env.ATTACK_SEED);
  return process.env.ATTACK_SEED && Number.isInteger(value) ? value : undefined;
}

/**
 * What an internal detail looks like in a response body: a stack frame, SQL,
 * a driver's or ORM's words, a JavaScript error. (The generated inputs never
 * contain these words in this spelling, so an echo cannot trip it.)
 */
export const INTERNALS =
  /stacktrace|\bexception\b|\bat (?:async )?\S+ \(|\.(?:js|ts):\d+:\d+|node_modules|\bSELECT |\bFROM `|\bINSERT INTO|\bUPDATE `|SQLITE_|\bER_[A-Z_]{3,}|no such table|doesn't exist|QueryFailed|EntityNotFound|typeorm|TypeORM|mysql2|better-sqlite3|TypeError|RangeError|ReferenceError|SyntaxError: |Maximum call stack|Cannot read propert|is not a function|undefined is not/;

/** One frame of the graphql-transport-ws protocol as the server sent it. */
export type Frame = { type: string; id?: string; payload?: unknown };

export interface WsOutcome {
  /** The frames of this operation (next, error, complete), in order. */
  frames: Frame[];
  /** The operation was still running (an admitted subscription) when we completed it. */
  running: boolean;
  /** The socket closed during the operation. */
  closed?: { code: number; reason: string };
}

/**
 * A graphql-ws session that runs one operation at a time and keeps every
 * frame. An operation ends with its `complete` or `error`; a subscription the
 * server admitted sends nothing until an event, so after `quietMs` without a
 * frame it is completed by us and reported as running.
 */
export class WsSession {
  private socket!: WebSocket;
  private nextId = 0;
  private listeners = new Map<string, (frame: Frame) => void>();
  closed: { code: number; reason: string } | null = null;
  private onClose: (() => void)[] = [];

  private constructor(
    readonly url: string,
    readonly token: string | null,
  ) {}

  /** Opens a socket and initialises it; resolves once acknowledged, or with the socket closed (e.g. 4401). */
  static async open(url: string, token: string | null): Promise<WsSession> {
    const session = new WsSession(url, token);
    await session.connect();
    return session;
  }

  private async connect(): Promise<void> {
    this.closed = null;
    this.listeners.clear();
    const socket = new WebSocket(this.url, "graphql-transport-ws");
    this.socket = socket;
    const acknowledged = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection_ack within ${WAIT_MS} ms`)), WAIT_MS);
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        if (frame.type === "connection_ack") {
          clearTimeout(timer);
          resolve();
        } else if (frame.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
        else if (frame.id !== undefined) this.listeners.get(frame.id)?.(frame);
      });
      socket.once("close", (code, reason) => {
        clearTimeout(timer);
        this.closed = { code, reason: String(reason) };
        for (const listener of this.onClose.splice(0)) listener();
        resolve();
      });
    });
    socket.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "connection_init", payload: this.token === null ? {} : { authorization: `Bearer ${this.token}` } }));
    await acknowledged;
  }

  /** Opens the socket again if the server closed it (e.g. after a message it refused). */
  async ensureOpen(): Promise<void> {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) await this.connect();
  }

  /** Sends `payload` (an object, or its JSON text as is) as one `subscribe` and collects its frames. */
  async run(payload: Record<string, unknown> | string, options: { quietMs?: number } = {}): Promise<WsOutcome> {
    if (this.closed) return { frames: [], running: false, closed: this.closed };
    const id = String((this.nextId += 1));
    const frames: Frame[] = [];
    const quietMs = options.quietMs ?? WAIT_MS;
    return new Promise<WsOutcome>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`operation ${id} got no end within ${WAIT_MS} ms: ${JSON.stringify(frames).slice(0, 500)}`));
      }, WAIT_MS);
      const armQuiet = () => {
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          // Nothing came: an admitted subscription waiting for events. Complete it.
          if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: "complete" }));
          finish();
          resolve({ frames, running: true });
        }, quietMs);
      };
      const finish = () => {
        clearTimeout(deadline);
        clearTimeout(quiet);
        this.listeners.delete(id);
        const index = this.onClose.indexOf(closed);
        if (index >= 0) this.onClose.splice(index, 1);
      };
      const closed = () => {
        finish();
        resolve({ frames, running: false, closed: this.closed ?? undefined });
      };
      this.onClose.push(closed);
      this.listeners.set(id, (frame) => {
        frames.push(frame);
        if (frame.type === "complete" || frame.type === "error") {
          finish();
          resolve({ frames, running: false });
        } else armQuiet();
      });
      armQuiet();
      this.socket.send(`{"id":${JSON.stringify(id)},"type":"subscribe","payload":${typeof payload === "string" ? payload : JSON.stringify(payload)}}`);
    });
  }

  async close(): Promise<void> {
    if (this.closed || this.socket.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((resolve) => this.onClose.push(resolve));
    this.socket.close(1000);
    await done;
  }
}

/** The errors of a WebSocket operation's frames (`error` payloads and `next` payloads' errors). */
export function wsErrors(outcome: WsOutcome): { message: string; extensions?: Record<string, unknown> }[] {
  const errors: { message: string; extensions?: Record<string, unknown> }[] = [];
  for (const frame of outcome.frames) {
    if (frame.type === "error") errors.push(...(frame.payload as typeof errors));
    if (frame.type === "next") errors.push(...((frame.payload as { errors?: typeof errors }).errors ?? []));
  }
  return errors;
}

/** Columns that change without any call: the outbox dispatcher's delivery bookkeeping. */
const VOLATILE: ReadonlyMap<EntityTarget<ObjectLiteral>, readonly string[]> = new Map([
  [OutboxEmailEntity, ["attempts", "nextAttemptAt", "lockedBy", "lockedUntil", "sentAt", "lastError", "secret"]],
]);

export type Snapshot = Record<string, string[]>;

/**
 * Every stored row of every table, as sorted JSON lines (the dispatcher's
 * delivery columns left out); with `organizationId`, only that organization's.
 */
export async function snapshot(dataSource: DataSource, organizationId?: number): Promise<Snapshot> {
  const result: Snapshot = {};
  for (const entity of allEntities) {
    const metadata = dataSource.getMetadata(entity);
    const orgColumn = metadata.tableName === "organization" ? "id" : "organizationId";
    const where = organizationId === undefined ? {} : { [orgColumn]: organizationId };
    const rows = await dataSource.getRepository(entity).find({ where });
    const volatile = VOLATILE.get(entity) ?? [];
    result[metadata.tableName] = rows
      .map((row) => {
        const plain: Record<string, unknown> = {};
        for (const column of metadata.columns) {
          if (!volatile.includes(column.propertyName)) plain[column.propertyName] = column.getEntityValue(row);
        }
        return JSON.stringify(plain);
      })
      .sort();
  }
  return result;
}

/** The tables in which two snapshots differ, with the rows that differ (for a readable failure). */
export function snapshotDiff(before: Snapshot, after: Snapshot): Record<string, { removed: string[]; added: string[] }> {
  const diff: Record<string, { removed: string[]; added: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = new Set(before[table] ?? []);
    const b = new Set(after[table] ?? []);
    const removed = [...a].filter((row) => !b.has(row));
    const added = [...b].filter((row) => !a.has(row));
    if (removed.length || added.length) diff[table] = { removed, added };
  }
  return diff;
}

/** Tables whose rows a global ID of each type names, and the column holding the local ID. */
const TABLE_OF: Record<NodeTypeName, { table: string; idColumn: string; orgColumn: string }> = {
  Organization: { table: "organization", idColumn: "id", orgColumn: "id" },
  User: { table: "app_user", idColumn: "id", orgColumn: "organizationId" },
  ServicePlan: { table: "service_plan", idColumn: "id", orgColumn: "organizationId" },
  Product: { table: "product", idColumn: "id", orgColumn: "organizationId" },
  LicenseAssignment: { table: "license_assignment", idColumn: "id", orgColumn: "organizationId" },
  LicenseRequest: { table: "license_request", idColumn: "id", orgColumn: "organizationId" },
  // An organization's settings are named by its own ID, stored or not (defaults until first saved).
  RequestProcessSettings: { table: "organization", idColumn: "id", orgColumn: "id" },
  LicenseRequestDecision: { table: "decision_record", idColumn: "id", orgColumn: "organizationId" },
  Group: { table: "security_group", idColumn: "id", orgColumn: "organizationId" },
  LicenseRequestShare: { table: "license_request_share", idColumn: "id", orgColumn: "organizationId" },
  LicenseRequestRecommendation: { table: "license_request_recommendation", idColumn: "id", orgColumn: "organizationId" },
  LicenseRequestEvent: { table: "license_request_event", idColumn: "id", orgColumn: "organizationId" },
  WebhookEndpoint: { table: "webhook_endpoint", idColumn: "id", orgColumn: "organizationId" },
  WebhookDelivery: { table: "webhook_delivery", idColumn: "id", orgColumn: "organizationId" },
  ApprovalDelegation: { table: "approval_delegation", idColumn: "id", orgColumn: "organizationId" },
};

/** Every global ID the database can answer with, and the organization that owns it. */
export async function idCatalogue(dataSource: DataSource): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const [type, { table, idColumn, orgColumn }] of Object.entries(TABLE_OF) as [NodeTypeName, (typeof TABLE_OF)[NodeTypeName]][]) {
    const q = (name: string) => dataSource.driver.escape(name);
    const rows = await dataSource.query<{ id: number; org: number }[]>(`SELECT ${q(idColumn)} AS id, ${q(orgColumn)} AS org FROM ${q(table)}`);
    for (const row of rows) ids.set(toGlobalId(type, Number(row.id)), Number(row.org));
  }
  return ids;
}

/** The organization owning the row a global ID names (read now); undefined when it names no row. */
export async function organizationOf(dataSource: DataSource, globalId: string): Promise<number | undefined> {
  const decoded = fromGlobalId(globalId);
  if (!decoded) return undefined;
  const { table, idColumn, orgColumn } = TABLE_OF[decoded.type];
  const q = (name: string) => dataSource.driver.escape(name);
  const rows = await dataSource.query<{ org: number }[]>(`SELECT ${q(orgColumn)} AS org FROM ${q(table)} WHERE ${q(idColumn)} = ?`, [decoded.localId]);
  return rows.length ? Number(rows[0].org) : undefined;
}

/** Every value under an `id` key of a response's data (the global IDs it answered with). */
export function idsIn(value: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (item === null || typeof item !== "object") continue;
    if (Array.isArray(item)) {
      stack.push(...item);
      continue;
    }
    for (const [key, child] of Object.entries(item)) {
      if (key === "id" && typeof child === "string") found.push(child);
      else stack.push(child);
    }
  }
  return found;
}
