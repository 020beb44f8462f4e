/**
 * The layers of ../shared/design/architecture.md as rules: what each part of
 * src/ may import. Each layer has one folder per feature (src/schema/<feature>,
 * src/resolvers/<feature>, src/services/<feature>) and a shared/ folder that
 * knows no feature. `npm run check:deps` (and `npm run check`, and CI) fail on
 * any import that breaks them, so the layout holds by itself.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A cycle makes two rooms one; break it with an interface or by moving the shared part down.",
      from: { path: "^src" },
      to: { circular: true },
    },
    {
      name: "config-imports-nothing-of-ours",
      severity: "error",
      comment: "src/config.ts reads the environment and depends on nothing else of ours.",
      from: { path: "^src/config\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "values-import-nothing",
      severity: "error",
      from: { path: "^src/values\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "entities-are-the-storage-shape-only",
      severity: "error",
      comment: "Entities import other entities and the vocabulary, nothing else of ours.",
      from: { path: "^src/entities/" },
      to: { path: "^src/", pathNot: ["^src/entities/", "^src/values\\.ts$"] },
    },
    {
      name: "schema-is-the-public-shape-only",
      severity: "error",
      comment: "src/schema holds types, inputs, enums and scalars: nothing below the resolvers.",
      from: { path: "^src/schema/" },
      to: { path: "^src/", pathNot: ["^src/schema/", "^src/values\\.ts$"] },
    },
    {
      name: "schema-shared-knows-no-feature",
      severity: "error",
      comment: "src/schema/shared (Node, connections, payload and input bases, extensions) is what every feature's types build on.",
      from: { path: "^src/schema/shared/" },
      to: { path: "^src/schema/", pathNot: ["^src/schema/shared/"] },
    },
    {
      name: "resolvers-shared-knows-no-feature",
      severity: "error",
      comment: "src/resolvers/shared (signing in, payloads, input translation, ViewerField, live fields) serves every feature's resolvers and names none.",
      from: { path: "^src/resolvers/shared/" },
      to: { path: ["^src/resolvers/(?!shared/)", "^src/schema/(?!shared/)", "^src/services/(?!shared/|access/|loaders\\.ts$)"] },
    },
    {
      name: "transports-know-no-feature",
      severity: "error",
      comment:
        "The transports and the one pipeline (src/server/websocket.ts, src/server/sse.ts, src/server/app.ts, src/server/graphql/) know no feature by name: subscriptions bring their admission on their field, lists their bounds on the schema.",
      from: { path: ["^src/server/graphql/", "^src/server/websocket\\.ts$", "^src/server/sse\\.ts$", "^src/server/app\\.ts$"] },
      to: { path: ["^src/resolvers/", "^src/schema/(?!shared/)", "^src/services/(?!shared/|access/|index\\.ts$|loaders\\.ts$)"] },
    },
    {
      name: "resolvers-never-touch-storage",
      severity: "error",
      comment: "Resolvers call modules; the database, migrations, infrastructure and the server are not theirs (entity types only, for @Root).",
      from: { path: "^src/resolvers/" },
      to: { path: ["^src/db/", "^src/infra/", "^src/server", "^src/runtime\\.ts$"] },
    },
    {
      name: "resolvers-read-entities-as-types-only",
      severity: "error",
      from: { path: "^src/resolvers/" },
      to: { path: "^src/entities/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "rules-are-pure",
      severity: "error",
      comment:
        "A feature's rules (and how a request reads at a time, and a decision's plan) import no I/O: no database, no store, no loaders, no clock, no infrastructure.",
      from: { path: "^src/services/[^/]+/(rules|status|decisionPlan)\\.ts$" },
      to: {
        path: [
          "^src/db/",
          "^src/infra/",
          "^src/services/[^/]+/(store|loaders)\\.ts$",
          "^src/services/loaders\\.ts$",
          "^src/services/shared/(loaders|rows|keyset|unitOfWork|idempotency|outbox|live|clock|events)\\.ts$",
          "^node_modules/(typeorm|mysql2|better-sqlite3|ioredis|nodemailer)/",
        ],
        // Types carry no I/O: a rule may name the shape of what it plans (an outbox email, a store's row).
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "rules-read-entities-as-types-only",
      severity: "error",
      from: { path: "^src/services/[^/]+/(rules|status|decisionPlan)\\.ts$" },
      to: { path: "^src/entities/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "the-policy-is-pure",
      severity: "error",
      comment: "The one access policy judges plain data.",
      from: { path: "^src/services/access/policy\\.ts$" },
      to: { path: "^src/", pathNot: ["^src/services/shared/(viewer|errors)\\.ts$", "^src/entities/"] },
    },
    {
      name: "services-stay-below-the-edge",
      severity: "error",
      comment: "Services know nothing of GraphQL's shape, the resolvers, the server or the process assembly.",
      from: { path: "^src/services/" },
      to: { path: ["^src/schema/", "^src/resolvers/", "^src/server", "^src/runtime\\.ts$", "^src/index\\.ts$", "^src/context\\.ts$"] },
    },
    {
      name: "shared-kernel-knows-no-feature",
      severity: "error",
      comment: "src/services/shared is what every feature builds on; it imports none of them.",
      from: { path: "^src/services/shared/" },
      to: { path: "^src/services/", pathNot: ["^src/services/shared/"] },
    },
    {
      name: "infra-are-adapters",
      severity: "error",
      comment: "Adapters to the outside (Redis, SMTP, the outbox dispatcher) depend on configuration and the shared kernel only.",
      from: { path: "^src/infra/" },
      to: { path: ["^src/services/(?!shared/)", "^src/resolvers/", "^src/schema/", "^src/server"] },
    },
    {
      name: "db-layer-below-modules",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: ["^src/services/", "^src/resolvers/", "^src/schema/", "^src/server"] },
    },
    {
      name: "services-see-local-ids-only",
      severity: "error",
      comment:
        "The GraphQL edge decodes global IDs and encodes them (src/resolvers); services and rules take local IDs (the LocalId type only). Authentication reads the global IDs a token carries.",
      from: { path: "^src/services/", pathNot: ["^src/services/access/authentication\\.ts$", "^src/services/shared/ids\\.ts$"] },
      to: { path: "^src/services/shared/ids\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-test-code-in-src",
      severity: "error",
      from: { path: "^src/" },
      to: { path: ["^test/", "^bench/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.build.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
