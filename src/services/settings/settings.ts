/**
 * The organization's "use our own request process" switch (api.md "Rules").
 * Turning it on needs a non-blank message (given now or kept from before, at most
 * 1,000 chars); a documentationUrl must be an absolute http(s) URL. Omitted
 * fields keep their value; an explicit null clears one (adminNotification: omitted
 * or null keeps it; so do requestLifetimeDays and decisionLinksInEmail). Global
 * and license admins only. The request lifetime (7 to 365 days) applies to
 * requests submitted afterwards; it never moves an existing request's expiry.
 */
import { RequestProcessSettingsEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { userError, UserError, UserErrorsAbort } from "../shared/errors";
import { IdempotentMutations, MutationInput } from "../shared/idempotency";
import type { Loaders } from "../loaders";
import type { Viewer } from "../shared/viewer";
import type { AdminNotificationValue } from "../../values";

export const MAX_MESSAGE_LENGTH = 1000;
export const MAX_URL_LENGTH = 2000;
/** How long a new request lives, in days (api.md "Who decides"). */
export const REQUEST_LIFETIME_DAYS = { min: 7, max: 365, default: 30 } as const;

export interface UpdateSettingsInput extends MutationInput {
  useOwnRequestProcess: boolean;
  message?: string | null | undefined;
  documentationUrl?: string | null | undefined;
  /** Omitted or null keeps the current choice. */
  adminNotification?: AdminNotificationValue | null | undefined;
  /** Omitted or null keeps the current lifetime. */
  requestLifetimeDays?: number | null | undefined;
  /** Omitted or null keeps the current choice. */
  decisionLinksInEmail?: boolean | null | undefined;
}

export function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function defaults(organizationId: number): RequestProcessSettingsEntity {
  return Object.assign(new RequestProcessSettingsEntity(), {
    organizationId,
    useOwnRequestProcess: false,
    message: null,
    documentationUrl: null,
    updatedAt: null,
    updatedById: null,
    adminNotification: "IMMEDIATELY",
    requestLifetimeDays: REQUEST_LIFETIME_DAYS.default,
    decisionLinksInEmail: true,
  });
}

export class RequestProcessSettingsService {
  constructor(private readonly mutations: IdempotentMutations) {}

  private lockMode() {
    const mode = this.mutations.database.forUpdate();
    return mode ? { lock: { mode } } : {};
  }

  /** The settings, or the defaults (off, no message) when never changed. */
  async read(loaders: Loaders): Promise<RequestProcessSettingsEntity> {
    return (await loaders.settings.settings()) ?? defaults(loaders.organizationId);
  }

  async update(viewer: Viewer, input: UpdateSettingsInput, now: Date) {
    assertCan(viewer, "process.manage", organizationOf(viewer));
    const errors: UserError[] = [];
    const message = input.message === undefined ? undefined : input.message === null ? null : input.message.trim() || null;
    const url = input.documentationUrl === undefined ? undefined : input.documentationUrl?.trim() || null;
    if (input.message && input.message.length > MAX_MESSAGE_LENGTH) {
      errors.push(userError("INVALID_INPUT", `The message is at most ${MAX_MESSAGE_LENGTH} characters.`, ["message"]));
    }
    if (url && (url.length > MAX_URL_LENGTH || !isAbsoluteHttpUrl(url))) {
      errors.push(
        userError("INVALID_INPUT", "The documentation link must be an absolute http(s) URL, e.g. https://contoso.example/licenses.", ["documentationUrl"]),
      );
    }
    const days = input.requestLifetimeDays;
    if (days != null && (!Number.isInteger(days) || days < REQUEST_LIFETIME_DAYS.min || days > REQUEST_LIFETIME_DAYS.max)) {
      errors.push(
        userError(
          "INVALID_INPUT",
          `A request lives ${REQUEST_LIFETIME_DAYS.min} to ${REQUEST_LIFETIME_DAYS.max} days (${REQUEST_LIFETIME_DAYS.default} by default); ${days} is outside that.`,
          ["requestLifetimeDays"],
        ),
      );
    }
    if (errors.length) return { ok: false as const, userErrors: errors };
    return this.mutations.run(
      viewer,
      "updateRequestProcessSettings",
      input,
      async ({ manager }) => {
        const repo = manager.getRepository(RequestProcessSettingsEntity);
        const current = (await repo.findOne({ where: { organizationId: viewer.organizationId }, ...this.lockMode() })) ?? defaults(viewer.organizationId);
        const next = Object.assign(new RequestProcessSettingsEntity(), current, {
          useOwnRequestProcess: input.useOwnRequestProcess,
          message: message === undefined ? current.message : message,
          documentationUrl: url === undefined ? current.documentationUrl : url,
          adminNotification: input.adminNotification ?? current.adminNotification ?? "IMMEDIATELY",
          requestLifetimeDays: input.requestLifetimeDays ?? current.requestLifetimeDays ?? REQUEST_LIFETIME_DAYS.default,
          decisionLinksInEmail: input.decisionLinksInEmail ?? current.decisionLinksInEmail ?? true,
          updatedAt: now,
          updatedById: viewer.userId,
        });
        if (next.useOwnRequestProcess && !next.message) {
          throw new UserErrorsAbort([
            userError("INVALID_INPUT", "Write the message users will see instead of the request form before turning on your own request process.", ["message"]),
          ]);
        }
        await repo.save(next);
        return next;
      },
      {
        encode: () => ({}),
        decode: async () =>
          (await this.mutations.database.dataSource
            .getRepository(RequestProcessSettingsEntity)
            .findOne({ where: { organizationId: viewer.organizationId } })) ?? defaults(viewer.organizationId),
      },
    );
  }
}
