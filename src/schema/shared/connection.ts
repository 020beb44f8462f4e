/**
 * One Relay connection type for every list of the API: `edges { cursor node }`,
 * `nodes`, `pageInfo` and `totalCount`. The services answer a `Connection<T>`
 * (src/services/shared/pagination.ts) whose `totalCount` is counted when first
 * read, so the count only runs when a client selects it: no resolver of our
 * own per connection.
 */
import { Field, Int } from "type-graphql";
import { ObjectType } from "./objectType";
import type { ClassType } from "type-graphql";

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** `<name>Edge` and `<name>Connection` of `node`, with optional descriptions. */
export function connectionOf<T extends object>(node: ClassType<T>, name: string, descriptions: { edge?: string; connection?: string } = {}) {
  @ObjectType(`${name}Edge`, descriptions.edge ? { description: descriptions.edge } : {})
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`, descriptions.connection ? { description: descriptions.connection } : {})
  class Connection {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [node])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    // Counted when first read (a promise): a field with a resolver, which compiled
    // operations wait for (they read a field without one as a plain value).
    @Field(() => Int, { simple: false })
    totalCount: number;
  }
  return Connection;
}
