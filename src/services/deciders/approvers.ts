/**
 * setProductApprovers (api.md "Who decides"): whoever manages the request
 * process replaces a product's list of approvers (at most 20 people of the
 * organization). Checked before anything is read: the list's length;
 * then, under the product's row lock: the product (NOT_FOUND) and every
 * person (NOT_FOUND naming the entry). Nothing is half-applied.
 */
import { ProductEntity } from "../../entities";
import { assertCan, organizationOf } from "../access/policy";
import { failed, userError, UserErrorsAbort } from "../shared/errors";
import type { LocalId } from "../shared/ids";
import type { MutationInput } from "../shared/idempotency";
import type { Viewer } from "../shared/viewer";
import type { DeciderDeps } from "./deps";
import { approverListErrors } from "./rules";

export interface SetApproversInput extends MutationInput {
  productId: LocalId;
  userIds: LocalId[];
}

const noSuchProduct = () => userError("NOT_FOUND", "No such product.", ["productId"]);

export async function setProductApprovers(deps: DeciderDeps, viewer: Viewer, input: SetApproversInput) {
  assertCan(viewer, "process.manage", organizationOf(viewer));
  const { productId } = input;
  if (productId === null) return failed<never>(noSuchProduct());
  const listErrors = approverListErrors(input.userIds);
  if (listErrors.length) return failed<never>(...listErrors);
  const missingIndex = input.userIds.findIndex((id) => id === null);
  if (missingIndex >= 0) return failed<never>(noSuchUser(missingIndex));
  const userIds = [...new Set(input.userIds as number[])];
  const organizationId = viewer.organizationId;
  return deps.mutations.run<ProductEntity, { id: number }>(
    viewer,
    "setProductApprovers",
    input,
    async ({ manager }) => {
      const product = await deps.store.productForUpdate(manager, organizationId, productId);
      if (!product) throw new UserErrorsAbort([noSuchProduct()]);
      const people = await deps.store.users(manager, organizationId, userIds);
      const unknown = input.userIds.findIndex((id) => id === null || !people.has(id));
      if (unknown >= 0) throw new UserErrorsAbort([noSuchUser(unknown)]);
      await deps.store.replaceApprovers(manager, organizationId, productId, userIds);
      return product;
    },
    {
      encode: (product) => ({ id: product.id }),
      decode: ({ id }) => deps.db.dataSource.getRepository(ProductEntity).findOneByOrFail({ id }),
    },
  );
}

const noSuchUser = (index: number) => userError("NOT_FOUND", "No such person in this organization.", ["userIds", String(index)]);
