/**
 * `npm run token -- --email <address> [--expires-in 12h]`: prints a token (and
 * only the token) for a user of the database DATABASE_URL points at.
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { openDatabase } from "../db/dataSource";
import { UserEntity } from "../entities";
import { signToken } from "../services/auth";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: "string" }, "expires-in": { type: "string", default: "12h" } },
  });
  if (!values.email) throw new Error("usage: npm run token -- --email <address> [--expires-in 12h]");
  const config = loadConfig();
  if (!config.jwt.secret) throw new Error("tokens can be minted only with JWT_SECRET (not with JWT_JWKS_URL)");
  const dataSource = await openDatabase(config.database);
  try {
    const user = await dataSource.getRepository(UserEntity).findOne({ where: { email: values.email.trim().toLowerCase() } });
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
