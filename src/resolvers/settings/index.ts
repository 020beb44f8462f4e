/** The request-process settings: `requestProcessSettings`, `updateRequestProcessSettings`, and their fields. */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { RequestProcessSettingsEntity } from "../../entities";
import { toGlobalId } from "../../services/shared/ids";
import { RequestProcessSettings, UpdateRequestProcessSettingsInput, UpdateRequestProcessSettingsPayload } from "../../schema/settings/types";
import { User } from "../../schema/users/types";
import { payload, signedIn } from "../shared/helpers";

@Resolver(() => RequestProcessSettings)
class RequestProcessSettingsResolver {
  @FieldResolver(() => ID)
  id(@Root() settings: RequestProcessSettingsEntity) {
    return toGlobalId("RequestProcessSettings", settings.organizationId);
  }

  @FieldResolver(() => User, { nullable: true })
  updatedBy(@Root() settings: RequestProcessSettingsEntity, @Ctx() ctx: Context) {
    return settings.updatedById === null ? null : signedIn(ctx).loaders.users.userOf(settings.updatedById);
  }
}

@Resolver()
class SettingsOperations {
  @Query(() => RequestProcessSettings, {
    description: "Readable by every user of the organization: a requester needs the message\nand link before asking.",
  })
  requestProcessSettings(@Ctx() ctx: Context) {
    return ctx.services.settings.read(signedIn(ctx).loaders);
  }

  @Mutation(() => UpdateRequestProcessSettingsPayload)
  async updateRequestProcessSettings(@Arg("input", () => UpdateRequestProcessSettingsInput) input: UpdateRequestProcessSettingsInput, @Ctx() ctx: Context) {
    const { viewer } = signedIn(ctx);
    const update = {
      useOwnRequestProcess: input.useOwnRequestProcess,
      message: input.message,
      documentationUrl: input.documentationUrl,
      adminNotification: input.adminNotification,
      requestLifetimeDays: input.requestLifetimeDays,
      decisionLinksInEmail: input.decisionLinksInEmail,
      idempotencyKey: input.idempotencyKey,
    };
    return payload(
      input,
      () => ctx.services.settings.update(viewer, update, ctx.now),
      (settings) => ({ settings }),
      { settings: null },
    );
  }
}

export const settingsResolvers = [RequestProcessSettingsResolver, SettingsOperations] as const;
