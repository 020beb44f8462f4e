#!/usr/bin/env node
/**
 * Emits public/requests/generated/operations.js from operations/*.graphql, so
 * the Requests page sends the committed operations and no copy of them.
 *
 * One export per operation, named as the operation: its source text (printed
 * by graphql-js) followed by every fragment it uses, directly or through other
 * fragments, so each string is a complete document the API validates as it
 * is. Each export is typed (JSDoc) with the result and variables types that
 * graphql-codegen writes for the same operation into test/generated/graphql.ts,
 * which is how the page's modules type-check their use of the data
 * (tsconfig.page.json). The file is plain JavaScript the page imports as it is:
 * no build step.
 *
 *   node scripts/emit-page-operations.js          writes the file
 *   node scripts/emit-page-operations.js --check  writes nothing; exits 1 when the committed file differs
 *
 * `npm run codegen` runs it after graphql-codegen; CI's "generated client
 * operations are fresh" step and test/unit/page-operations.test.ts fail when
 * the committed file is stale. Throws when the operations do not validate
 * against schema.graphql or an operation has no name.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { buildSchema, parse, print, validate, visit, Kind } = require("graphql");

const ROOT = path.resolve(__dirname, "..");
const OPERATIONS_DIRECTORY = "operations";
const OUTPUT = path.join("public", "requests", "generated", "operations.js");
/** Where codegen writes the operations' types, relative to OUTPUT's directory. */
const TYPES_MODULE = "../../../test/generated/graphql";
/** Where the Operation type lives, relative to OUTPUT's directory. */
const OPERATION_TYPE_MODULE = "../api.js";

const SUFFIX = { query: "Query", mutation: "Mutation", subscription: "Subscription" };

/** The `#` lines right above a definition (up to a blank line), without their `#`. */
function leadingComment(source, start) {
  const lines = source.slice(0, start).split("\n");
  lines.pop(); // the definition's own line, up to where it starts
  const comment = [];
  while (lines.length && /^\s*#/.test(lines[lines.length - 1])) comment.unshift(lines.pop().replace(/^\s*# ?/, ""));
  return comment;
}

/** The names of the fragments a definition spreads directly. */
function spreadNames(definition) {
  const names = new Set();
  visit(definition, { FragmentSpread: (node) => void names.add(node.name.value) });
  return names;
}

/**
 * The page's operations: each with its name, kind, leading comment and full
 * source (the operation, then its fragments in the order the files define them).
 * @param {string} [root] the repository root
 * @returns {{ name: string, operation: "query" | "mutation" | "subscription", comment: string[], source: string }[]}
 */
function pageOperations(root = ROOT) {
  const directory = path.join(root, OPERATIONS_DIRECTORY);
  const files = fs
    .readdirSync(directory)
    .filter((f) => f.endsWith(".graphql"))
    .sort();
  const definitions = [];
  for (const file of files) {
    const source = fs.readFileSync(path.join(directory, file), "utf8");
    for (const definition of parse(source).definitions) definitions.push({ file, source, definition });
  }
  const schema = buildSchema(fs.readFileSync(path.join(root, "schema.graphql"), "utf8"));
  const errors = validate(schema, { kind: Kind.DOCUMENT, definitions: definitions.map((d) => d.definition) });
  if (errors.length) throw new Error(`operations/*.graphql do not validate against schema.graphql:\n${errors.map((e) => e.message).join("\n")}`);

  const fragments = definitions.filter((d) => d.definition.kind === Kind.FRAGMENT_DEFINITION);
  const byName = new Map(fragments.map((d) => [d.definition.name.value, d.definition]));
  const operations = [];
  for (const { file, source, definition } of definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (!definition.name) throw new Error(`operations/${file}: every operation needs a name (it names the export)`);
    const used = new Set();
    const pending = [...spreadNames(definition)];
    while (pending.length) {
      const name = pending.pop();
      if (used.has(name)) continue;
      used.add(name);
      pending.push(...spreadNames(byName.get(name)));
    }
    const parts = [definition, ...fragments.map((d) => d.definition).filter((f) => used.has(f.name.value))];
    operations.push({
      name: definition.name.value,
      operation: definition.operation,
      comment: leadingComment(source, definition.loc.start),
      source: parts.map((part) => print(part)).join("\n\n"),
    });
  }
  return operations;
}

/** `text` as the body of a JavaScript template literal. */
function templateLiteral(text) {
  return "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";
}

/**
 * The text of public/requests/generated/operations.js.
 * @param {string} [root] the repository root
 */
function renderPageOperations(root = ROOT) {
  const out = [
    "// @ts-check",
    "// Generated by scripts/emit-page-operations.js (npm run codegen) from",
    "// operations/*.graphql: do not edit; change those files and run it again.",
    "// Each export is one operation's source with the fragments it uses, typed",
    "// with the result and variables types codegen writes to test/generated/.",
    "",
    `/** @import { Operation } from "${OPERATION_TYPE_MODULE}" */`,
    `/** @import * as Types from "${TYPES_MODULE}" */`,
  ];
  for (const { name, operation, comment, source } of pageOperations(root)) {
    const type = `${name}${SUFFIX[operation]}`;
    out.push("");
    if (comment.length) out.push("/**", ...comment.map((line) => (line ? ` * ${line}` : " *")), " */");
    out.push(`export const ${name} = /** @type {Operation<Types.${type}, Types.${type}Variables>} */ (${templateLiteral(source)});`);
  }
  return out.join("\n") + "\n";
}

module.exports = { pageOperations, renderPageOperations, OUTPUT };

if (require.main === module) {
  const file = path.join(ROOT, OUTPUT);
  const text = renderPageOperations();
  if (process.argv.includes("--check")) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (committed !== text) {
      console.error(`${OUTPUT} is stale: run npm run codegen and commit it.`);
      process.exit(1);
    }
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
  }
}
