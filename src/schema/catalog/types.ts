/** What an organization owns licenses of: products and the service plans (apps) inside them (contract.graphql). */
import { Field, Int } from "type-graphql";
import { Node } from "../shared/node";
import { ObjectType } from "../shared/objectType";

@ObjectType({ implements: Node, description: "An app or service inside a product (e.g. Exchange Online, Power BI)." })
export class ServicePlan extends Node {
  @Field({ description: 'Display name, e.g. "Power BI Pro".' })
  name: string;

  @Field({ description: 'Stable code, e.g. "BI_AZURE_P2".' })
  servicePlanName: string;
}

@ObjectType({ implements: Node, description: "A product the organization owns licenses for (a SKU with its license pool)." })
export class Product extends Node {
  @Field()
  name: string;

  @Field()
  skuPartNumber: string;

  @Field({ description: "When false, users cannot buy it themselves and must send a license request." })
  selfServicePurchaseAllowed: boolean;

  @Field(() => [ServicePlan])
  servicePlans: ServicePlan[];

  @Field(() => Int)
  totalLicenses: number;

  @Field(() => Int)
  assignedLicenses: number;

  @Field(() => Int)
  availableLicenses: number;
}
