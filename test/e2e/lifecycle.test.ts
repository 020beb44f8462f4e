/**
 * The process entry as an operator runs it: `node dist/src/index.js` migrates,
 * seeds, prints where it listens, and on SIGTERM stops taking work, closes
 * open WebSockets and the database, and exits 0.
 */
import { ChildProcess, spawn } from "node:child_process";
import WebSocket from "ws";
import { createTestDatabase, TestDatabase } from "../helpers/database";
import { DIST_ENTRY, requireBuild, ROOT } from "../helpers/built";
import { TEST_JWT_SECRET } from "../helpers/fixtures";

function startProcess(env: Record<string, string>): { child: ChildProcess; output: () => string; url: Promise<string> } {
  const child = spawn(process.execPath, [DIST_ENTRY], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  return { child, output: () => output, url };
}

describe("the server process", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("prints its URL and a ready admin token, serves, and drains on SIGTERM with exit code 0", async () => {
    const server = startProcess({
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: "info",
    });
    const url = await server.url;
    const token = /Token for admin@contoso\.example[^\n]*\n\s*(\S+)/.exec(server.output())?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const me = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ me { email } }" }),
    });
    expect(await me.json()).toMatchObject({ data: { me: { email: "admin@contoso.example" } } });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const socket = new WebSocket(`${url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
    await new Promise((resolve) => socket.once("message", resolve));
    const socketClosed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));

    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    server.child.kill("SIGTERM");
    expect(await socketClosed).toBe(1001);
    expect(await exited).toBe(0);
    expect(server.output()).toContain("stopping: finishing in-flight work");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("refuses to start in production without a JWT secret, naming the variable", async () => {
    const server = startProcess({ NODE_ENV: "production", PORT: "0", DATABASE_URL: database.url });
    const code = await new Promise<number | null>((resolve) => server.child.once("exit", resolve));
    expect(code).not.toBe(0);
    expect(server.output()).toContain("JWT_SECRET");
    await expect(server.url).rejects.toThrow();
  });
});
