import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * A client project's codegen.ts: typed documents for its own operations,
 * from the API's committed schema.graphql (copied into the project, or read
 * from a checkout of the API). `npx graphql-codegen` writes src/gql/.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["src/**/*.graphql"],
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        // DateTime is an RFC 3339 string on the wire.
        scalars: { DateTime: "string" },
      },
    },
  },
};

export default config;
