/** What every mutation input has: a key that makes a retry safe, and the Relay echo. */
import { Field, InputType } from "type-graphql";

export const IDEMPOTENCY_KEY_DESCRIPTION =
  "Makes a retry safe: the same key from the same user for the same mutation\nwithin 24 hours acts once and answers as the first call did (at most 64 chars).";
export const CLIENT_MUTATION_ID_DESCRIPTION = "Echoed in the payload (Relay); does not deduplicate.";

/** The base of every mutation input. No argument takes the base itself, so the schema has no type of that name. */
@InputType()
export abstract class MutationInput {
  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string | null;

  @Field(() => String, { nullable: true, description: CLIENT_MUTATION_ID_DESCRIPTION })
  clientMutationId?: string | null;
}
