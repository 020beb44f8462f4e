/**
 * The one access policy (src/services/access/policy.ts) against api.md's
 * "Who may do what", row by row: for each action, a plain user, a global
 * admin, and anyone of another organization.
 */
import { Action, Actions, assertCan, can, requestScope, viewOf } from "../../src/services/access/policy";
import type { Viewer } from "../../src/services/shared/viewer";
import type { UserEntity } from "../../src/entities";

const ORG = 1;
const OTHER_ORG = 2;
const viewer = (userId: number, role: "USER" | "GLOBAL_ADMIN", organizationId = ORG): Viewer => ({
  user: { id: userId, organizationId, role } as UserEntity,
  userId,
  organizationId,
  isGlobalAdmin: role === "GLOBAL_ADMIN",
  tokenExpiresAt: null,
});

const USER = viewer(10, "USER");
const ADMIN = viewer(1, "GLOBAL_ADMIN");
const OTHER_ADMIN = viewer(100, "GLOBAL_ADMIN", OTHER_ORG);
const OTHER_USER = viewer(10, "USER", OTHER_ORG);

const organization = { organizationId: ORG };
/** Sent by user 10, naming 11. */
const sent = { organizationId: ORG, requesterId: 10, recipientIds: [10, 11] };
/** Sent by 20, naming user 10. */
const namedIn = { organizationId: ORG, requesterId: 20, recipientIds: [20, 10] };
/** Sent by 20, naming 21: nothing to user 10. */
const unrelated = { organizationId: ORG, requesterId: 20, recipientIds: [20, 21] };

type Row<A extends Action = Action> = [string, A, Actions[A], { user: boolean; admin: boolean }];

// api.md "What each role reads" and the role paragraphs, one row each.
const TABLE: Row[] = [
  ["users (people picker), products, plans, counts, settings", "organization.read", organization, { user: true, admin: true }],
  ["User.licenses / an assignment of one's own", "licenses.read", { organizationId: ORG, userId: 10 }, { user: true, admin: true }],
  ["User.licenses / an assignment of someone else", "licenses.read", { organizationId: ORG, userId: 11 }, { user: false, admin: true }],
  ["a request one sent", "request.read", sent, { user: true, admin: true }],
  ["a request one is named in", "request.read", namedIn, { user: true, admin: true }],
  ["a request one has nothing to do with", "request.read", unrelated, { user: false, admin: true }],
  ["decision history", "history.read", organization, { user: false, admin: true }],
  ["deciding requests", "request.decide", organization, { user: false, admin: true }],
  ["cancelling one's own request", "request.cancel", sent, { user: true, admin: false }],
  ["cancelling a request one is named in (admins deny instead)", "request.cancel", namedIn, { user: false, admin: false }],
  ["changing the request-process settings", "settings.update", organization, { user: false, admin: true }],
  ["subscribing to licenseRequestSubmitted", "requests.subscribeSubmitted", organization, { user: false, admin: true }],
  ["security groups and their members (groups, Group.members, a Group node)", "groups.read", organization, { user: false, admin: true }],
  ["sharing a request for a second opinion", "request.share", organization, { user: false, admin: true }],
  ["withdrawing a shared link", "share.revoke", organization, { user: false, admin: true }],
  ["reading second opinions and the shares behind them", "recommendations.read", organization, { user: false, admin: true }],
];

