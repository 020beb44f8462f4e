/**
 * Licenses for a while (api.md "Policies") as the tests drive them over HTTP:
 * an organization of their own with a product whose policy gives licenses a
 * term, the calls a holder and an admin make (submit, approve, renew), and
 * what is stored of a product's licenses, to check the pool against.
 */
import type { DataSource } from "typeorm";
import { LicenseAssignmentEntity, ProductEntity, UserEntity } from "../../src/entities";
import { localIdOf, toGlobalId } from "../../src/services/shared/ids";
import { OrganizationSeed, seedOrganization } from "./seed";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** How the tests post an operation: as a token, answering the response's body. */
export type Post = (token: string, query: string, variables?: Json) => Promise<{ data?: Json | null; errors?: unknown }>;

export const SET_POLICY = `mutation($input: SetLicenseRequestPolicyInput!) { setLicenseRequestPolicy(input: $input) {
  policy { licenseDurationDays } userErrors { code message field } } }`;
export const SUBMIT = `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) {
  licenseRequest { id status } ownRequestProcess { message } userErrors { code message field } } }`;
export const APPROVE = `mutation($input: ApproveLicenseRequestInput!) { approveLicenseRequest(input: $input) {
  licenseRequest { id status recipients { decision assignment { id } } } assignments { id expiresAt reclaimedAt product { id } group { id } }
  userErrors { code message field } } }`;
export const DENY = `mutation($input: DenyLicenseRequestInput!) { denyLicenseRequest(input: $input) { licenseRequest { id status } userErrors { code } } }`;
export const RENEW = `mutation($input: RequestLicenseRenewalInput!) { requestLicenseRenewal(input: $input) {
  licenseRequest { id status justification product { id } requester { id } recipients { user { id } decision }
    renewalOf { id expiresAt reclaimedAt } }
  ownRequestProcess { message } userErrors { code message field } clientMutationId } }`;
export const MY_LICENSES = `{ me { licenses { id expiresAt reclaimedAt product { id } } } }`;

/** One organization of the test's own: an admin, people, a product whose licenses last `days`, and their tokens. */
export interface TermsWorld {
  org: OrganizationSeed;
  admin: string;
  adminEmail: string;
  product: ProductEntity;
  productId: string;
  /** A new person of the organization and their token. */
  person(name?: string): Promise<{ row: UserEntity; token: string; id: string }>;
  /** Submits the product for `token` and has the admin approve it (with `approval`'s extras); the approval's payload. */
  licensed(token: string, approval?: Json): Promise<Json>;
  /** The product's licenses as stored, and its pool. */
  stored(): Promise<{ pool: { total: number; assigned: number }; licenses: LicenseAssignmentEntity[] }>;
}

export async function termsWorld(
  dataSource: DataSource,
  post: Post,
  options: { days: number | null; total?: number; name?: string; assigned?: number },
): Promise<TermsWorld> {
  const org = await seedOrganization(dataSource);
  const adminRow = await org.user({ role: "GLOBAL_ADMIN", displayName: "Admin" });
  const admin = await org.token(adminRow);
  const product = await org.product({ name: options.name ?? "Visio Plan 2", total: options.total ?? 10, assigned: options.assigned ?? 0 });
  const productId = toGlobalId("Product", product.id);
  const ok = async (token: string, query: string, input: Json, field: string) => {
    const body = await post(token, query, { input });
    if (body.errors) throw new Error(`${field}: ${JSON.stringify(body.errors)}`);
    const payload = body.data![field] as Json;
    if (payload.userErrors.length) throw new Error(`${field}: ${JSON.stringify(payload.userErrors)}`);
    return payload;
  };
  if (options.days !== null) await ok(admin, SET_POLICY, { productId, licenseDurationDays: options.days }, "setLicenseRequestPolicy");
  return {
    org,
    admin,
    adminEmail: adminRow.email,
    product,
    productId,
    async person(name) {
      const row = await org.user(name ? { displayName: name } : {});
      return { row, token: await org.token(row), id: toGlobalId("User", row.id) };
    },
    async licensed(token, approval = {}) {
      const submitted = await ok(token, SUBMIT, { productId }, "submitLicenseRequest");
      return ok(admin, APPROVE, { requestId: submitted.licenseRequest.id, ...approval }, "approveLicenseRequest");
    },
    async stored() {
      const row = await dataSource.getRepository(ProductEntity).findOneByOrFail({ id: product.id });
      const licenses = await dataSource.getRepository(LicenseAssignmentEntity).find({ where: { productId: product.id }, order: { id: "ASC" } });
      return { pool: { total: row.totalLicenses, assigned: row.assignedLicenses }, licenses };
    },
  };
}

/** The local ID of a license's global ID. */
export const licenseIdOf = (globalId: string): number => localIdOf(globalId, "LicenseAssignment")!;
