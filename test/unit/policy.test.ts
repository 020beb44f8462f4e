/**
 * The one access policy (src/services/access/policy.ts) against api.md's
 * "Who may do what" and "Who decides", row by row: for each action, a plain
 * user, each admin role, an approver of product P (their own right), a
 * delegate of an admin, a delegate of P's approver, and anyone of another
 * organization. Then the views (`viewOf`) against every rule, and the helpers
 * that read rights (`decidingRightFor`, `permissionsOf`, `requestScope`).
 */
import { Action, Actions, assertCan, can, decidingRightFor, permissionsOf, refusalOf, requestScope, viewOf } from "../../src/services/access/policy";
import { DecisionRights, NO_RIGHTS, ROLE_RIGHTS, Viewer, viewerOf } from "../../src/services/shared/viewer";
import type { UserEntity } from "../../src/entities";
import type { RoleValue } from "../../src/values";

const ORG = 1;
const OTHER_ORG = 2;
/** The products: P has approver 30, Q has approver 32. */
const P = 100;
const Q = 101;

const rightsOf = (fields: Partial<DecisionRights>): DecisionRights => ({ ...NO_RIGHTS, ...fields });
const viewer = (userId: number, role: RoleValue, rights?: DecisionRights, organizationId = ORG): Viewer =>
  viewerOf({ id: userId, organizationId, role } as UserEntity, null, rights);

/** Each kind of viewer of the tables, by column name. */
const VIEWERS = {
  user: viewer(10, "USER"),
  global: viewer(1, "GLOBAL_ADMIN"),
  license: viewer(2, "LICENSE_ADMIN"),
  userAdmin: viewer(3, "USER_ADMIN"),
  /** Approver of P by their own right. */
  approver: viewer(30, "USER", rightsOf({ products: new Map([[P, null]]), ownsRight: true })),
  /** A delegate of the global admin 1: everything, on 1's behalf, nothing of their own. */
  delegateOfAdmin: viewer(40, "USER", rightsOf({ all: { onBehalfOfId: 1 } })),
  /** A delegate of approver 30: P's requests, on 30's behalf. */
  delegateOfApprover: viewer(41, "USER", rightsOf({ products: new Map([[P, 30]]) })),
} as const;
type Column = keyof typeof VIEWERS;
const COLUMNS = Object.keys(VIEWERS) as Column[];

/** The same kinds of viewer in another organization (same user IDs, same rights). */
const FOREIGNERS = COLUMNS.map((c) => viewer(VIEWERS[c].userId, VIEWERS[c].role, VIEWERS[c].rights, OTHER_ORG));

const organization = { organizationId: ORG };
const request = (productId: number, requesterId: number, others: number[] = []) => ({
  organizationId: ORG,
  productId,
  requesterId,
  recipientIds: [requesterId, ...others],
});
/** P's and Q's requests that name none of the viewers. */
const unrelatedP = request(P, 20, [21]);
const unrelatedQ = request(Q, 20, [21]);

/** One expectation per column: `true` lists who may, everyone else may not. */
const only = (...who: Column[]) => Object.fromEntries(COLUMNS.map((c) => [c, who.includes(c)])) as Record<Column, boolean>;
const everyone = only(...COLUMNS);
const deciders = only("global", "license", "userAdmin", "approver", "delegateOfAdmin", "delegateOfApprover");
const decidersOfAll = only("global", "license", "userAdmin", "delegateOfAdmin");
const managers = only("global", "license");

type Row<A extends Action = Action> = [string, A, Actions[A], Record<Column, boolean>];
const row = <A extends Action>(what: string, action: A, resource: Actions[A], expected: Record<Column, boolean>): Row => [what, action, resource, expected];

