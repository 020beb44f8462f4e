/**
 * Invariants the speed work relies on, checked on the schema itself rather
 * than remembered:
 *
 * - Every field of every object type that consults the viewer says so
 *   (`ViewerField`, src/resolvers/shared/viewerField.ts, which writes the
 *   field's policy actions): shared subscription execution runs a payload once
 *   per view and would otherwise give one viewer another's answer. Each field
 *   resolver is run against real rows with a viewer that records what is read
 *   of it, as an admin and as a user.
 * - The actions a field declares are the policy's, and none of the view's
 *   personal ones is shared (src/server/graphql/sharedExecution.ts).
 * - A field without a resolver never holds a promise: compiled operations
 *   (graphql-jit) read such a field as a plain value and would not wait for it.
 *   Every query field is selected as deep as the schema goes, every field
 *   without a resolver answering through a check.
 */
import {
  execute,
  getNamedType,
  GraphQLField,
  GraphQLObjectType,
  GraphQLResolveInfo,
  GraphQLSchema,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isEnumType,
  parse,
  getNullableType,
  GraphQLOutputType,
  defaultFieldResolver,
} from "graphql";
import type { DataSource } from "typeorm";
import { DEVELOPMENT_WEBHOOK_SECRET_KEY } from "../../src/config";
import { buildContext, Context } from "../../src/context";
import {
  LicenseAssignmentEntity,
  LicenseRequestRecommendationEntity,
  LicenseRequestShareEntity,
  RequestProcessSettingsEntity,
  UserEntity,
} from "../../src/entities";
import { createLogger } from "../../src/logger";
import { buildSchema } from "../../src/resolvers";
import { createServices, Services } from "../../src/services";
import { Action, POLICY_ACTIONS_EXTENSION, refusalOf, viewOf } from "../../src/services/access/policy";
import { ManualClock } from "../../src/services/shared/clock";
import { createEventBus } from "../../src/services/shared/events";
import { Viewer, viewerOf } from "../../src/services/shared/viewer";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { seedOrganization } from "../helpers/seed";
import { appendEntry } from "../helpers/webhooks";

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);

