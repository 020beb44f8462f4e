/** The organization's products and service plans, read once per operation (a few dozen rows). */
import type { ProductEntity, ServicePlanEntity } from "../../entities";

export interface Catalog {
  products: ProductEntity[];
  productById: Map<number, ProductEntity>;
  planById: Map<number, ServicePlanEntity>;
  /** Each product's plans, by name. */
  planIdsByProductId: Map<number, number[]>;
}
