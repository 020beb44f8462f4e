/**
 * Decision links as tests meet them (api.md "Decisions from the email"): the
 * people who decide (roles, approvers, delegations written straight into the
 * database, as the API for them is its own feature), the links read from the
 * delivered emails as their people read them, and GET/POST /decide.
 */
import { ApprovalDelegationEntity, ProductApproverEntity, RequestProcessSettingsEntity, UserEntity } from "../../src/entities";
import type { RoleValue } from "../../src/values";
import type { DeliveredEmail } from "./mailbox";
import type { TestServer } from "./server";

const DAY = 86_400_000;
const LINK = /\/decide\?token=([A-Za-z0-9_-]+)&verdict=APPROVE/g;

/** Every decision-link secret in a delivered email's text, in order (one per request it may decide). */
export function decisionSecretsIn(email: DeliveredEmail): string[] {
  return [...email.text.matchAll(LINK)].map((m) => m[1]);
}

export function deciders(server: TestServer) {
  const ds = server.service.dataSource;
  const user = (email: string) => server.ids.userRow(email);
  return {
    async role(email: string, role: RoleValue) {
      await ds.getRepository(UserEntity).update({ id: user(email).id }, { role });
    },
    async approver(email: string, sku: string, position = 0) {
      const product = server.ids.productRow(sku);
      await ds.getRepository(ProductApproverEntity).insert({ productId: product.id, userId: user(email).id, organizationId: product.organizationId, position });
    },
    async removeApprover(email: string, sku: string) {
      await ds.getRepository(ProductApproverEntity).delete({ productId: server.ids.productRow(sku).id, userId: user(email).id });
    },
    /** A delegation from `from` to `to`, open from `startsIn` (ms from now, may be negative) for `days`. */
    async delegate(from: string, to: string, options: { startsIn?: number; days?: number; cancelled?: boolean } = {}) {
      const now = server.clock.now().getTime();
      const startsAt = new Date(now + (options.startsIn ?? -60_000));
      await ds.getRepository(ApprovalDelegationEntity).insert({
        organizationId: user(from).organizationId,
        fromUserId: user(from).id,
        toUserId: user(to).id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + (options.days ?? 30) * DAY),
        createdAt: new Date(now),
        cancelledAt: options.cancelled ? new Date(now) : null,
      });
    },
    /** Changes the organization's settings row (made by a settings mutation before). */
    async settings(email: string, change: Partial<Pick<RequestProcessSettingsEntity, "decisionLinksInEmail" | "requestLifetimeDays" | "adminNotification">>) {
      await ds.getRepository(RequestProcessSettingsEntity).update({ organizationId: user(email).organizationId }, change);
    },
  };
}

/** GET /decide as a browser opens the email's link. */
export const openLink = (server: TestServer, query: string) => fetch(`${server.url}/decide?${query}`, { redirect: "manual" });

/** POST /decide as the confirmation page's form sends it: from a no-referrer page (Origin: null), with whatever else `headers` adds. */
export const confirmLink = (server: TestServer, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/decide`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "null", ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });

export const DECIDE_BY_LINK = `mutation($input: DecideLicenseRequestByLinkInput!) { decideLicenseRequestByLink(input: $input) {
  licenseRequest { id status decidedAt } userErrors { code message field } clientMutationId } }`;
