/** The organization's catalog (products and their service plans), read once per operation: a few dozen rows. */
import { ProductEntity, ServicePlanEntity } from "../../entities";
import { LoaderScope, once } from "../shared/loaders";
import { flag, int, Queryable, rowMapper, rows, text } from "../shared/rows";
import type { Catalog } from "./catalog";

export const productRow = rowMapper(ProductEntity, {
  id: int,
  organizationId: int,
  name: text,
  skuPartNumber: text,
  selfServicePurchaseAllowed: flag,
  totalLicenses: int,
  assignedLicenses: int,
});
export const planRow = rowMapper(ServicePlanEntity, { id: int, organizationId: int, name: text, servicePlanName: text });

const compareByName = (a: { name: string; id: number }, b: { name: string; id: number }) => a.name.localeCompare(b.name) || a.id - b.id;

/** The organization's products, by name (one statement). */
export async function loadProducts(db: Queryable, organizationId: number): Promise<ProductEntity[]> {
  const products = await rows(db, `SELECT ${productRow.columns} FROM \`product\` WHERE \`organizationId\` = ?`, [organizationId], productRow.map);
  return products.sort(compareByName);
}

/** The organization's catalog: its products and their service plans (three statements), through a data source or a transaction's manager. */
export async function loadCatalog(db: Queryable, organizationId: number, products?: Promise<ProductEntity[]>): Promise<Catalog> {
  const [productList, plans, links] = await Promise.all([
    products ?? loadProducts(db, organizationId),
    rows(db, `SELECT ${planRow.columns} FROM \`service_plan\` WHERE \`organizationId\` = ?`, [organizationId], planRow.map),
    rows(db, "SELECT `productId`, `servicePlanId` FROM `product_service_plan` WHERE `organizationId` = ?", [organizationId], (r) => ({
      productId: Number(r["productId"]),
      servicePlanId: Number(r["servicePlanId"]),
    })),
  ]);
  const planById = new Map(plans.map((p) => [p.id, p]));
  const planIdsByProductId = new Map<number, number[]>();
  for (const link of links) {
    const list = planIdsByProductId.get(link.productId) ?? [];
    list.push(link.servicePlanId);
    planIdsByProductId.set(link.productId, list);
  }
  for (const ids of planIdsByProductId.values()) ids.sort((a, b) => compareByName(planById.get(a)!, planById.get(b)!));
  return { products: productList, productById: new Map(productList.map((p) => [p.id, p])), planById, planIdsByProductId };
}

export function catalogLoaders(scope: LoaderScope) {
  const { db, organizationId } = scope;
  const products = once(() => loadProducts(db, organizationId));
  let productMap: Map<number, ProductEntity> | null = null;
  /** Products other statements read through a join (`prime`), by id, until the whole list is read. */
  const primed = new Map<number, ProductEntity>();
  const productById = once(() => products().then((list) => (productMap = new Map(list.map((p) => [p.id, p])))));
  return {
    /** The organization's products (one statement), when no service plan is needed. */
    products,
    productById,
    /**
     * The organization's product with this id (undefined when it has none): at once when
     * the operation has read its products already, or this one through a join, else
     * through `productById`. Resolvers return this as it is, so a value already read
     * costs them no promise to wait on.
     */
    productOf: (id: number): ProductEntity | undefined | Promise<ProductEntity | undefined> =>
      productMap ? productMap.get(id) : (primed.get(id) ?? productById().then((map) => map.get(id))),
    /**
     * A product another statement read through a join (on the product's id alone, a primary-key
     * lookup): `productOf` answers it at once, without reading the whole list, when it is of the
     * organization, as the list would have found it.
     */
    prime(found: ProductEntity | null): void {
      if (found && found.organizationId === organizationId) primed.set(found.id, found);
    },
    /** Products with their service plans. */
    catalog: once(() => loadCatalog(db, organizationId, products())),
  };
}

export type CatalogLoaders = ReturnType<typeof catalogLoaders>;