describe("who may do what", () => {
  it.each(TABLE)("%s", (_what, action, resource, expected) => {
    expect(can(USER, action, resource as never)).toBe(expected.user);
    expect(can(ADMIN, action, resource as never)).toBe(expected.admin);
    // Nothing of one organization is allowed to anyone of another, whatever their role or user ID.
    expect(can(OTHER_ADMIN, action, resource as never)).toBe(false);
    expect(can(OTHER_USER, action, resource as never)).toBe(false);
  });

  it("answers a refusal with FORBIDDEN and the action's sentence", () => {
    expect(() => assertCan(USER, "request.decide", organization)).toThrow("Only global admins decide license requests.");
    try {
      assertCan(USER, "settings.update", organization);
    } catch (error) {
      expect((error as { extensions: Record<string, unknown> }).extensions.code).toBe("FORBIDDEN");
    }
    expect(() => assertCan(ADMIN, "request.decide", organization)).not.toThrow();
  });

  it("scopes lists as it judges single requests", () => {
    expect(requestScope(ADMIN)).toEqual({ all: true });
    expect(requestScope(USER)).toEqual({ recipientId: 10 });
    // The requester is always a recipient: the recipient scope covers "sent or named in".
    for (const request of [sent, namedIn, unrelated]) {
      expect(can(USER, "request.read", request)).toBe(request.recipientIds.includes(10));
    }
  });
});

describe("views: who shares whose answers", () => {
  const ids = [1, 2, 10, 11, 20];
  /** Every resource of each action over a few users, of the organization and of another. */
  const resources: { [A in Action]: Actions[A][] } = (() => {
    const organizations = [{ organizationId: ORG }, { organizationId: OTHER_ORG }];
    const requests = organizations.flatMap(({ organizationId }) =>
      ids.flatMap((requesterId) =>
        [[], [requesterId], [requesterId, 11], [requesterId, 2]].map((recipientIds) => ({ organizationId, requesterId, recipientIds })),
      ),
    );
    const owned = organizations.flatMap(({ organizationId }) => ids.map((userId) => ({ organizationId, userId })));
    return {
      "request.read": requests,
      "request.decide": organizations,
      "request.cancel": requests,
      "licenses.read": owned,
      "organization.read": organizations,
      "settings.update": organizations,
      "history.read": organizations,
      "requests.subscribeSubmitted": organizations,
      "request.share": organizations,
      "share.revoke": organizations,
      "recommendations.read": organizations,
      "groups.read": organizations,
      "webhooks.manage": organizations,
    };
  })();
  const actions = Object.keys(resources) as Action[];
  const viewers = [...ids.map((id) => viewer(id, "GLOBAL_ADMIN")), ...ids.map((id) => viewer(id, "USER")), viewer(1, "GLOBAL_ADMIN", OTHER_ORG)];

  it("gives viewers of one view the same answer from every rule about every resource, except the view's personal rules", () => {
    const answers = (v: Viewer) =>
      actions.flatMap((action) =>
        viewOf(v).personal.includes(action)
          ? []
          : resources[action].map((resource) => `${action} ${JSON.stringify(resource)}: ${can(v, action, resource as never)}`),
      );
    let compared = 0;
    for (const a of viewers) {
      for (const b of viewers) {
        if (a === b || viewOf(a).key !== viewOf(b).key) continue;
        expect(answers(b)).toEqual(answers(a));
        compared += 1;
      }
    }
    // The five admins of the organization make 20 ordered pairs.
    expect(compared).toBe(20);
  });

  it("keeps a personal rule personal: admins differ on cancelling what one of them sent", () => {
    const sentByOne = { organizationId: ORG, requesterId: 1, recipientIds: [1] };
    expect(viewOf(viewer(1, "GLOBAL_ADMIN")).key).toBe(viewOf(viewer(2, "GLOBAL_ADMIN")).key);
    expect(can(viewer(1, "GLOBAL_ADMIN"), "request.cancel", sentByOne)).not.toBe(can(viewer(2, "GLOBAL_ADMIN"), "request.cancel", sentByOne));
    expect(viewOf(viewer(1, "GLOBAL_ADMIN")).personal).toContain("request.cancel");
  });

  it("separates organizations, roles, and plain users from each other", () => {
    expect(viewOf(ADMIN).key).not.toBe(viewOf(OTHER_ADMIN).key);
    expect(viewOf(ADMIN).key).not.toBe(viewOf(viewer(1, "USER")).key);
    expect(viewOf(viewer(10, "USER")).key).not.toBe(viewOf(viewer(11, "USER")).key);
    expect(viewOf(USER).key).not.toBe(viewOf(OTHER_USER).key);
  });
});