const TABLE: Row[] = [
  row("users (people picker), products, plans, counts, settings", "organization.read", organization, everyone),
  row("one's own licenses", "licenses.read", { organizationId: ORG, userId: 10 }, { ...decidersOfAll, user: true }),
  row("someone else's licenses (all of them)", "licenses.read", { organizationId: ORG, userId: 11 }, decidersOfAll),
  row("someone else's assignment of P", "licenses.read", { organizationId: ORG, userId: 11, productId: P }, deciders),
  row("someone else's assignment of Q", "licenses.read", { organizationId: ORG, userId: 11, productId: Q }, decidersOfAll),
  row("a request of P one sent", "request.read", request(P, 10, [11]), { ...deciders, user: true }),
  row("a request of Q one sent", "request.read", request(Q, 10, [11]), { ...decidersOfAll, user: true }),
  row("a request of Q one is named in", "request.read", request(Q, 20, [10]), { ...decidersOfAll, user: true }),
  row("a request of P one has nothing to do with", "request.read", unrelatedP, deciders),
  row("a request of Q one has nothing to do with", "request.read", unrelatedQ, decidersOfAll),
  row("a request of Q naming P's approver and both delegates", "request.read", request(Q, 20, [30, 40, 41]), deciders),
  row("deciding a request of P", "request.decide", unrelatedP, deciders),
  row("deciding a request of Q", "request.decide", unrelatedQ, decidersOfAll),
  row("deciding some requests (the deciding side of the Requests tab)", "requests.decideAny", organization, deciders),
  row("cancelling one's own request", "request.cancel", request(P, 10, [11]), only("user")),
  row("cancelling a request one is named in (deciders deny instead)", "request.cancel", request(P, 20, [10]), only()),
  row("cancelling a request the global admin sent", "request.cancel", request(Q, 1), only("global")),
  row("cancelling a request the approver sent", "request.cancel", request(P, 30), only("approver")),
  row("managing the request process (settings, approvers)", "process.manage", organization, managers),
  row("the decision history of P's requests", "history.read", { organizationId: ORG, productId: P }, deciders),
  row("the decision history of Q's requests", "history.read", { organizationId: ORG, productId: Q }, decidersOfAll),
  row("the whole decision history", "history.read", organization, decidersOfAll),
  row("subscribing to licenseRequestSubmitted", "requests.subscribeSubmitted", organization, deciders),
  row("security groups and their members", "groups.read", organization, deciders),
  row("sharing a request of P for a second opinion", "request.share", { organizationId: ORG, productId: P }, deciders),
  row("sharing a request of Q for a second opinion", "request.share", { organizationId: ORG, productId: Q }, decidersOfAll),
  row("withdrawing a shared link of P", "share.revoke", { organizationId: ORG, productId: P }, deciders),
  row("withdrawing a shared link of Q", "share.revoke", { organizationId: ORG, productId: Q }, decidersOfAll),
  row("second opinions on P's requests", "recommendations.read", { organizationId: ORG, productId: P }, deciders),
  row("second opinions on Q's requests", "recommendations.read", { organizationId: ORG, productId: Q }, decidersOfAll),
  row("all second opinions", "recommendations.read", organization, decidersOfAll),
  row("webhooks", "webhooks.manage", organization, only("global")),
  // One level only: what was lent is never lent on.
  row("lending one's rights", "delegation.lend", organization, only("global", "license", "userAdmin", "approver")),
  row(
    "ending the approver's delegation to their delegate",
    "delegation.end",
    { organizationId: ORG, fromUserId: 30, toUserId: 41 },
    {
      ...managers,
      approver: true,
      delegateOfApprover: true,
    },
  ),
  row("ending the global admin's delegation", "delegation.end", { organizationId: ORG, fromUserId: 1, toUserId: 40 }, { ...managers, delegateOfAdmin: true }),
  row(
    "ending the user admin's delegation to someone else",
    "delegation.end",
    { organizationId: ORG, fromUserId: 3, toUserId: 50 },
    {
      ...managers,
      userAdmin: true,
    },
  ),
  row("ending a delegation between two others", "delegation.end", { organizationId: ORG, fromUserId: 32, toUserId: 50 }, managers),
  row(
    "seeing the approver's delegation",
    "delegation.read",
    { organizationId: ORG, fromUserId: 30, toUserId: 41 },
    {
      ...managers,
      approver: true,
      delegateOfApprover: true,
    },
  ),
  row("seeing a delegation between two others", "delegation.read", { organizationId: ORG, fromUserId: 32, toUserId: 50 }, managers),
  row("seeing every delegation", "delegations.readAll", organization, managers),
  // What only one's own User tells (me { permissions }): personal to everyone, admins included.
  row("reading the approver's own permissions", "self.read", { organizationId: ORG, userId: 30 }, only("approver")),
  row("reading the global admin's own permissions", "self.read", { organizationId: ORG, userId: 1 }, only("global")),
  // api.md "Policies": the manager asked to endorse a request sees it and endorses it, whatever else they may do.
  row(
    "a request of Q whose endorsement was asked of one",
    "request.read",
    { ...request(Q, 20, [21]), endorsementManagerId: 10 },
    { ...decidersOfAll, user: true },
  ),
  row("endorsing a request as the manager asked", "request.endorse", { ...request(Q, 20, [21]), endorsementManagerId: 10 }, only("user")),
  row("endorsing a request whose endorsement was asked of the approver", "request.endorse", { ...request(P, 20), endorsementManagerId: 30 }, only("approver")),
  row("endorsing a request asking no endorsement", "request.endorse", unrelatedP, only()),
  row("renewing one's own license", "license.renew", { organizationId: ORG, userId: 10, productId: P }, only("user")),
  row("renewing someone else's license", "license.renew", { organizationId: ORG, userId: 11, productId: P }, only()),
  row("the seats of P", "seats.read", { organizationId: ORG, productId: P }, deciders),
  row("the seats of Q", "seats.read", { organizationId: ORG, productId: Q }, decidersOfAll),
];

