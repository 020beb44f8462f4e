/**
 * The license-request mutations and reads as a frontend sends them, over real
 * HTTP against a test server, for the decision tests.
 */
import { LicenseAssignmentEntity, LicenseRequestEntity, OutboxEmailEntity, ProductEntity } from "../../src/entities";
import { localIdOf } from "../../src/services/shared/ids";
import type { TestServer } from "./server";

export interface UserErrorShape {
  code: string;
  message: string;
  field: string[] | null;
}

const REQUEST_FIELDS = `id status recipientCount requestedAt expiresAt decidedAt decisionMessage viewerCanDecide viewerCanCancel
  decidedBy { email } assignedProduct { skuPartNumber } disabledServicePlans { servicePlanName }
  recipients { user { email } decision assignment { product { skuPartNumber } disabledServicePlans { servicePlanName } } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Mutation helpers bound to one server; each returns the payload (data) and fails the test on a top-level error unless `raw`. */
export function requestsApi(server: TestServer) {
  const mutate = async (as: string, name: string, inputType: string, selection: string, input: Json): Promise<Json> => {
    const res = await server.gql(
      as,
      `mutation($input: ${inputType}!) { ${name}(input: $input) { clientMutationId userErrors { code message field } ${selection} } }`,
      { input },
    );
    if (res.body.errors) throw new Error(`${name}: ${JSON.stringify(res.body.errors)}`);
    return res.body.data![name];
  };
  const api = {
    submit: (as: string, sku: string, others: string[] = [], extra: Json = {}) =>
      mutate(as, "submitLicenseRequest", "SubmitLicenseRequestInput", `licenseRequest { ${REQUEST_FIELDS} } ownRequestProcess { message documentationUrl }`, {
        productId: server.ids.product(sku),
        additionalUserIds: others.map((email) => server.ids.user(email)),
        ...extra,
      }),
    /** Submits and returns the new request's ID; fails on userErrors. */
    async submitted(as: string, sku: string, others: string[] = []): Promise<string> {
      const payload = await api.submit(as, sku, others);
      if (payload.userErrors.length) throw new Error(`submit: ${JSON.stringify(payload.userErrors)}`);
      return payload.licenseRequest.id;
    },
    approve: (as: string, requestId: string, input: Json = {}) =>
      mutate(
        as,
        "approveLicenseRequest",
        "ApproveLicenseRequestInput",
        `licenseRequest { ${REQUEST_FIELDS} } assignments { user { email } product { skuPartNumber } }`,
        {
          requestId,
          ...input,
        },
      ),
    deny: (as: string, requestId: string, input: Json = {}) =>
      mutate(as, "denyLicenseRequest", "DenyLicenseRequestInput", `licenseRequest { ${REQUEST_FIELDS} }`, { requestId, ...input }),
    cancel: (as: string, requestId: string, input: Json = {}) =>
      mutate(as, "cancelLicenseRequest", "CancelLicenseRequestInput", `licenseRequest { ${REQUEST_FIELDS} }`, { requestId, ...input }),
    settings: (as: string, input: Json) =>
      mutate(
        as,
        "updateRequestProcessSettings",
        "UpdateRequestProcessSettingsInput",
        `settings { useOwnRequestProcess message documentationUrl updatedBy { email } }`,
        input,
      ),
    /** The request as `as` reads it (null when not visible). */
    async read(as: string, requestId: string): Promise<Json | null> {
      const res = await server.gql(as, `query($id: ID!) { licenseRequest(id: $id) { ${REQUEST_FIELDS} } }`, { id: requestId });
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      return res.body.data!.licenseRequest;
    },
    /** What is stored: the request row, the product pools, assignments and outbox rows. */
    async stored(requestId: string) {
      const ds = server.service.dataSource;
      const id = localIdOf(requestId, "LicenseRequest")!;
      return {
        request: await ds.getRepository(LicenseRequestEntity).findOneByOrFail({ id }),
        assignments: await ds.getRepository(LicenseAssignmentEntity).findBy({ requestId: id }),
        emails: await ds.getRepository(OutboxEmailEntity).find({ where: { requestId: id }, order: { id: "ASC" } }),
      };
    },
    async pool(sku: string, organization?: "Contoso" | "Fabrikam"): Promise<{ total: number; assigned: number }> {
      const row = await server.service.dataSource.getRepository(ProductEntity).findOneByOrFail({ id: server.ids.productRow(sku, organization).id });
      return { total: row.totalLicenses, assigned: row.assignedLicenses };
    },
  };
  return api;
}

export type RequestsApi = ReturnType<typeof requestsApi>;
