/**
 * type-graphql's `@ObjectType`, with its simple resolvers on: a field that has
 * no field resolver is left without a `resolve` function, so graphql-js (and
 * graphql-jit, which then reads the property inline) takes its default resolver,
 * instead of type-graphql wrapping each such field in a function that runs an
 * empty middleware stack. This schema has no middlewares and no auth checker
 * (the access policy decides in the modules), so nothing is skipped; field
 * resolvers (`@FieldResolver`) are wrapped as before.
 *
 * A field whose property may hold a promise (a connection's `totalCount`) sets
 * `simple: false` for itself: compiled operations read a field without a resolver
 * as a plain value and would not wait for it.
 *
 * Every object type of the schema is declared with this one.
 */
import { ObjectType as TypeGraphQLObjectType } from "type-graphql";
import type { ObjectTypeOptions } from "type-graphql";

export function ObjectType(options?: ObjectTypeOptions): ClassDecorator;
export function ObjectType(name: string, options?: ObjectTypeOptions): ClassDecorator;
export function ObjectType(nameOrOptions?: string | ObjectTypeOptions, options?: ObjectTypeOptions): ClassDecorator {
  return typeof nameOrOptions === "string"
    ? TypeGraphQLObjectType(nameOrOptions, { ...options, simpleResolvers: true })
    : TypeGraphQLObjectType({ ...nameOrOptions, simpleResolvers: true });
}