describe("who may do what", () => {
  it("has a row for every action", () => {
    const actions = new Set(TABLE.map(([, action]) => action));
    expect([...actions].sort()).toEqual((Object.keys(VIEW_RESOURCES) as Action[]).sort());
  });

  it.each(TABLE)("%s", (_what, action, resource, expected) => {
    const answers = Object.fromEntries(COLUMNS.map((c) => [c, can(VIEWERS[c], action, resource as never)]));
    expect(answers).toEqual(expected);
    // Nothing of one organization is allowed to anyone of another, whatever their role, rights or user ID.
    for (const foreigner of FOREIGNERS) expect(can(foreigner, action, resource as never)).toBe(false);
  });

  it("never lets a recipient decide a request, whatever their role or rights", () => {
    for (const c of COLUMNS) {
      const me = VIEWERS[c].userId;
      for (const productId of [P, Q]) {
        // Named in it, or its requester.
        expect(can(VIEWERS[c], "request.decide", request(productId, 20, [me]))).toBe(false);
        expect(can(VIEWERS[c], "request.decide", request(productId, me, [20]))).toBe(false);
        // And yet they see it.
        expect(can(VIEWERS[c], "request.read", request(productId, 20, [me]))).toBe(true);
      }
    }
    // A delegate named in a request is no decider of it either, whose ever right they hold.
    expect(can(VIEWERS.delegateOfAdmin, "request.decide", request(Q, 1, [40]))).toBe(false);
    expect(can(VIEWERS.delegateOfApprover, "request.decide", request(P, 30, [41]))).toBe(false);
    // The delegator deciding a request their delegate is named in is fine.
    expect(can(VIEWERS.approver, "request.decide", request(P, 41))).toBe(true);
    // A delegate deciding a request their delegator is named in is not: the delegator could not decide it.
    expect(can(VIEWERS.delegateOfApprover, "request.decide", request(P, 20, [30]))).toBe(false);
    expect(can(VIEWERS.delegateOfApprover, "request.decide", request(P, 30))).toBe(false);
    expect(can(VIEWERS.delegateOfAdmin, "request.decide", request(Q, 1))).toBe(false);
    // Unless another right of theirs, not lent by a recipient, covers it: that one is used.
    const lentBoth = viewer(42, "USER", rightsOf({ all: { onBehalfOfId: 3 }, products: new Map([[P, 30]]) }));
    expect(can(lentBoth, "request.decide", request(P, 20, [30]))).toBe(true);
    expect(decidingRightFor(lentBoth.rights, P, [20, 30])).toBe(3);
    expect(decidingRightFor(lentBoth.rights, P, [20])).toBe(30);
    expect(decidingRightFor(lentBoth.rights, P, [3, 30])).toBeUndefined();
  });

  it("gives nothing to a viewer without rights, and gives back rights computed anew (a demoted delegator's delegate has NO_RIGHTS)", () => {
    const demotedDelegate = viewer(41, "USER", NO_RIGHTS);
    for (const [, action, resource] of TABLE) {
      const plain = can(VIEWERS.user, action, resource as never) || can(demotedDelegate, action, resource as never);
      if (!plain) continue;
      // Whatever such a viewer may do, a plain user may do about their own things: nothing of deciding.
      expect([
        "organization.read",
        "licenses.read",
        "request.read",
        "request.cancel",
        "delegation.end",
        "delegation.read",
        "request.endorse",
        "license.renew",
      ]).toContain(action);
    }
    expect(can(demotedDelegate, "request.read", unrelatedP)).toBe(false);
    expect(can(demotedDelegate, "request.decide", unrelatedP)).toBe(false);
    expect(can(demotedDelegate, "requests.decideAny", organization)).toBe(false);
    // They still see (and may end) the delegation they are party to.
    expect(can(demotedDelegate, "delegation.end", { organizationId: ORG, fromUserId: 30, toUserId: 41 })).toBe(true);
  });

  it("answers a refusal with FORBIDDEN and the action's sentence", () => {
    expect(() => assertCan(VIEWERS.user, "requests.decideAny", organization)).toThrow(refusalOf("requests.decideAny"));
    expect(() => assertCan(VIEWERS.userAdmin, "process.manage", organization)).toThrow(refusalOf("process.manage"));
    expect(() => assertCan(VIEWERS.delegateOfApprover, "delegation.lend", organization)).toThrow(refusalOf("delegation.lend"));
    let code: unknown;
    try {
      assertCan(VIEWERS.approver, "process.manage", organization);
    } catch (error) {
      code = (error as { extensions: Record<string, unknown> }).extensions.code;
    }
    expect(code).toBe("FORBIDDEN");
    expect(() => assertCan(VIEWERS.license, "process.manage", organization)).not.toThrow();
    expect(() => assertCan(VIEWERS.approver, "request.decide", unrelatedP)).not.toThrow();
  });
});