describe("invariants of the schema", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let services: Services;
  let schema: GraphQLSchema;
  let admin: UserEntity;
  let user: UserEntity;
  /** A row of each object type that is read from the database, by type name. */
  const roots = new Map<string, object>();
  const clock = new ManualClock(Date.parse("2026-12-01T12:00:00Z"));

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await database.open();
    services = createServices({
      dataSource,
      clock,
      bus: createEventBus(),
      auth: { secret: TEST_JWT_SECRET },
      webhooks: { allowPrivate: true, secretKey: DEVELOPMENT_WEBHOOK_SECRET_KEY },
    });
    schema = await buildSchema();

    const org = await seedOrganization(dataSource);
    admin = await org.user({ role: "GLOBAL_ADMIN" });
    user = await org.user();
    const named = await org.user();
    const product = await org.product({ total: 10 });
    const group = await org.group({ licensedWith: [product], members: [admin] });
    const request = await org.request({ requester: user, product, named: [named], requestedAt: clock.now() });
    const approved = await services.requests.approve(viewerOf(admin, null), { requestId: request.id, assignThrough: { groupId: group.id } }, clock.now());
    expect(approved.ok).toBe(true);
    await dataSource.getRepository(RequestProcessSettingsEntity).save({
      organizationId: org.organization.id,
      useOwnRequestProcess: false,
      message: null,
      documentationUrl: null,
      updatedAt: clock.now(),
      updatedById: admin.id,
      adminNotification: "IMMEDIATELY",
    });
    const share = await dataSource.getRepository(LicenseRequestShareEntity).save({
      organizationId: org.organization.id,
      requestId: request.id,
      sharedWithId: named.id,
      sharedById: admin.id,
      sharedAt: clock.now(),
      expiresAt: new Date(clock.now().getTime() + 86_400_000),
      tokenHash: "0".repeat(64),
      subject: null,
      message: null,
      usedAt: clock.now(),
      revokedAt: null,
    });
    await dataSource.getRepository(LicenseRequestRecommendationEntity).save({
      organizationId: org.organization.id,
      requestId: request.id,
      shareId: share.id,
      byId: named.id,
      verdict: "APPROVE",
      comment: null,
      at: clock.now(),
    });

    const hook = await services.webhooks.create(viewerOf(admin, null), { url: "http://127.0.0.1:9/hook" }, clock.now());
    if (!hook.ok) throw new Error("no endpoint");
    const endpointId = hook.value.value.endpoint.id;
    const eventId = await appendEntry(services.db, dataSource, {
      organizationId: org.organization.id,
      requestId: request.id,
      productId: product.id,
      kind: "APPROVED",
      status: "APPROVED",
      actorId: admin.id,
      at: clock.now(),
    });

    // Every row as the read path gives it (the loaders' mappers).
    const loaders = services.loadersFor(org.organization.id);
    const stored = (await loaders.requests.request.load(request.id))!;
    const assignment = (await dataSource.getRepository(LicenseAssignmentEntity).findOneByOrFail({ requestId: request.id, userId: user.id })).id;
    roots.set("User", (await loaders.users.user.load(user.id))!);
    roots.set("Organization", (await loaders.users.organization.load(org.organization.id))!);
    roots.set("Product", (await loaders.catalog.productById()).get(product.id)!);
    roots.set("ServicePlan", [...(await loaders.catalog.catalog()).planById.values()][0]);
    roots.set("LicenseRequest", stored);
    roots.set("LicenseRequestRecipient", (await loaders.requests.recipients.load(request.id))[0]);
    roots.set("LicenseAssignment", (await loaders.licenses.assignment.load(assignment))!);
    roots.set("LicenseRequestDecision", (await loaders.history.ofRequest.load(request.id))[0]);
    roots.set("Group", (await loaders.groups.group.load(group.id))!);
    roots.set("RequestProcessSettings", await loaders.settings.settings());
    roots.set("LicenseRequestShare", (await loaders.recommendations.share.load(share.id))!);
    roots.set("LicenseRequestRecommendation", (await loaders.recommendations.ofShare.load(share.id))!);
    roots.set("WebhookEndpoint", (await loaders.webhooks.endpoint.load(endpointId))!);
    const [delivery] = await dataSource.query<{ id: number }[]>(`SELECT id FROM webhook_delivery WHERE eventId = ${eventId}`);
    roots.set("WebhookDelivery", (await loaders.webhooks.delivery.load(Number(delivery.id)))!);
    roots.set("LicenseRequestEvent", (await services.activity.store.entryById(org.organization.id, eventId))!);
    const delegated = await services.deciders.delegate(
      viewerOf(admin, null),
      { toUserId: user.id, endsAt: new Date(clock.now().getTime() + 86_400_000) },
      clock.now(),
    );
    if (!delegated.ok) throw new Error("no delegation");
    roots.set("ApprovalDelegation", (await loaders.deciders.delegation.load(delegated.value.value.id))!);
    const policy = await services.policies.set(
      viewerOf(admin, null),
      {
        productId: product.id,
        autoApprove: { maxRecipients: 3, requesterGroupId: group.id, disabledPlanIds: [] },
        managerEndorsement: { escalateAfterDays: 2 },
      },
      clock.now(),
    );
    if (!policy.ok) throw new Error("no policy");
    roots.set("LicenseRequestPolicy", policy.value.value);
    roots.set("AutoApprovePolicy", policy.value.value.autoApprove!);
    roots.set("LicenseRequestEndorsement", { managerId: admin.id, state: "AWAITING", at: null, comment: null, escalatesAt: clock.now() });
    // What `me { permissions }` resolves to (its resolver in src/resolvers/deciders).
    roots.set("ViewerPermissions", { ...services.deciders.permissions(viewerOf(admin, null)), decidesProducts: [] });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const log = createLogger("silent");
  const objectTypes = () =>
    Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith("__") && !ROOT_TYPES.has(t.name));
  const declared = (field: GraphQLField<unknown, unknown>) => field.extensions[POLICY_ACTIONS_EXTENSION] as Action[] | undefined;

  /** A viewer that records every property read of it. */
  function recording(viewer: Viewer): { viewer: Viewer; read: Set<string> } {
    const read = new Set<string>();
    const spy = new Proxy(viewer, {
      get(target, property, receiver) {
        if (typeof property === "string") read.add(property);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    return { viewer: spy, read };
  }

  it("has a row of every object type that is read from the database", () => {
    // A connection's one resolver (totalCount) reads the count it was built with.
    const read = objectTypes().filter((t) => !t.name.endsWith("Connection") && Object.values(t.getFields()).some((f) => f.resolve));
    expect(read.map((t) => t.name).filter((name) => !roots.has(name))).toEqual([]);
  });

  it.each([
    ["an admin", () => admin],
    ["a user", () => user],
  ])("declares every field whose resolver consults the viewer (as %s)", async (_who, whom) => {
    const undeclared: string[] = [];
    for (const type of objectTypes()) {
      const root = roots.get(type.name);
      if (!root) continue;
      for (const field of Object.values(type.getFields())) {
        if (!field.resolve) continue;
        const { viewer, read } = recording(viewerOf(whom(), null));
        const context: Context = buildContext(services, viewer, "invariants", log);
        read.clear();
        const info = { fieldName: field.name, parentType: type, returnType: field.type, schema, path: { key: field.name } } as unknown as GraphQLResolveInfo;
        await Promise.resolve(field.resolve(root, {}, context, info)).catch(() => undefined);
        if (read.size > 0 && !declared(field)) undeclared.push(`${type.name}.${field.name} (reads ${[...read].join(", ")})`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("declares only the policy's actions, and never shares a view's personal ones", () => {
    const actions = new Set<string>([...viewOf(viewerOf(admin, null)).personal, ...viewOf(viewerOf(user, null)).personal]);
    for (const type of objectTypes()) {
      for (const field of Object.values(type.getFields())) {
        for (const action of declared(field) ?? []) expect(refusalOf(action)).toEqual(expect.any(String));
      }
    }
    // The fields that ask a personal action of an admin's view exist and declare it.
    const personal = objectTypes().flatMap((t) =>
      Object.values(t.getFields())
        .filter((f) => (declared(f) ?? []).some((a) => actions.has(a)))
        .map((f) => `${t.name}.${f.name}`),
    );
    expect(personal).toContain("LicenseRequest.viewerCanCancel");
  });

  /** Every field of `type` as deep as `depth`, arguments left to their defaults (fields that need one are skipped). */
  function selection(type: GraphQLOutputType, depth: number): string {
    const named = getNamedType(type);
    if (isScalarType(named) || isEnumType(named)) return "";
    if (depth === 0) return "{ __typename }";
    const fields = isObjectType(named) || isInterfaceType(named) ? Object.values(named.getFields()) : [];
    const parts = fields.filter((f) => f.args.every((a) => !isNonNullType(a.type))).map((f) => `${f.name} ${selection(f.type, depth - 1)}`.trim());
    return `{ __typename ${parts.join(" ")} }`;
  }

  it("never holds a promise in a field without a resolver", async () => {
    // Every field without a resolver answers through a check of the value it would read.
    const promises: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__")) continue;
      for (const field of Object.values(type.getFields())) {
        if (field.resolve) continue;
        field.resolve = (source, args, context, info) => {
          const value: unknown = defaultFieldResolver(source, args, context, info);
          if (value instanceof Promise) promises.push(`${type.name}.${field.name}`);
          return value;
        };
      }
    }
    const query = schema.getQueryType()!;
    const roots = Object.values(query.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
    expect(roots.length).toBeGreaterThan(5);
    for (const whom of [admin, user]) {
      for (const field of roots) {
        const document = parse(`{ ${field.name} ${selection(field.type, 5)} }`);
        const result = await execute({ schema, document, contextValue: buildContext(services, viewerOf(whom, null), "invariants", log) });
        // A user may read some fields of admins' not at all (groups, the history): refused, with nothing else wrong.
        expect((result.errors ?? []).map((e) => e.extensions["code"]).filter((code) => whom === admin || code !== "FORBIDDEN")).toEqual([]);
      }
    }
    expect([...new Set(promises)]).toEqual([]);
    // The check is live: a connection's totalCount, a promise, has a resolver of its own.
    expect(isListType(getNullableType(query.getFields()["products"].type))).toBe(true);
  });
});
