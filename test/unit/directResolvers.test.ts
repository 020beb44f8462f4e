/**
 * Field resolvers called directly (src/schema/shared/directResolvers.ts): the
 * ones that need nothing of type-graphql's wrapper get a direct call and
 * answer as the wrapper did; the others keep the wrapper (arguments,
 * middleware); both use one instance of the resolver class.
 */
import "reflect-metadata";
import { graphql, GraphQLSchema, isObjectType } from "graphql";
import { Arg, buildSchema, Ctx, Field, FieldResolver, Info, Int, ObjectType, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { GraphQLResolveInfo } from "graphql";
import { installDirectResolvers, isDirectResolver, ResolverInstances } from "../../src/schema/shared/directResolvers";
import { buildSchema as buildApiSchema } from "../../src/resolvers";

@ObjectType()
class Gadget {
  @Field(() => Int)
  size!: number;

  label!: string;
}

/** A row as the services give it: an interface, so the parameter's reflected type is Object (nothing to convert). */
interface GadgetRow {
  size: number;
  label: string;
}

let constructed = 0;
const middlewareRuns: string[] = [];

@Resolver(() => Gadget)
class GadgetResolver {
  private readonly factor = 10;

  constructor() {
    constructed += 1;
  }

  @Query(() => [Gadget])
  gadgets(): Gadget[] {
    return [
      { size: 1, label: "one" },
      { size: 2, label: "two" },
    ];
  }

  @FieldResolver(() => Int)
  scaled(@Root() gadget: GadgetRow, @Ctx() context: { offset: number }): number {
    return gadget.size * this.factor + context.offset;
  }

  @FieldResolver(() => String)
  named(@Root("label") label: string, @Info() info: GraphQLResolveInfo, @Ctx("prefix") prefix: string): string {
    return `${prefix}${label}@${info.fieldName}`;
  }

  @FieldResolver(() => Int)
  async later(@Root() gadget: GadgetRow): Promise<number> {
    await Promise.resolve();
    return gadget.size + this.factor;
  }

  @FieldResolver(() => Int)
  plus(@Root() gadget: GadgetRow, @Arg("by", () => Int) by: number): number {
    return gadget.size + by;
  }

  @FieldResolver(() => Int)
  @UseMiddleware(async ({ info }, next) => {
    middlewareRuns.push(info.fieldName);
    return next();
  })
  watched(@Root() gadget: GadgetRow): number {
    return gadget.size * this.factor;
  }

  // A root declared as a class: type-graphql makes the row an instance of it.
  @FieldResolver(() => Boolean)
  converted(@Root() gadget: Gadget): boolean {
    return gadget instanceof Gadget;
  }
}

const QUERY = "{ gadgets { size scaled named later plus(by: 5) watched converted } }";

describe("field resolvers called directly", () => {
  let schema: GraphQLSchema;
  let installed: string[];
  beforeAll(async () => {
    const instances = new ResolverInstances();
    schema = await buildSchema({ resolvers: [GadgetResolver], container: instances, validate: false });
    installed = installDirectResolvers(schema, [GadgetResolver], instances);
  });

  it("are installed for methods of @Root, @Ctx and @Info only; a method with an argument, a middleware or a root to convert keeps type-graphql's wrapper", () => {
    expect(installed.sort()).toEqual(["Gadget.later", "Gadget.named", "Gadget.scaled"]);
  });

  it("answer as type-graphql's wrapper would, and share the resolver class's one instance with it", async () => {
    middlewareRuns.length = 0;
    const result = await graphql({ schema, source: QUERY, contextValue: { offset: 3, prefix: "#" } });
    expect(result).toEqual({
      data: {
        gadgets: [
          { size: 1, scaled: 13, named: "#one@named", later: 11, plus: 6, watched: 10, converted: true },
          { size: 2, scaled: 23, named: "#two@named", later: 12, plus: 7, watched: 20, converted: true },
        ],
      },
    });
    expect(middlewareRuns).toEqual(["watched", "watched"]);
    expect(constructed).toBe(1);
  });

  it("are what the API's schema calls for the admin list's field resolvers", async () => {
    const api = await buildApiSchema();
    const resolverOf = (type: string, field: string) => {
      const named = api.getType(type);
      return isObjectType(named) ? named.getFields()[field]?.resolve : undefined;
    };
    for (const [type, field] of [
      ["LicenseRequest", "id"],
      ["LicenseRequest", "product"],
      ["LicenseRequest", "requester"],
      ["LicenseRequest", "recipients"],
      ["LicenseRequestRecipient", "user"],
      ["Product", "availableLicenses"],
    ] as const) {
      expect([`${type}.${field}`, isDirectResolver(resolverOf(type, field))]).toEqual([`${type}.${field}`, true]);
    }
  });
});