describe("lists, deciding rights and permissions say what the rules say", () => {
  it("scopes lists as it judges single requests", () => {
    for (const c of COLUMNS) {
      const scope = requestScope(VIEWERS[c]);
      const requests = [P, Q].flatMap((productId) =>
        [10, 20, 30, 40, 41].flatMap((requester) => [request(productId, requester), request(productId, 20, [requester])]),
      );
      for (const r of requests) {
        const inScope = "all" in scope || r.recipientIds.includes(scope.recipientId) || scope.productIds.includes(r.productId);
        expect([c, r, inScope]).toEqual([c, r, can(VIEWERS[c], "request.read", r)]);
      }
    }
    expect(requestScope(VIEWERS.global)).toEqual({ all: true });
    expect(requestScope(VIEWERS.delegateOfAdmin)).toEqual({ all: true });
    expect(requestScope(VIEWERS.user)).toEqual({ recipientId: 10, productIds: [], endorsementManagerId: 10 });
    expect(requestScope(VIEWERS.approver)).toEqual({ recipientId: 30, productIds: [P], endorsementManagerId: 30 });
    expect(requestScope(VIEWERS.delegateOfApprover)).toEqual({ recipientId: 41, productIds: [P], endorsementManagerId: 41 });
  });

  it("names whose right a decision uses: one's own first, else the delegator's", () => {
    expect(decidingRightFor(ROLE_RIGHTS, P)).toBeNull();
    expect(decidingRightFor(VIEWERS.approver.rights, P)).toBeNull();
    expect(decidingRightFor(VIEWERS.approver.rights, Q)).toBeUndefined();
    expect(decidingRightFor(VIEWERS.delegateOfApprover.rights, P)).toBe(30);
    expect(decidingRightFor(VIEWERS.delegateOfApprover.rights, Q)).toBeUndefined();
    expect(decidingRightFor(VIEWERS.delegateOfAdmin.rights, P)).toBe(1);
    expect(decidingRightFor(NO_RIGHTS, P)).toBeUndefined();
    // An approver of P who is also a delegate of an admin: P by their own right, the rest on the admin's behalf.
    const both = rightsOf({ all: { onBehalfOfId: 1 }, products: new Map([[P, null]]), ownsRight: true });
    expect(decidingRightFor(both, P)).toBeNull();
    expect(decidingRightFor(both, Q)).toBe(1);
    // A delegate of P's approver and of an admin: P on the approver's behalf (the product's right), Q on the admin's.
    const twoDelegations = rightsOf({ all: { onBehalfOfId: 1 }, products: new Map([[P, 30]]) });
    expect(decidingRightFor(twoDelegations, P)).toBe(30);
    expect(decidingRightFor(twoDelegations, Q)).toBe(1);
    // Whenever a decision has a right to use, the policy lets the viewer decide (when not a recipient), and the other way round.
    for (const c of COLUMNS) {
      for (const productId of [P, Q]) {
        expect([c, productId, decidingRightFor(VIEWERS[c].rights, productId) !== undefined]).toEqual([
          c,
          productId,
          can(VIEWERS[c], "request.decide", request(productId, 20)),
        ]);
      }
    }
  });

  it("tells each kind of viewer what they may do (me { permissions })", () => {
    const permissions = Object.fromEntries(COLUMNS.map((c) => [c, permissionsOf(VIEWERS[c])]));
    expect(permissions).toEqual({
      user: { decideAllRequests: false, decidesProductIds: [], manageRequestProcess: false, manageWebhooks: false },
      global: { decideAllRequests: true, decidesProductIds: [], manageRequestProcess: true, manageWebhooks: true },
      license: { decideAllRequests: true, decidesProductIds: [], manageRequestProcess: true, manageWebhooks: false },
      userAdmin: { decideAllRequests: true, decidesProductIds: [], manageRequestProcess: false, manageWebhooks: false },
      approver: { decideAllRequests: false, decidesProductIds: [P], manageRequestProcess: false, manageWebhooks: false },
      delegateOfAdmin: { decideAllRequests: true, decidesProductIds: [], manageRequestProcess: false, manageWebhooks: false },
      delegateOfApprover: { decideAllRequests: false, decidesProductIds: [P], manageRequestProcess: false, manageWebhooks: false },
    });
    // Each permission is what the rules answer.
    for (const c of COLUMNS) {
      expect(permissions[c].manageRequestProcess).toBe(can(VIEWERS[c], "process.manage", organization));
      expect(permissions[c].manageWebhooks).toBe(can(VIEWERS[c], "webhooks.manage", organization));
      expect(permissions[c].decideAllRequests).toBe(can(VIEWERS[c], "history.read", organization));
    }
  });
});

