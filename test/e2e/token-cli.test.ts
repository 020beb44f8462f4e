/**
 * The token CLI (`npm run token -- --email …`, dist/src/cli/token.js): prints
 * only a token, on one line, that a server with the same JWT_SECRET accepts;
 * anything wrong is a non-zero exit with one clear line on stderr and nothing on stdout.
 * Without flags it reads the database `npm start` uses, beside the running
 * server, and never creates one. `npm run token` compiles only when a source
 * changed since the last build (scripts/build.js --if-stale).
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DIST_ENTRY, DIST_TOKEN_CLI, requireBuild, ROOT } from "../helpers/built";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { TEST_JWT_SECRET } from "../helpers/fixtures";
import { postGraphQL, startServiceProcess } from "../helpers/processes";
import { startTestServer } from "../helpers/server";

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` in `cwd` and only the given environment (plus PATH). */
function run(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
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

/** Runs the built CLI with `args` and only the given environment (plus PATH). */
const runTokenCli = (args: string[], env: Record<string, string>, cwd = ROOT) => run(process.execPath, [DIST_TOKEN_CLI, ...args], env, cwd);

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

  it("fails for a database that is not there, naming it, and creates none", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "token-cli-"));
    try {
      const file = path.join(directory, "nothing-here.db");
      const result = await runTokenCli(["--email", "admin@contoso.example"], { DATABASE_URL: `sqlite:${file}`, JWT_SECRET: TEST_JWT_SECRET });
      expect(result).toEqual({ code: 1, stdout: "", stderr: `no database at ${file}: run npm start once (it creates and seeds it), or set DATABASE_URL\n` });
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it("without flags reads the database the server uses by default, while that server runs", async () => {
    // `npm start` and `npm run token` both run at the package root; a directory of the test's own stands in for it here.
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "token-cli-default-"));
    const server = await startServiceProcess(DIST_ENTRY, {}, directory);
    try {
      expect(fs.existsSync(path.join(directory, "data", "license-requests.db"))).toBe(true);
      const result = await runTokenCli(["--email", "megan@contoso.example"], {}, directory);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      const answer = await postGraphQL(server, result.stdout.trim(), "{ me { email } }");
      expect(answer).toEqual({ data: { me: { email: "megan@contoso.example" } }, extensions: expect.any(Object) });
    } finally {
      await server.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it("npm run token does not compile when dist/ is up to date", async () => {
    // npm test built dist/ (pretest), and nothing changed since: no build line, only the token.
    const result = await run("npm", ["run", "--silent", "token", "--", "--email", "admin@contoso.example"], env);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
  });
});

describe("scripts/build.js --if-stale", () => {
  const BUILD = path.join(ROOT, "scripts", "build.js");
  let project: string;
  const build = () => promisify(execFile)(process.execPath, [BUILD, "--if-stale"], { cwd: project });
  const output = () => fs.readFileSync(path.join(project, "dist", "src", "greeting.js"), "utf8");
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    fs.writeFileSync(path.join(project, file), text);
  };

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "build-if-stale-"));
    write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2022", outDir: "dist", rootDir: ".", strict: true } }));
    write("tsconfig.build.json", JSON.stringify({ extends: "./tsconfig.json", include: ["src"] }));
    write("src/greeting.ts", 'export const greeting: string = "hello";\n');
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it("compiles the first time, then not again until a source changes", async () => {
    expect((await build()).stderr).toMatch(/^building dist\//);
    expect(output()).toContain('"hello"');
    const compiled = fs.statSync(path.join(project, "dist", "src", "greeting.js")).mtimeMs;

    expect(await build()).toEqual({ stdout: "", stderr: "" });
    expect(fs.statSync(path.join(project, "dist", "src", "greeting.js")).mtimeMs).toBe(compiled);

    write("src/greeting.ts", 'export const greeting: string = "hello again";\n');
    expect((await build()).stderr).toMatch(/^building dist\//);
    expect(output()).toContain('"hello again"');
  });

  it("compiles again when a source is added or the configuration changes", async () => {
    await build();
    write("src/farewell.ts", 'export const farewell = "bye";\n');
    expect((await build()).stderr).toMatch(/^building dist\//);
    expect(fs.existsSync(path.join(project, "dist", "src", "farewell.js"))).toBe(true);

    write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2020", outDir: "dist", rootDir: ".", strict: true } }));
    expect((await build()).stderr).toMatch(/^building dist\//);
    expect(await build()).toEqual({ stdout: "", stderr: "" });
  });

  it("fails, and builds again next time, when the sources do not compile", async () => {
    write("src/greeting.ts", "export const greeting: number = 'not a number';\n");
    await expect(build()).rejects.toMatchObject({ code: 2 });
    write("src/greeting.ts", 'export const greeting: string = "fixed";\n');
    expect((await build()).stderr).toMatch(/^building dist\//);
    expect(output()).toContain('"fixed"');
  });
});
