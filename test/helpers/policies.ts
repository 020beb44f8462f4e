/**
 * Policies at work as tests meet them (api.md "Policies"): a product's policy
 * set over HTTP, managers written straight into the directory (the API reads
 * them, never sets them), the manager's links read from the delivered email
 * as the manager reads it, GET/POST /endorse, and the operations that answer.
 */
import type { DataSource } from "typeorm";
import { ProductApproverEntity, UserEntity } from "../../src/entities";
import type { DeliveredEmail } from "./mailbox";
import type { TestServer } from "./server";

/** What the policy tests read of a request. */
export const POLICY_REQUEST_FIELDS = `id status decidedAt decisionMessage decisionChannel autoApproveSkippedReason
  decidedBy { id } endorsement { state at comment escalatesAt manager { id } }
  recipients { user { id } decision }`;

export const SET_POLICY = `mutation($input: SetLicenseRequestPolicyInput!) { setLicenseRequestPolicy(input: $input) {
  policy { autoApprove { maxRecipients } managerEndorsement { escalateAfterDays } } userErrors { code message field } } }`;

export const SUBMIT = `mutation($input: SubmitLicenseRequestInput!) { submitLicenseRequest(input: $input) {
  licenseRequest { ${POLICY_REQUEST_FIELDS} } userErrors { code message field } } }`;

export const ENDORSE = `mutation($input: EndorseLicenseRequestInput!) { endorseLicenseRequest(input: $input) {
  licenseRequest { ${POLICY_REQUEST_FIELDS} } userErrors { code message field } clientMutationId } }`;

export const ENDORSE_BY_LINK = `mutation($input: EndorseLicenseRequestByLinkInput!) { endorseLicenseRequestByLink(input: $input) {
  licenseRequest { id status decidedAt endorsement { state at } } userErrors { code message field } clientMutationId } }`;

const ENDORSE_LINK = /\/endorse\?token=([A-Za-z0-9_-]+)&verdict=ENDORSE/;

/** The secret of the manager's Endorse link in a delivered email (the Decline link carries the same one). */
export function endorsementSecretIn(email: DeliveredEmail): string {
  const secret = ENDORSE_LINK.exec(email.text)?.[1];
  if (!secret) throw new Error(`no /endorse link in the email "${email.subject}" to ${email.to}`);
  expect(email.text).toContain(`/endorse?token=${secret}&verdict=DECLINE`);
  return secret;
}

/** GET /endorse as a browser opens the email's link. */
export const openEndorseLink = (server: TestServer, query: string) => fetch(`${server.url}/endorse?${query}`, { redirect: "manual" });

/** POST /endorse as the confirmation page's form sends it: from a no-referrer page (Origin: null). */
export const confirmEndorseLink = (server: TestServer, form: Record<string, string>) =>
  fetch(`${server.url}/endorse`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "null" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });

/** Records `manager` as `user`'s manager in the directory (null: none). */
export async function setManager(ds: DataSource, user: UserEntity, manager: UserEntity | null): Promise<void> {
  await ds.getRepository(UserEntity).update({ id: user.id }, { managerId: manager?.id ?? null });
  user.managerId = manager?.id ?? null;
}

/** Makes `user` an approver of the product. */
export async function addApprover(ds: DataSource, productId: number, user: UserEntity): Promise<void> {
  await ds.getRepository(ProductApproverEntity).insert({ productId, userId: user.id, organizationId: user.organizationId, position: 0 });
}