/** Every resource of each action over a few users, products and organizations. */
const VIEW_RESOURCES: { [A in Action]: Actions[A][] } = (() => {
  const ids = [1, 2, 3, 10, 11, 20, 30, 31, 32, 40, 41];
  const organizations = [{ organizationId: ORG }, { organizationId: OTHER_ORG }];
  const products = [P, Q, 102];
  const requests = organizations.flatMap(({ organizationId }) =>
    products.flatMap((productId) =>
      ids.flatMap((requesterId) =>
        [[requesterId], [requesterId, 11], [requesterId, 2], [requesterId, 30], [requesterId, 41]].flatMap((recipientIds) =>
          // Without an endorsement, and with one asked of a plain user, an admin or an approver.
          [null, 10, 2, 30].map((endorsementManagerId) => ({ organizationId, productId, requesterId, recipientIds, endorsementManagerId })),
        ),
      ),
    ),
  );
  const owned = organizations.flatMap(({ organizationId }) =>
    ids.flatMap((userId) => [undefined, ...products].map((productId) => ({ organizationId, userId, productId }))),
  );
  const about = organizations.flatMap(({ organizationId }) => [undefined, ...products].map((productId) => ({ organizationId, productId })));
  const delegations = organizations.flatMap(({ organizationId }) =>
    ids.flatMap((fromUserId) => ids.filter((to) => to !== fromUserId).map((toUserId) => ({ organizationId, fromUserId, toUserId }))),
  );
  return {
    "request.read": requests,
    "request.decide": requests,
    "requests.decideAny": organizations,
    "request.cancel": requests,
    "licenses.read": owned,
    "organization.read": organizations,
    "process.manage": organizations,
    "history.read": about,
    "request.share": about,
    "share.revoke": about,
    "recommendations.read": about,
    "requests.subscribeSubmitted": organizations,
    "groups.read": organizations,
    "webhooks.manage": organizations,
    "delegation.lend": organizations,
    "delegation.end": delegations,
    "delegation.read": delegations,
    "delegations.readAll": organizations,
    "self.read": owned,
    "request.endorse": requests,
    "license.renew": owned,
    "seats.read": about,
  };
})();

