/**
 * `selectsField` (src/resolvers/shared/selection.ts): whether the field being
 * resolved selects a field of its own, through aliases and fragments, and not
 * a field of the same name deeper down.
 */
import { FieldNode, FragmentDefinitionNode, Kind, OperationDefinitionNode, parse } from "graphql";
import { selectsField } from "../../src/resolvers/shared/selection";

/** The resolve info of the operation's first root field, as far as selectsField reads it. */
function infoOf(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe("selectsField", () => {
  it.each([
    ["{ list { totalCount } }", true],
    ["{ list { n: totalCount } }", true],
    ["{ list { ... on C { totalCount } } }", true],
    ["{ list { ...F } } fragment F on C { ... on C { ...G } } fragment G on C { totalCount }", true],
    ["{ list { totalCount @skip(if: true) } }", true],
    ["{ list { nodes { id } } }", false],
    ["{ list { nodes { totalCount } } }", false],
    ["{ list { ...F ...F } } fragment F on C { nodes { id } }", false],
    ["{ list { ...Missing } }", false],
    ["{ list }", false],
  ])("%s: %s", (source, expected) => {
    expect(selectsField(infoOf(source), "totalCount")).toBe(expected);
  });

  it("ends on fragments that spread each other", () => {
    expect(selectsField(infoOf("{ list { ...A } } fragment A on C { ...B } fragment B on C { ...A nodes { id } }"), "totalCount")).toBe(false);
  });

  it("reads every node of a field merged from several selections", () => {
    const document = parse("{ list { nodes { id } } list { totalCount } }");
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(selectsField({ fieldNodes: operation.selectionSet.selections as FieldNode[], fragments: {} }, "totalCount")).toBe(true);
  });
});
