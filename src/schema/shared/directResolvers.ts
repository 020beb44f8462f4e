/**
 * Field resolvers (`@FieldResolver` methods of resolver classes) called
 * directly. type-graphql wraps each in a general function that, on every
 * call, looks the resolver class's instance up in its container, builds the
 * resolver data, sorts the method's parameters and maps them, checks each for
 * a promise and runs the (here empty) middleware stack: on the admin list,
 * some 450 calls a request and about 7 % of its CPU.
 *
 * For a method with no middleware and no role whose parameters are all
 * `@Root()`, `@Ctx()` or `@Info()` (nothing to convert, nothing to validate),
 * what the wrapper amounts to is a call of the method on the resolver
 * class's one instance with those values in order; that call is installed
 * as the field's `resolve`. Every other field resolver (arguments, a custom
 * parameter, a root of a class type) keeps type-graphql's. The schema has no
 * global middleware and no auth checker (buildSchema.ts), so nothing the
 * wrapper would run is skipped; both take the instance from the same
 * container (`ResolverInstances`).
 */
import { GraphQLFieldResolver, GraphQLSchema, isObjectType } from "graphql";
import { getMetadataStorage } from "type-graphql";
import type { ContainerType } from "type-graphql";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type ResolverClass = Function;
type ParamMetadata = NonNullable<ReturnType<typeof getMetadataStorage>["fieldResolvers"][number]["params"]>[number];
type ParamReader = (root: unknown, context: unknown, info: unknown) => unknown;

const installedResolvers = new WeakSet<object>();

/** Whether `resolve` is a direct call installed here (tests). */
export const isDirectResolver = (resolve: unknown): boolean => typeof resolve === "function" && installedResolvers.has(resolve);

/** One instance per resolver class, created when first asked for: the container type-graphql and the direct calls share. */
export class ResolverInstances implements ContainerType {
  private readonly instances = new Map<ResolverClass, unknown>();

  get(someClass: ResolverClass): unknown {
    let instance = this.instances.get(someClass);
    if (instance === undefined) {
      instance = new (someClass as new () => unknown)();
      this.instances.set(someClass, instance);
    }
    return instance;
  }
}

const PASSED_AS_IS = new Set<unknown>([Object, String, Number, Boolean]);

/** How a parameter's value is read, or null when type-graphql must read it (an argument, a conversion, a custom decorator). */
function readerOf(param: ParamMetadata): ParamReader | null {
  switch (param.kind) {
    case "root": {
      // A root declared as a class is made an instance of it by type-graphql; one declared as Object (an interface or a
      // type import: the services' rows) or as a primitive is passed as it is.
      if (param.getType && !PASSED_AS_IS.has(param.getType())) return null;
      const property = param.propertyName;
      return property === undefined ? (root) => root : (root) => (root as Record<string, unknown>)[property];
    }
    case "context": {
      const property = param.propertyName;
      return property === undefined ? (_root, context) => context : (_root, context) => (context as Record<string, unknown>)[property];
    }
    case "info":
      return (_root, _context, info) => info;
    default:
      return null;
  }
}

/** The method called with its parameters read in order. */
function directCall(
  instance: Record<string, (...values: unknown[]) => unknown>,
  methodName: string,
  readers: ParamReader[],
): GraphQLFieldResolver<unknown, unknown> {
  const method = instance[methodName];
  if (typeof method !== "function") throw new TypeError(`${methodName} is no method of its resolver class`);
  const [first, second, third] = readers;
  // The usual shapes spelled out: no array of values per call.
  if (readers.length === 0) return () => method.call(instance);
  if (readers.length === 1 && first) return (root, _args, context, info) => method.call(instance, first(root, context, info));
  if (readers.length === 2 && first && second) {
    return (root, _args, context, info) => method.call(instance, first(root, context, info), second(root, context, info));
  }
  if (readers.length === 3 && first && second && third) {
    return (root, _args, context, info) => method.call(instance, first(root, context, info), second(root, context, info), third(root, context, info));
  }
  return (root, _args, context, info) =>
    method.apply(
      instance,
      readers.map((read) => read(root, context, info)),
    );
}

/**
 * Installs the direct calls on `schema` (built by type-graphql from `resolvers` with `instances` as its
 * container); returns the fields that got one, as `Type.field`.
 */
export function installDirectResolvers(schema: GraphQLSchema, resolvers: readonly ResolverClass[], instances: ResolverInstances): string[] {
  const storage = getMetadataStorage();
  const typeNames = new Map(storage.objectTypes.map((objectType) => [objectType.target, objectType.name]));
  const installed: string[] = [];
  for (const metadata of storage.fieldResolvers) {
    if (metadata.kind !== "external" || !resolvers.includes(metadata.target)) continue;
    if (metadata.middlewares?.length || metadata.roles) continue;
    const typeName = metadata.getObjectType ? typeNames.get(metadata.getObjectType()) : undefined;
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = isObjectType(type) ? type.getFields()[metadata.schemaName] : undefined;
    if (!field) continue;
    const params = [...(metadata.params ?? [])].sort((a, b) => a.index - b.index);
    const readers = params.map(readerOf);
    if (readers.some((reader) => reader === null) || params.some((param, index) => param.index !== index)) continue;
    const instance = instances.get(metadata.target) as Record<string, (...values: unknown[]) => unknown>;
    if (typeof instance[metadata.methodName] !== "function") continue;
    field.resolve = directCall(instance, metadata.methodName, readers as ParamReader[]);
    installedResolvers.add(field.resolve);
    installed.push(`${type!.name}.${field.name}`);
  }
  return installed;
}
