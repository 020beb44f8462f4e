/** The organization's request process (contract.graphql, contract-admin-center.graphql). */
import { Field, InputType, Int } from "type-graphql";
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
    description:
      "When those who decide a request hear of it (default IMMEDIATELY). Readable by everyone, changed by whoever manages the request process (global and license admins).",
  })
  adminNotification: AdminNotification;

  @Field(() => Int, {
    description:
      "How long a new request stays pending before it expires: 7 to 365 days\n(default 30, as in the original admin center; today's keeps requests for\nup to 12 months). Changing it never moves the expiry of existing requests.",
  })
  requestLifetimeDays: number;

  @Field({
    description: "Whether the notice email about a new request carries Approve and Deny\nlinks for each approver it goes to (default true).",
  })
  decisionLinksInEmail: boolean;
}

@InputType({ description: "An omitted message or documentationUrl keeps its value; an explicit null clears it. Global and license admins only." })
export class UpdateRequestProcessSettingsInput extends MutationInput {
  @Field()
  useOwnRequestProcess: boolean;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => String, { nullable: true })
  documentationUrl?: string | null;

  @Field(() => AdminNotification, { nullable: true, description: "When those who decide hear of a new request; omitted or null keeps the current choice." })
  adminNotification?: AdminNotification | null;

  @Field(() => Int, { nullable: true, description: "7 to 365; omitted or null keeps the current lifetime. Applies to requests submitted afterwards." })
  requestLifetimeDays?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Omitted or null keeps the current choice." })
  decisionLinksInEmail?: boolean | null;
}

@ObjectType()
export class UpdateRequestProcessSettingsPayload extends MutationPayload {
  @Field(() => RequestProcessSettings, { nullable: true, description: "Null when userErrors is not empty." })
  settings: RequestProcessSettings | null;
}
