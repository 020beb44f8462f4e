/** What every mutation payload has: the user errors (then nothing changed) and the echoed clientMutationId. */
import { Field } from "type-graphql";
import { ObjectType } from "./objectType";
import { UserErrorCode } from "./enums";

@ObjectType()
export class UserError {
  @Field(() => UserErrorCode)
  code: UserErrorCode;

  @Field({ description: "A sentence a person can act on." })
  message: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Path to the input field at fault, e.g. ["input", "excludedUserIds", "1"].',
  })
  field: string[] | null;
}

/** The base of every payload. No field returns the base itself, so the schema has no type of that name. */
@ObjectType()
export abstract class MutationPayload {
  @Field(() => [UserError])
  userErrors: UserError[];

  @Field(() => String, { nullable: true })
  clientMutationId: string | null;
}
