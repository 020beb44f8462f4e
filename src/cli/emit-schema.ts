/** `npm run schema:emit`: writes schema.graphql from the type-graphql schema. */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { buildSchema } from "../resolvers";
import { printApiSchema } from "../schema/shared/buildSchema";

buildSchema().then(
  (schema) => {
    const target = path.resolve(__dirname, "../../../schema.graphql");
    fs.writeFileSync(target, printApiSchema(schema));
    process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
