/**
 * The demo data as tests see it: IDs by email and SKU, tokens for any user.
 */
import { DataSource } from "typeorm";
import { ProductEntity, ServicePlanEntity, UserEntity } from "../../src/entities";
import { signToken } from "../../src/services/access/authentication";
import { toGlobalId } from "../../src/services/shared/ids";

export const TEST_JWT_SECRET = "test-secret-test-secret-test-secret-0123456789";

export interface DemoIds {
  /** Global user ID by email. */
  user(email: string): string;
  userRow(email: string): UserEntity;
  /** Global product ID by organization name and SKU. */
  product(sku: string, organization?: "Contoso" | "Fabrikam"): string;
  productRow(sku: string, organization?: "Contoso" | "Fabrikam"): ProductEntity;
  /** Global service plan ID by servicePlanName. */
  plan(servicePlanName: string, organization?: "Contoso" | "Fabrikam"): string;
  token(email: string, options?: { expiresIn?: string | number }): Promise<string>;
}

export async function demoIds(dataSource: DataSource, secret = TEST_JWT_SECRET): Promise<DemoIds> {
  const users = await dataSource.getRepository(UserEntity).find();
  const products = await dataSource.getRepository(ProductEntity).find();
  const plans = await dataSource.getRepository(ServicePlanEntity).find();
  const orgOf = (name?: string) =>
    name === "Fabrikam"
      ? users.find((u) => u.email === "admin@fabrikam.example")!.organizationId
      : users.find((u) => u.email === "admin@contoso.example")!.organizationId;
  const userRow = (email: string) => {
    const u = users.find((x) => x.email === email);
    if (!u) throw new Error(`no demo user ${email}`);
    return u;
  };
  const productRow = (sku: string, org?: "Contoso" | "Fabrikam") => {
    const p = products.find((x) => x.skuPartNumber === sku && x.organizationId === orgOf(org));
    if (!p) throw new Error(`no demo product ${sku}`);
    return p;
  };
  return {
    user: (email) => toGlobalId("User", userRow(email).id),
    userRow,
    product: (sku, org) => toGlobalId("Product", productRow(sku, org).id),
    productRow,
    plan: (name, org) => {
      const p = plans.find((x) => x.servicePlanName === name && x.organizationId === orgOf(org));
      if (!p) throw new Error(`no demo plan ${name}`);
      return toGlobalId("ServicePlan", p.id);
    },
    token: (email, options) => signToken(secret, userRow(email), options),
  };
}
