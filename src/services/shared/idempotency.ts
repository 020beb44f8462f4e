/**
 * Idempotent mutations (api.md "Idempotency"). A call with an `idempotencyKey`
 * runs in one transaction that first inserts its (organization, user, mutation,
 * key) row: a concurrent duplicate waits on that unique key, and once the first
 * commits it replays the first call's outcome instead of acting. Calls that end
 * in userErrors roll back, row included, so a retry runs again. A key seen with
 * other input is refused. Records live 24 hours.
 */
import { createHash } from "node:crypto";
import { In } from "typeorm";
import { IdempotencyRecordEntity } from "../../entities";
import type { Clock } from "./clock";
import { DAY_MS } from "./clock";
import { Database, isDuplicateKeyError, UnitOfWork } from "./unitOfWork";
import { badUserInput, failed, ok, Outcome, userError, UserErrorsAbort } from "./errors";
import { malformedTextErrors } from "./text";
import type { Viewer } from "./viewer";

export const MAX_IDEMPOTENCY_KEY_LENGTH = 64;

/**
 * The bound of every mutation's `idempotencyKey`: 1 to 64 characters, else
 * BAD_USER_INPUT. The pipeline's price of a mutation (src/server/graphql/cost.ts)
 * asks it before any of the operation's root fields runs (asked only when a
 * root field ran, it failed after the earlier ones had acted), and the
 * idempotent runner again for callers that come another way.
 */
export function checkIdempotencyKey(key: unknown): void {
  if (typeof key === "string" && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badUserInput(`\`idempotencyKey\` must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, "idempotencyKey");
  }
}
const IDEMPOTENCY_WINDOW_MS = DAY_MS;

/** What every mutation's input has for the services: the key that makes a retry safe. */
export interface MutationInput {
  idempotencyKey?: string | null | undefined;
}

/** JSON with sorted keys, so equal inputs hash equally whatever their key order; dates as their ISO text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  // A Date has no own enumerable keys: without this, every two dates would read as equal.
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function inputFingerprint(input: MutationInput): string {
  const { idempotencyKey: _key, clientMutationId: _cmid, ...rest } = input as Record<string, unknown>;
  void _key;
  void _cmid;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

export interface MutationResult<T> {
  value: T;
  /** True when this call replayed an earlier one and acted not. */
  replayed: boolean;
}

export class IdempotentMutations {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  get database(): Database {
    return this.db;
  }

  /**
   * Runs `work` in a transaction, once per idempotency key. `work` throws
   * `UserErrorsAbort` to roll back and answer with user errors. `encode` turns
   * the result into what is remembered (IDs), `decode` reads it back for a replay.
   * Every mutation comes through here: an input whose text holds a lone
   * surrogate is answered with INVALID_INPUT on that field, and nothing runs.
   */
  async run<T, R>(
    viewer: Viewer,
    mutation: string,
    input: MutationInput,
    work: (unit: UnitOfWork) => Promise<T>,
    codec: { encode: (value: T) => R; decode: (stored: R) => Promise<T> | T },
  ): Promise<Outcome<MutationResult<T>>> {
    const key = input.idempotencyKey ?? null;
    checkIdempotencyKey(key);
    const malformed = malformedTextErrors(input);
    if (malformed.length) return failed(...malformed);
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await this.db.transaction(async (unit) => {
          const { manager } = unit;
          if (key === null) return ok({ value: await work(unit), replayed: false });
          const fingerprint = inputFingerprint(input);
          const repo = manager.getRepository(IdempotencyRecordEntity);
          const scope = { organizationId: viewer.organizationId, userId: viewer.userId, mutation, idempotencyKey: key };
          const now = this.clock.now();
          const existing = await repo.findOne({ where: scope });
          if (existing && existing.createdAt.getTime() > now.getTime() - IDEMPOTENCY_WINDOW_MS) {
            if (existing.inputHash !== fingerprint) {
              return failed<MutationResult<T>>(
                userError("INVALID_INPUT", "This idempotency key was already used with different input; use a new key for a new call.", ["idempotencyKey"]),
              );
            }
            return ok({ value: await codec.decode(JSON.parse(existing.outcome) as R), replayed: true });
          }
          if (existing) await repo.delete({ id: existing.id });
          const record = await repo.save(repo.create({ ...scope, inputHash: fingerprint, outcome: "null", createdAt: now }));
          const value = await work(unit);
          await repo.update({ id: record.id }, { outcome: JSON.stringify(codec.encode(value)) });
          return ok({ value, replayed: false });
        });
        return outcome;
      } catch (error) {
        if (error instanceof UserErrorsAbort) return failed(...error.userErrors);
        // A concurrent call with the same key committed first: read its outcome.
        if (key !== null && isDuplicateKeyError(error) && attempt < 3 && (await this.keyTaken(viewer, mutation, key))) continue;
        throw error;
      }
    }
  }

  /**
   * Whether `key` was used, within the window, for one of `calls` (mutation
   * names and the inputs they would be remembered with) with other input: a
   * call made of several remembered parts (decideLicenseRequests) refuses a
   * reused key as a whole, before any part runs.
   */
  async usedWithOtherInput(viewer: Viewer, key: string, calls: readonly { mutation: string; input: MutationInput }[]): Promise<boolean> {
    if (!calls.length) return false;
    const fingerprints = new Map(calls.map((c) => [c.mutation, inputFingerprint(c.input)]));
    const cutoff = this.clock.now().getTime() - IDEMPOTENCY_WINDOW_MS;
    const found = await this.db.dataSource.getRepository(IdempotencyRecordEntity).find({
      where: { organizationId: viewer.organizationId, userId: viewer.userId, idempotencyKey: key, mutation: In([...fingerprints.keys()]) },
    });
    return found.some((r) => r.createdAt.getTime() > cutoff && r.inputHash !== fingerprints.get(r.mutation));
  }

  private async keyTaken(viewer: Viewer, mutation: string, key: string): Promise<boolean> {
    const found = await this.db.dataSource.getRepository(IdempotencyRecordEntity).findOne({
      where: { organizationId: viewer.organizationId, userId: viewer.userId, mutation, idempotencyKey: key },
    });
    return found !== null;
  }

  /** Forgets records older than the window. */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - IDEMPOTENCY_WINDOW_MS);
    const result = await this.db.transaction(({ manager }) =>
      manager.createQueryBuilder().delete().from(IdempotencyRecordEntity).where("createdAt < :cutoff", { cutoff: cutoff.getTime() }).execute(),
    );
    return result.affected ?? 0;
  }
}
