/** Products and service plans: `products`, `product`, and their fields. */
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import type { ProductEntity, ServicePlanEntity } from "../../entities";
import { availableLicenses } from "../../services/licenseRequests/rules";
import { toGlobalId } from "../../services/shared/ids";
import type { Catalog } from "../../services/catalog/catalog";
import { Product, ServicePlan } from "../../schema/catalog/types";
import { signedIn } from "../shared/helpers";
import { idOf } from "../shared/input";

/** The plans of `ids`, in that order, that the catalog holds. */
export const plansOf = (catalog: Catalog, ids: number[]) => ids.map((id) => catalog.planById.get(id)).filter((p) => p !== undefined);

@Resolver(() => ServicePlan)
class ServicePlanResolver {
  @FieldResolver(() => ID)
  id(@Root() plan: ServicePlanEntity) {
    return toGlobalId("ServicePlan", plan.id);
  }
}

@Resolver(() => Product)
class ProductResolver {
  @FieldResolver(() => ID)
  id(@Root() product: ProductEntity) {
    return toGlobalId("Product", product.id);
  }

  @FieldResolver(() => [ServicePlan])
  async servicePlans(@Root() product: ProductEntity, @Ctx() ctx: Context) {
    const catalog = await signedIn(ctx).loaders.catalog.catalog();
    return plansOf(catalog, catalog.planIdsByProductId.get(product.id) ?? []);
  }

  @FieldResolver(() => Int)
  availableLicenses(@Root() product: ProductEntity) {
    return availableLicenses(product);
  }
}

@Resolver()
class CatalogQueries {
  @Query(() => [Product])
  async products(@Ctx() ctx: Context) {
    return await signedIn(ctx).loaders.catalog.products();
  }

  @Query(() => Product, { nullable: true })
  async product(@Arg("id", () => ID) id: string, @Ctx() ctx: Context) {
    const { loaders } = signedIn(ctx);
    const productId = idOf(id, "Product");
    return productId === null ? null : ((await loaders.catalog.productById()).get(productId) ?? null);
  }
}

export const catalogResolvers = [ServicePlanResolver, ProductResolver, CatalogQueries] as const;
