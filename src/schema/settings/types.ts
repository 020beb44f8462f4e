/** The organization's request process (contract.graphql, contract-admin-center.graphql). */
import { Field, InputType } from "type-graphql";
import { MutationInput } from "../shared/inputs";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";
import { MutationPayload } from "../shared/payloads";
import { User } from "../users/types";
import { AdminNotification } from "./enums";

@ObjectType({ implements: Node, description: "The organization's choice to use its own request process instead of requests." })
export class RequestProcessSettings extends Node {
  @Field()
  useOwnRequestProcess: boolean;

  @Field(() => String, { nullable: true, description: "What users see instead of a request form while useOwnRequestProcess is on." })
  message: string | null;

  @Field(() => String, { nullable: true, description: "Optional link to the organization's policy or documentation." })
  documentationUrl: string | null;

  @Field(() => Date, { nullable: true })
  updatedAt: Date | null;

  @Field(() => User, { nullable: true })
  updatedBy: User | null;

  @Field(() => AdminNotification, {
    description: "When the organization's global admins hear of a new request (default IMMEDIATELY). Readable by everyone, changed by global admins.",
  })
  adminNotification: AdminNotification;
}

@InputType({ description: "An omitted message or documentationUrl keeps its value; an explicit null clears it." })
export class UpdateRequestProcessSettingsInput extends MutationInput {
  @Field()
  useOwnRequestProcess: boolean;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => String, { nullable: true })
  documentationUrl?: string | null;

  @Field(() => AdminNotification, { nullable: true, description: "When the global admins hear of a new request; omitted or null keeps the current choice." })
  adminNotification?: AdminNotification | null;
}

@ObjectType()
export class UpdateRequestProcessSettingsPayload extends MutationPayload {
  @Field(() => RequestProcessSettings, { nullable: true, description: "Null when userErrors is not empty." })
  settings: RequestProcessSettings | null;
}
