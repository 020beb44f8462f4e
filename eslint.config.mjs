/**
 * Lint with the types (typescript-eslint's recommended-type-checked): no
 * floating or misused promises, exhaustive switches, nothing unsafe from `any`.
 * Tests read JSON answers of the API, which are `any` by nature: there the
 * promise and switch rules hold, the `no-unsafe-*` family does not.
 */
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const typed = {
  parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
};

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "scratch/",
      "node_modules/",
      "coverage/",
      "src/generated/",
      "test/generated/",
      "test-artifacts/",
      "data/",
      "public/vendor/",
      "public/requests/generated/",
      "public/requests/vendor/",
    ],
  },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { ...typed, globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-floating-promises": "error",
      // Apollo's plugin hooks, transports and stores are async by contract; one that awaits nothing is fine.
      "@typescript-eslint/require-await": "off",
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through src/config.ts." }],
    },
  },
  {
    // V8 gives every object literal with a getter or setter a hidden class of its own, made in the old generation;
    // its accessor closures then keep what they capture alive through every young collection until the next full
    // one. Made per request (a page, an operation's loaders), that promoted each request's rows (bench/results/
    // profile-list.md). Lazy parts are getters of a class instead.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ObjectExpression > Property[kind=/^(get|set)$/]",
          message: "No getters or setters in object literals: declare a class with the accessor (a hidden class per object otherwise).",
        },
      ],
    },
  },
  {
    // A field whose answer depends on the viewer is declared through ViewerField only (src/resolvers/shared/viewerField.ts).
    files: ["src/resolvers/**/*.ts"],
    ignores: ["src/resolvers/shared/viewerField.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "../../services/access/policy", importNames: ["POLICY_ACTIONS_EXTENSION"], message: "Declare the field with ViewerField." }] },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "docs/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Frames and AST kinds are read as the strings they are; test doubles replace methods.
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    files: ["src/config.ts", "test/**", "bench/**", "jest.config.js", "jest.browser.config.js", "scripts/**"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    extends: [...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
