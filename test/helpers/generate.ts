/**
 * Random operations derived from the schema (fast-check arbitraries): a root
 * field of Query, Mutation or Subscription, selections with random aliases,
 * inline and named fragments and directives, nested up to past the depth
 * bound; argument literals and variables of well-typed and ill-typed random
 * JSON (huge numbers, long strings, lone surrogates, NUL bytes, wrong types,
 * deep nesting, IDs of both organizations, malformed IDs); and documents and
 * request bodies that are not operations at all.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  buildSchema,
  getNamedType,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from "graphql";
import { toGlobalId } from "../../src/services/shared/ids";

export const ROOT = path.resolve(__dirname, "../..");

/** The schema as committed (a test keeps schema.graphql equal to the executable schema). */
export function committedSchema(): GraphQLSchema {
  return buildSchema(fs.readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
}

/** A number written into the JSON body as-is (JSON.stringify cannot write 1e999 or 30 digits). */
const RAW_NUMBER = "\u0001raw-number:";
/** Writes a request body; raw numbers go in unquoted. */
export function serialize(value: unknown): string {
  return JSON.stringify(value).replace(new RegExp(`"${RAW_NUMBER}([-+.0-9eE]+)"`, "g"), "$1");
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** `arbitrary` about once in `odds` draws, else undefined. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, odds = 10): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: odds - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** Strings a hostile client sends. None spells an internal's words the way INTERNALS looks for them. */
const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDFFFy",
  "\uDBFF\uDFFF",
  "\u202Eevil",
  "\uFEFF",
  "🦄",
  "e\u0301",
  "null",
  "undefined",
  "NaN",
  "true",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "' or '1'='1",
  "'; drop table app_user; --",
  '"; delete from license_request where 1=1; --',
  "1; select sleep(5)",
  "%s%s%s%n",
  "${7*7}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "https://example.com/" + "a".repeat(2100),
  "http://",
  "ftp://files.example/x",
  "../../etc/passwd",
  "\\",
  '"',
  "\r\n\r\nX-Injected: 1",
  "$where",
  '{"$gt": ""}',
  "*",
  "%",
  "_",
];

export interface Pools {
  /** Real global IDs of both organizations. */
  ids: readonly string[];
}

/** Edge integers: page bounds, 32-bit and 53-bit limits. */
const EDGE_INTS = [
  0,
  -0,
  1,
  -1,
  20,
  99,
  100,
  101,
  1000,
  100000,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
  0.5,
  1.0000001,
];

