/**
 * Request policies (api.md "Policies"): one per product, set by whoever
 * manages the request process. What a policy does to a request (automatic
 * approval, the manager's endorsement, licenses for a while, renewals,
 * reclaims) is the license requests feature's: it reads the policy through
 * `PolicyStore` in its own transaction.
 *
 * | room | holds |
 * | --- | --- |
 * | `rules.ts` | pure: the policy, how a change applies, limits, escalation and expiry dates, expiry notices due |
 * | `store.ts` | every statement of a policy and its change record |
 * | `loaders.ts` | policies per operation |
 * | `setPolicy.ts` | setLicenseRequestPolicy |
 */
import type { ProductEntity } from "../../entities";
import { can } from "../access/policy";
import type { Loaders } from "../loaders";
import type { IdempotentMutations } from "../shared/idempotency";
import type { Database } from "../shared/unitOfWork";
import type { Viewer } from "../shared/viewer";
import type { PolicyDeps } from "./deps";
import type { PolicyRecord } from "./rules";
import { setLicenseRequestPolicy, SetPolicyInput } from "./setPolicy";
import { PolicyStore } from "./store";

export type { PolicyRecord, RequestPolicy, AutoApproveRule } from "./rules";
export type { SetPolicyInput } from "./setPolicy";

export class Policies {
  private readonly deps: PolicyDeps;

  constructor(db: Database, mutations: IdempotentMutations) {
    this.deps = { db, mutations, store: new PolicyStore(db) };
  }

  get store(): PolicyStore {
    return this.deps.store;
  }

  set(viewer: Viewer, input: SetPolicyInput, now: Date) {
    return setLicenseRequestPolicy(this.deps, viewer, input, now);
  }

  /** A product's seats at a glance, for whoever decides its requests; null for anyone else. */
  async seatsOf(viewer: Viewer, loaders: Loaders, product: ProductEntity, now: Date) {
    if (!can(viewer, "seats.read", { organizationId: product.organizationId, productId: product.id })) return null;
    const counts = await loaders.policies.seats(now).load(product.id);
    return {
      total: product.totalLicenses,
      assigned: product.assignedLicenses,
      available: Math.max(0, product.totalLicenses - product.assignedLicenses),
      ...counts,
    };
  }

  /** Whether requests may await the viewer's endorsement (`me { permissions { endorsesRequests } }`). */
  endorsesRequests(viewer: Viewer): Promise<boolean> {
    return this.deps.store.endorsesRequests(this.deps.db.dataSource.manager, viewer.organizationId, viewer.userId);
  }

  /** A product's policy, for whoever manages the request process; null for anyone else. */
  policyOf(viewer: Viewer, loaders: Loaders, product: ProductEntity): Promise<PolicyRecord> | null {
    if (!can(viewer, "process.manage", product)) return null;
    return loaders.policies.policy.load(product.id);
  }
}
