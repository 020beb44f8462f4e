/**
 * The token CLI (`npm run token -- --email …`, dist/src/cli/token.js): prints
 * only a token, on one line, that a server with the same JWT_SECRET accepts;
 * anything wrong is a non-zero exit with one clear line on stderr and nothing on stdout.
 */
import { spawn } from "node:child_process";
import { DIST_TOKEN_CLI, requireBuild, ROOT } from "../helpers/built";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { startTestServer } from "../helpers/server";

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args` and only the given environment (plus PATH). */
function runTokenCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_TOKEN_CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;

describe("the token CLI", () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
    // A test server migrates and seeds the demo data; given a database, it leaves it in place on stop.
    const seeding = await startTestServer({ database });
    await seeding.stop();
    env = { DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET };
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("prints only a token, which a server with the same secret accepts for that user", async () => {
    const run = await runTokenCli(["--email", "admin@contoso.example"], env);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const token = run.stdout.trim();

    const server = await startTestServer({ database });
    try {
      const res = await server.gql(token, "{ me { email roles } }");
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ me: { email: "admin@contoso.example", roles: ["USER", "GLOBAL_ADMIN"] } });
    } finally {
      await server.stop();
    }
  });

  it("signs with JWT_SECRET: a server with another secret refuses the token", async () => {
    const run = await runTokenCli(["--email", "admin@contoso.example"], { ...env, JWT_SECRET: "some-other-secret-some-other-secret-0123" });
    expect(run.code).toBe(0);
    const server = await startTestServer({ database });
    try {
      const res = await server.gql(run.stdout.trim(), "{ me { email } }");
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    } finally {
      await server.stop();
    }
  });

  it("finds the user whatever the case of the address, and honours --expires-in", async () => {
    const run = await runTokenCli(["--email", "Adele@Contoso.example", "--expires-in", "1h"], env);
    expect(run.code).toBe(0);
    const payload = payloadOf(run.stdout.trim());
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
    expect(typeof payload.sub).toBe("string");
    expect(typeof payload.tid).toBe("string");
  });

  it("fails for an unknown email with a clear message on stderr and nothing on stdout", async () => {
    const run = await runTokenCli(["--email", "nobody@contoso.example"], env);
    expect(run).toEqual({ code: 1, stdout: "", stderr: "no user with email nobody@contoso.example\n" });
  });

  it("fails without --email, printing the usage", async () => {
    const run = await runTokenCli([], env);
    expect(run).toEqual({ code: 1, stdout: "", stderr: "usage: npm run token -- --email <address> [--expires-in 12h]\n" });
  });

  it("refuses to mint tokens when tokens are verified against a JWKS", async () => {
    const run = await runTokenCli(["--email", "admin@contoso.example"], { DATABASE_URL: database.url, JWT_JWKS_URL: "https://login.example/keys" });
    expect(run).toEqual({ code: 1, stdout: "", stderr: "tokens can be minted only with JWT_SECRET (not with JWT_JWKS_URL)\n" });
  });

  it("names the variable when the configuration is wrong", async () => {
    const run = await runTokenCli(["--email", "admin@contoso.example"], { DATABASE_URL: "ftp://x", JWT_SECRET: TEST_JWT_SECRET });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^ {2}DATABASE_URL: must be mysql:\/\//m);
  });
});
