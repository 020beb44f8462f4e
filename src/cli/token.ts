/**
 * `npm run token -- --email <address> [--expires-in 12h]`: prints a token (and
 * only the token) for a user of the database DATABASE_URL points at, which by
 * default is the one `npm start` uses (data/license-requests.db).
 *
 * It only reads: it neither creates, migrates nor seeds a database, so it is
 * safe beside a running server, and a database that is not there yet is named
 * in the error instead of being created empty.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DatabaseConfig, loadConfig } from "../config";
import { createDataSource } from "../db/dataSource";
import { UserEntity } from "../entities";
import { signToken } from "../services/access/authentication";

function where(database: DatabaseConfig): string {
  return database.type === "sqlite" ? path.resolve(database.path) : "the MySQL database of DATABASE_URL";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: "string" }, "expires-in": { type: "string", default: "12h" } },
  });
  if (!values.email) throw new Error("usage: npm run token -- --email <address> [--expires-in 12h]");
  const config = loadConfig();
  if (!config.jwt.secret) throw new Error("tokens can be minted only with JWT_SECRET (not with JWT_JWKS_URL)");
  const { database } = config;
  if (database.type === "sqlite" && database.path !== ":memory:" && !fs.existsSync(database.path)) {
    throw new Error(`no database at ${where(database)}: run npm start once (it creates and seeds it), or set DATABASE_URL`);
  }
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  try {
    const users = dataSource.getRepository(UserEntity);
    const user = await users.findOne({ where: { email: values.email.trim().toLowerCase() } }).catch((error: unknown) => {
      // A database that exists but was never migrated has no users table.
      throw new Error(`${where(database)} holds no users table (${error instanceof Error ? error.message.split("\n")[0] : "unreadable"}): run npm start once`);
    });
    if (!user) throw new Error(`no user with email ${values.email}`);
    process.stdout.write(
      `${await signToken(config.jwt.secret, user, { expiresIn: values["expires-in"], issuer: config.jwt.issuer, audience: config.jwt.audience })}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
