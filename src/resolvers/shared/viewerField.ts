/**
 * The one way to declare a field whose answer depends on who asks: a field
 * resolver that consults the access policy about the viewer (or reads the
 * viewer at all) says which policy actions it asks, through this decorator.
 *
 * Shared subscription execution (src/server/graphql/sharedExecution.ts) runs
 * an event's payload once for every subscriber of one view (access/policy.ts
 * `viewOf`: the viewers whose answers agree on every rule but the view's
 * personal ones), and runs it per subscriber when the document asks a
 * personal action. That is safe only while every field that consults the
 * viewer says so: test/integration/viewer-fields.test.ts resolves every field
 * of every object type and fails for one that reads the viewer without this
 * declaration, and ESLint lets nothing else in src/resolvers write the
 * extension.
 */
import { Extensions, FieldResolver } from "type-graphql";
import { Action, POLICY_ACTIONS_EXTENSION } from "../../services/access/policy";

/** type-graphql's return type function and field options, as its (last) FieldResolver overload takes them. */
type ReturnTypeFunc = Parameters<typeof FieldResolver>[0] & {};
type FieldOptions = NonNullable<Parameters<typeof FieldResolver>[1]>;

export function ViewerField(returnTypeFunc: ReturnTypeFunc, options: FieldOptions & { asks: readonly Action[] }): MethodDecorator {
  const { asks, ...fieldOptions } = options;
  return (target, key, descriptor) => {
    Extensions({ [POLICY_ACTIONS_EXTENSION]: asks })(target, key, descriptor);
    FieldResolver(returnTypeFunc, fieldOptions)(target, key, descriptor);
  };
}