describe("views: who shares whose answers", () => {
  const actions = Object.keys(VIEW_RESOURCES) as Action[];
  const admins: RoleValue[] = ["GLOBAL_ADMIN", "LICENSE_ADMIN", "USER_ADMIN"];
  /** Several viewers of each kind: admins of each role, plain users, approvers of P (two), of Q, of P and Q, delegates, and of another organization. */
  const viewers: Viewer[] = [
    ...admins.flatMap((role) => [1, 2, 3, 10].map((id) => viewer(id, role))),
    ...[10, 11, 20].map((id) => viewer(id, "USER")),
    viewer(30, "USER", rightsOf({ products: new Map([[P, null]]), ownsRight: true })),
    viewer(31, "USER", rightsOf({ products: new Map([[P, null]]), ownsRight: true })),
    viewer(32, "USER", rightsOf({ products: new Map([[Q, null]]), ownsRight: true })),
    viewer(
      33,
      "USER",
      rightsOf({
        products: new Map([
          [P, null],
          [Q, null],
        ]),
        ownsRight: true,
      }),
    ),
    viewer(40, "USER", rightsOf({ all: { onBehalfOfId: 1 } })),
    viewer(41, "USER", rightsOf({ products: new Map([[P, 30]]) })),
    viewer(42, "USER", rightsOf({ products: new Map([[Q, 32]]) })),
    ...admins.map((role) => viewer(1, role, undefined, OTHER_ORG)),
    viewer(30, "USER", rightsOf({ products: new Map([[P, null]]), ownsRight: true }), OTHER_ORG),
  ];
  const answers = (v: Viewer) =>
    actions.flatMap((action) =>
      viewOf(v).personal.includes(action)
        ? []
        : VIEW_RESOURCES[action].map((resource) => `${action} ${JSON.stringify(resource)}: ${can(v, action, resource as never)}`),
    );

  it("gives viewers of one view the same answer from every rule about every resource, except the view's personal rules", () => {
    let compared = 0;
    for (const a of viewers) {
      for (const b of viewers) {
        if (a === b || viewOf(a).key !== viewOf(b).key) continue;
        expect(viewOf(b).personal).toEqual(viewOf(a).personal);
        expect(answers(b)).toEqual(answers(a));
        compared += 1;
      }
    }
    // The four admins of each role in the organization make 12 ordered pairs per role.
    expect(compared).toBe(3 * 12);
  });

  it("never lets two viewers who answer any rule differently share a view unless the rule is personal", () => {
    for (const a of viewers) {
      for (const b of viewers) {
        if (a === b) continue;
        const differ = actions.some(
          (action) => !viewOf(a).personal.includes(action) && VIEW_RESOURCES[action].some((r) => can(a, action, r as never) !== can(b, action, r as never)),
        );
        if (differ) expect(viewOf(a).key).not.toBe(viewOf(b).key);
      }
    }
  });

  it("never puts two approvers of different products, or an approver and their delegate, in one view", () => {
    const byId = (id: number) => viewers.find((v) => v.userId === id && v.organizationId === ORG && v.role === "USER")!;
    expect(viewOf(byId(30)).key).not.toBe(viewOf(byId(32)).key);
    expect(viewOf(byId(30)).key).not.toBe(viewOf(byId(33)).key);
    expect(viewOf(byId(30)).key).not.toBe(viewOf(byId(41)).key);
    expect(viewOf(byId(41)).key).not.toBe(viewOf(byId(42)).key);
    // Their answers do differ: each sees their own product's requests only.
    expect(can(byId(30), "request.read", unrelatedQ)).toBe(false);
    expect(can(byId(32), "request.read", unrelatedQ)).toBe(true);
    // Even the same user with other rights (e.g. after becoming approver of Q) is never served another user's view.
    for (const v of viewers.filter((x) => x.role === "USER")) {
      expect(viewOf(v).personal).toEqual([]);
    }
  });

  it("keeps a personal rule personal: admins of one role differ on cancelling and deciding what one of them sent", () => {
    const sentByOne = { organizationId: ORG, productId: P, requesterId: 1, recipientIds: [1] };
    for (const role of admins) {
      const [one, two] = [viewer(1, role), viewer(2, role)];
      expect(viewOf(one).key).toBe(viewOf(two).key);
      expect(can(one, "request.cancel", sentByOne)).not.toBe(can(two, "request.cancel", sentByOne));
      expect(can(one, "request.decide", sentByOne)).not.toBe(can(two, "request.decide", sentByOne));
      expect(viewOf(one).personal).toEqual(expect.arrayContaining(["request.cancel", "request.decide", "delegation.end", "delegation.read"]));
    }
  });

  it("separates organizations, admin roles, and everyone else from each other", () => {
    const keys = (vs: Viewer[]) => new Set(vs.map((v) => viewOf(v).key));
    // One view per admin role per organization; one per other viewer.
    const nonAdmins = viewers.filter((v) => v.role === "USER");
    expect(keys(viewers).size).toBe(3 + nonAdmins.length + 3);
    expect(viewOf(VIEWERS.global).key).not.toBe(viewOf(FOREIGNERS[1]).key);
    expect(viewOf(VIEWERS.user).key).not.toBe(viewOf(FOREIGNERS[0]).key);
  });
});