export function arbitraries(pools: Pools) {
  const longString = fc
    .tuple(fc.constantFrom("x", "é", "🦄", "\u0000", "\uD800", "ab ", "<>"), fc.constantFrom(999, 1000, 1001, 1999, 2000, 2001, 3000))
    .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
  const hugeString = fc.integer({ min: 5_000, max: 12_000 }).map((n) => "y".repeat(n));
  const hostileString: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: longString },
    { weight: 1, arbitrary: hugeString },
  );
  const rawNumber = fc
    .constantFrom("1e999", "-1e999", "123456789012345678901234567890", "0.0000000000000000000000000001", "1E400", "-0")
    .map((n) => RAW_NUMBER + n);
  const number: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -5, max: 120 }) },
    { weight: 3, arbitrary: fc.constantFrom(...EDGE_INTS) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: rawNumber },
  );
  const malformedId = fc.oneof(
    fc.constantFrom(
      "",
      "x",
      "1",
      "VXNlcjo=",
      "User:1",
      Buffer.from("User:0").toString("base64url"),
      Buffer.from("User:-1").toString("base64url"),
      Buffer.from("User:99999999999").toString("base64url"),
      Buffer.from("__proto__:1").toString("base64url"),
      Buffer.from("LicenseRequest:1 ").toString("base64url"),
      Buffer.from("LicenseRequest:01").toString("base64url"),
      toGlobalId("LicenseRequest", 2_000_000_000),
      toGlobalId("Product", 999_999),
      "a".repeat(101),
      "====",
      "%00",
    ),
    hostileString,
  );
  const id: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pools.ids) },
    { weight: 2, arbitrary: malformedId },
    { weight: 1, arbitrary: fc.integer({ min: -1, max: 100 }) },
  );
  const key = fc.oneof(fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,8}$/), fc.constantFrom("__proto__", "constructor", "id", "input", "requestId", "productId"));
  const { json: randomJson } = fc.letrec<{ json: unknown }>((tie) => ({
    json: fc.oneof(
      { maxDepth: 3 },
      fc.constant(null),
      fc.boolean(),
      number,
      hostileString,
      id,
      fc.array(tie("json"), { maxLength: 3 }),
      fc.dictionary(key, tie("json"), { maxKeys: 3 }),
    ),
  }));
  /** Lists or objects nested 10 to 40 levels: past the variables' depth bound. */
  const deepJson = fc.tuple(fc.integer({ min: 10, max: 40 }), fc.boolean()).map(([depth, asList]) => {
    let value: unknown = "leaf";
    for (let i = 0; i < depth; i += 1) value = asList ? [value] : { a: value };
    return value;
  });
  const junkValue = fc.oneof({ weight: 6, arbitrary: randomJson }, { weight: 1, arbitrary: deepJson });

  /**
   * A value for an input type. Careful: of the right shape (with hostile
   * contents: foreign and malformed IDs, long strings, huge numbers), null only
   * where the type allows it. Otherwise also anything at all.
   */
  const valueFor = (type: GraphQLInputType, careful: boolean, depth = 0): fc.Arbitrary<unknown> => {
    const fitting = fittingValue(type, careful, depth);
    if (careful) return isNonNullType(type) ? fitting : fc.oneof({ weight: 6, arbitrary: fitting }, { weight: 1, arbitrary: fc.constant(null) });
    return fc.oneof({ weight: 5, arbitrary: fitting }, { weight: 1, arbitrary: junkValue }, { weight: 1, arbitrary: fc.constant(null) });
  };
  const fittingValue = (type: GraphQLInputType, careful: boolean, depth: number): fc.Arbitrary<unknown> => {
    if (isNonNullType(type)) return fittingValue(type.ofType, careful, depth);
    if (isListType(type)) {
      const inner = valueFor(type.ofType, careful, depth + 1);
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(inner, { maxLength: 4 }) },
        { weight: 1, arbitrary: inner },
        {
          weight: 1,
          arbitrary: fc.integer({ min: 99, max: 102 }).chain((n) => fc.array(careful ? fc.constantFrom(...pools.ids) : id, { minLength: n, maxLength: n })),
        },
      );
    }
    if (isEnumType(type)) {
      const names = type.getValues().map((v) => v.name);
      if (careful) return fc.constantFrom(...names);
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...names) },
        { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => n.toLowerCase()) },
        { weight: 1, arbitrary: hostileString },
      );
    }
    if (isInputObjectType(type)) {
      if (depth > 3) return fc.constant({});
      const fields = Object.values(type.getFields());
      const entries = fields.map((field) =>
        fc.option(
          valueFor(field.type, careful, depth + 1).map((value) => [field.name, value] as const),
          { nil: undefined, freq: isNonNullType(field.type) ? (careful ? 1000 : 8) : 2 },
        ),
      );
      const extra = careful ? fc.constant(undefined) : rarely(fc.tuple(key, randomJson), 6);
      return fc.tuple(fc.tuple(...entries), extra).map(([present, stray]) => {
        const object: Record<string, unknown> = {};
        for (const entry of present) if (entry) object[entry[0]] = entry[1];
        if (stray) object[stray[0]] = stray[1];
        return object;
      });
    }
    switch (type.name) {
      case "ID":
        return careful ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...pools.ids) }, { weight: 1, arbitrary: malformedId }) : id;
      case "Int":
        return careful ? fc.oneof(fc.integer({ min: -5, max: 120 }), fc.constantFrom(0, 1, 100, 101, 2 ** 31 - 1, -(2 ** 31))) : number;
      case "Float":
        return number;
      case "Boolean":
        return careful ? fc.boolean() : fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom("true", 0, 1) });
      case "DateTime":
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          careful ? fc.constant("2026-01-01T00:00:00Z") : hostileString,
        );
      default:
        return hostileString;
    }
  };

  /** Writes a JSON value as a GraphQL literal (enum-like names unquoted where an enum is expected). */
  const literal = (value: unknown, type: GraphQLInputType | null, rawStrings: boolean): string => {
    const named = type ? getNamedType(type) : null;
    if (value === null || value === undefined) return "null";
    if (typeof value === "boolean") return String(value);
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NaN";
    if (typeof value === "string") {
      if (value.startsWith(RAW_NUMBER)) return value.slice(RAW_NUMBER.length);
      if (named && isEnumType(named) && NAME.test(value) && !["true", "false", "null"].includes(value)) return value;
      // Raw: the characters themselves in the document (control characters and surrogates are then syntax errors).
      return rawStrings ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : JSON.stringify(value);
    }
    const inner = type && isNonNullType(type) ? type.ofType : type;
    if (Array.isArray(value)) {
      const element = inner && isListType(inner) ? inner.ofType : null;
      return `[${value.map((v) => literal(v, element, rawStrings)).join(", ")}]`;
    }
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    const parts = Object.entries(value as Record<string, unknown>)
      .filter(([k]) => NAME.test(k))
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? null, rawStrings)}`);
    return `{${parts.join(", ")}}`;
  };

  return { hostileString, valueFor, literal, randomJson, junkValue, id };
}

interface VariableDefinition {
  name: string;
  type: string;
  /** `undefined`: no value sent. */
  value: unknown;
}

/** A piece of a document: its text, the variables it uses and the fragments it needs. */
interface Piece {
  text: string;
  variables: VariableDefinition[];
  fragments: string[];
}

const join = (pieces: Piece[], separator = " "): Piece => ({
  text: pieces.map((p) => p.text).join(separator),
  variables: pieces.flatMap((p) => p.variables),
  fragments: pieces.flatMap((p) => p.fragments),
});
const plain = (text: string): Piece => ({ text, variables: [], fragments: [] });

/**
 * Names of variables and fragments, unique across every generated document
 * (a counter rather than a random draw, which collides; what a name is does
 * not change what a call does).
 */
let named = 0;
const freshName = (prefix: string) => `${prefix}${(named += 1)}`;

/** A generated call: its body (as sent), and what it is. */
export interface GeneratedCall {
  /** What the HTTP body and the graphql-ws `subscribe` payload hold. */
  payload: Record<string, unknown>;
  /** The JSON text sent (numbers beyond JSON.stringify written raw). */
  body: string;
  kind: "query" | "mutation" | "subscription" | "junk";
  /** The payload breaks graphql-ws's message format (the socket closes with 4400 by protocol). */
  badShape: boolean;
  /** The root fields named, for the record. */
  rootFields: string[];
}

/**
 * Generated calls: two in three are careful (well formed and well typed, with
 * hostile values, so they reach the resolvers); the rest make mistakes of every
 * kind (misspelt fields, stray arguments, wrong variable types, missing or
 * extra selections, directive floods, nesting past the bounds); one in eight
 * is no operation at all.
 */
export function operations(schema: GraphQLSchema, pools: Pools): fc.Arbitrary<GeneratedCall> {
  const careful = operationsOf(schema, pools, true);
  const sloppy = operationsOf(schema, pools, false);
  return fc.oneof({ weight: 14, arbitrary: careful }, { weight: 7, arbitrary: sloppy }, { weight: 3, arbitrary: junkOf(sloppy, pools) });
}

function operationsOf(schema: GraphQLSchema, pools: Pools, careful: boolean): fc.Arbitrary<GeneratedCall> {
  const a = arbitraries(pools);
  const typeNames = Object.values(schema.getTypeMap())
    .filter((t) => !t.name.startsWith("__"))
    .map((t) => t.name);
  const inputTypeNames = Object.values(schema.getTypeMap())
    .filter((t) => !t.name.startsWith("__") && (isInputObjectType(t) || isLeafType(t)))
    .map((t) => t.name);
  const aliasName = careful
    ? fc.stringMatching(/^a[0-9a-z]{4,6}$/)
    : fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), fc.constantFrom("id", "me", "node", "__typename", "data", "errors"));
  /** Mistakes happen only in sloppy calls. */
  const mistake = (weight: number) => (careful ? 0 : weight);

  /** A variable: the type declared (usually the argument's), the value sent (or none). */
  const variable = (declared: string, type: GraphQLInputType): fc.Arbitrary<VariableDefinition> =>
    fc
      .tuple(
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(declared) },
          { weight: mistake(1), arbitrary: fc.constantFrom(...inputTypeNames, "[ID!]!", "String!", "NoSuchType", "Int!") },
        ),
        careful && isNonNullType(type) ? a.valueFor(type, careful) : fc.option(a.valueFor(type, careful), { nil: undefined, freq: 8 }),
      )
      .map(([declaredType, value]) => ({ name: freshName("v"), type: declaredType, value }));

  /** An argument: a literal, a variable, or a value of the wrong kind. */
  const argument = (name: string, type: GraphQLInputType): fc.Arbitrary<Piece> =>
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.tuple(a.valueFor(type, careful), fc.nat(9)).map(([v, raw]) => plain(`${name}: ${a.literal(v, type, !careful && raw === 0)}`)),
      },
      { weight: 3, arbitrary: variable(String(type), type).map((v) => ({ text: `${name}: $${v.name}`, variables: [v], fragments: [] })) },
      {
        weight: mistake(1),
        arbitrary: fc
          .constantFrom(`${name}: $undeclared`, `${name}: {}`, `${name}: [[[]]]`, `${name}: ${"[".repeat(30)}${"]".repeat(30)}`, `${name}:`)
          .map(plain),
      },
    );

  const booleanType = schema.getType("Boolean") as GraphQLInputType;
  const directive: fc.Arbitrary<Piece> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("@include(if: true)", "@skip(if: false)", "@include(if: false)", "@skip(if: true)").map(plain) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("include", "skip"), variable("Boolean!", new GraphQLNonNull(booleanType)))
        .map(([d, v]) => ({ text: `@${d}(if: $${v.name})`, variables: [v], fragments: [] })),
    },
    {
      weight: mistake(1),
      arbitrary: fc.constantFrom("@deprecated", "@unknown", "@include", '@include(if: "yes")', '@specifiedBy(url: "x")', "@skip(if: null)").map(plain),
    },
    { weight: mistake(1), arbitrary: fc.integer({ min: 10, max: 60 }).map((n) => plain("@skip(if: false) ".repeat(n))) },
  );
  // Careful: each of @include and @skip at most once (a directive repeated at one location is invalid).
  const directives = fc
    .oneof({ weight: 3, arbitrary: fc.constant<Piece[]>([]) }, { weight: 1, arbitrary: fc.array(directive, { maxLength: 2 }) })
    .map((d) => join(careful ? d.filter((piece, i) => !d.slice(0, i).some((earlier) => earlier.text.slice(0, 5) === piece.text.slice(0, 5))) : d));

  const fieldsOf = (type: GraphQLCompositeType): GraphQLField<unknown, unknown>[] =>
    isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
  /** Types a fragment on `type` may name: itself, its interfaces, its possible types. */
  const fragmentTypes = (type: GraphQLCompositeType): GraphQLNamedType[] => {
    if (isObjectType(type)) return [type, ...type.getInterfaces()];
    if (isInterfaceType(type) || isUnionType(type)) return [type, ...schema.getPossibleTypes(type)];
    return [type];
  };

  const selectionSet = (type: GraphQLCompositeType, depth: number, maxDepth: number): fc.Arbitrary<Piece> => {
    const fields = fieldsOf(type);
    const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)));
    const deeper = depth < maxDepth;
    const item: fc.Arbitrary<Piece> = fc.oneof(
      { weight: 8, arbitrary: deeper && fields.length ? fieldSelection(fields, depth, maxDepth) : leafOrTypename(leaves) },
      { weight: 1, arbitrary: fc.constant(plain("__typename")) },
      { weight: deeper ? 1 : 0, arbitrary: inlineFragment(type, depth, maxDepth) },
      { weight: deeper ? 1 : 0, arbitrary: namedFragment(type, depth, maxDepth) },
      { weight: mistake(1), arbitrary: misspelt(fields) },
    );
    return fc.array(item, { minLength: 1, maxLength: depth < 3 ? 4 : 2 }).map((items) => {
      const piece = join(items);
      return { ...piece, text: `{ ${piece.text} }` };
    });
  };
  const leafOrTypename = (leaves: GraphQLField<unknown, unknown>[]): fc.Arbitrary<Piece> =>
    leaves.length ? fc.constantFrom(...leaves).map((f) => plain(f.name)) : fc.constant(plain("__typename"));
  const misspelt = (fields: GraphQLField<unknown, unknown>[]): fc.Arbitrary<Piece> =>
    fields.length
      ? fc
          .tuple(fc.constantFrom(...fields), fc.nat())
          .map(([f, i]) => plain(f.name.length > 1 ? f.name.slice(0, i % f.name.length) + f.name.slice((i % f.name.length) + 1) : "x"))
      : fc.constant(plain("nosuchfield"));

  const fieldSelection = (fields: GraphQLField<unknown, unknown>[], depth: number, maxDepth: number): fc.Arbitrary<Piece> =>
    fc.constantFrom(...fields).chain((field) => fieldOf(field, depth, maxDepth));

  const fieldOf = (field: GraphQLField<unknown, unknown>, depth: number, maxDepth: number): fc.Arbitrary<Piece> => {
    const named = getNamedType(field.type);
    const args = field.args.map((arg) =>
      fc.option(argument(arg.name, arg.type), { nil: undefined, freq: isNonNullType(arg.type) ? (careful ? 1000 : 12) : 2 }),
    );
    const strayArgument = careful ? fc.constant(undefined) : rarely(fc.constantFrom("frist: 1", "id: 1", "first: 5", "where: {}").map(plain), 12);
    const sub: fc.Arbitrary<Piece | null> = isCompositeType(named)
      ? fc.oneof({ weight: 20, arbitrary: selectionSet(named, depth + 1, maxDepth) }, { weight: mistake(1), arbitrary: fc.constant(null) })
      : fc.oneof({ weight: 20, arbitrary: fc.constant(null) }, { weight: mistake(1), arbitrary: fc.constant(plain("{ id }")) });
    return (
      fc
        // Careful: a field with arguments gets an alias of its own, so two of them never conflict.
        .tuple(careful && field.args.length ? aliasName : rarely(aliasName, 3), fc.tuple(...args), strayArgument, directives, sub)
        .map(([alias, argPieces, stray, dirs, selection]) => {
          const present = [...argPieces, stray].filter((p): p is Piece => p !== undefined);
          const argText = present.length ? `(${present.map((p) => p.text).join(", ")})` : "";
          const merged = join([dirs, ...(selection ? [selection] : []), ...present]);
          return {
            text: `${alias ? `${alias}: ` : ""}${field.name}${argText} ${dirs.text} ${selection?.text ?? ""}`,
            variables: merged.variables,
            fragments: merged.fragments,
          };
        })
    );
  };

  const inlineFragment = (type: GraphQLCompositeType, depth: number, maxDepth: number): fc.Arbitrary<Piece> =>
    fc
      .oneof(
        { weight: 6, arbitrary: fc.constantFrom(...fragmentTypes(type)) },
        { weight: mistake(1), arbitrary: fc.constantFrom(...typeNames).map((n) => schema.getType(n)!) },
      )
      .chain((on) =>
        isCompositeType(on)
          ? fc.tuple(selectionSet(on, depth, maxDepth), directives, fc.boolean()).map(([set, dirs, typed]) => ({
              ...join([set, dirs]),
              text: `... ${typed ? `on ${on.name} ` : ""}${dirs.text} ${set.text}`,
            }))
          : fc.constant(plain(`... on ${on.name} { id }`)),
      );

  const namedFragment = (type: GraphQLCompositeType, depth: number, maxDepth: number): fc.Arbitrary<Piece> =>
    fc.constantFrom(...fragmentTypes(type)).chain((on) =>
      isCompositeType(on)
        ? selectionSet(on, depth, maxDepth).map((set) => {
            const name = freshName("F");
            return { text: `...${name}`, variables: set.variables, fragments: [...set.fragments, `fragment ${name} on ${on.name} ${set.text}`] };
          })
        : fc.constant(plain("...Nothing")),
    );

  const rootTypes: [GeneratedCall["kind"], GraphQLObjectType][] = [
    ["query", schema.getQueryType()!],
    ["mutation", schema.getMutationType()!],
    ["subscription", schema.getSubscriptionType()!],
  ];

  return fc.constantFrom(...rootTypes).chain(([kind, root]) =>
    fc
      .tuple(
        careful ? fc.integer({ min: 1, max: 9 }) : fc.integer({ min: 1, max: 13 }),
        fc.array(fc.constantFrom(...Object.values(root.getFields())), { minLength: 1, maxLength: kind === "subscription" ? 1 : 3 }),
        fc.option(fc.oneof(fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,20}$/), fc.constantFrom("query", "__schema", "a".repeat(300))), { nil: undefined }),
        fc.nat(4),
      )
      .chain(([maxDepth, fields, name, withUserErrors]) =>
        fc
          .tuple(
            fc.tuple(
              ...fields.map((f) =>
                fieldOf(f, 1, maxDepth).map((piece) =>
                  // Mostly ask mutations for their userErrors, so a refusal can be told from a success.
                  kind === "mutation" && withUserErrors !== 0 ? { ...piece, text: piece.text.replace(/\}\s*$/, " userErrors { code field } }") } : piece,
                ),
              ),
            ),
            rarely(a.junkValue, 8),
            fc.nat(19),
            fc.nat(4),
          )
          .map(([pieces, strayValue, omitDefinitions, withName]) => {
            const merged = join(pieces);
            const definitions = new Map<string, VariableDefinition>();
            for (const v of merged.variables) if (!definitions.has(v.name)) definitions.set(v.name, v);
            const variables: Record<string, unknown> = {};
            for (const v of definitions.values()) if (v.value !== undefined) variables[v.name] = v.value;
            if (strayValue !== undefined) variables.stray = strayValue;
            const declare = definitions.size && (careful || omitDefinitions !== 0);
            const defs = declare ? `(${[...definitions.values()].map((v) => `$${v.name}: ${v.type}`).join(", ")})` : "";
            const fragments = [...new Set(merged.fragments)];
            const query = `${kind} ${name ?? ""}${defs} { ${merged.text} } ${fragments.join(" ")}`;
            const payload: Record<string, unknown> = { query, variables, ...(name && withName !== 0 ? { operationName: name } : {}) };
            return { payload, body: serialize(payload), kind, badShape: false, rootFields: fields.map((f) => f.name) };
          }),
      ),
  );
}

/** Not an operation: broken documents, other request shapes. */
function junkOf(operation: fc.Arbitrary<GeneratedCall>, pools: Pools): fc.Arbitrary<GeneratedCall> {
  const a = arbitraries(pools);
  return fc.oneof(
    operation.chain((op) =>
      fc.nat().map((cut) => {
        const query = String(op.payload.query);
        const payload = { ...op.payload, query: query.slice(0, cut % Math.max(1, query.length)) || "{" };
        return { ...op, payload, body: serialize(payload), kind: "junk" as const };
      }),
    ),
    fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ maxLength: 60 }), a.hostileString).map((query) => {
      const payload = { query: query.trim() ? query : `${query}{`, variables: {} };
      return { payload, body: serialize(payload), kind: "junk" as const, badShape: false, rootFields: [] };
    }),
    fc
      .constantFrom<Record<string, unknown>>(
        { query: 123 },
        { query: ["{ me { id } }"] },
        { query: { kind: "Document", definitions: [] } },
        { query: null },
        { query: "{ me { id } }", variables: "{}" },
        { query: "{ me { id } }", variables: [1, 2] },
        { query: "{ me { id } }", operationName: 5 },
        { query: "{ me { id } }", extensions: "x" },
        { query: "{ me { id } }", extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } },
        { extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } },
        {},
      )
      .map((payload) => {
        const badShape =
          typeof payload.query !== "string" ||
          (payload.variables !== undefined && (typeof payload.variables !== "object" || Array.isArray(payload.variables))) ||
          (payload.operationName !== undefined && typeof payload.operationName !== "string") ||
          (payload.extensions !== undefined && typeof payload.extensions !== "object");
        return { payload, body: serialize(payload), kind: "junk" as const, badShape, rootFields: [] };
      }),
  );
}
