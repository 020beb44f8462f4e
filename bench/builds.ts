/**
 * One change, measured: two builds of the service (before and after it) on one
 * MySQL/MariaDB database with the list benchmark's rows (bench/list.ts), each in
 * a process of its own with `npm start`'s Node flags, load the admin list in
 * turn for `--seconds` at `--connections`, in `--rounds` rounds in which they
 * alternate which goes first. Recorded per round: each build's requests/s and
 * CPU time per request (user + system, from /proc), the figure this machine's
 * drift disturbs least; then the median of each build's and of the per-round
 * ratios. Both builds' answers are first checked to be the same bytes.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s $PWD/node_modules . && npm run build)
 *   node dist/bench/builds.js /tmp/before/dist/src/index.js dist/src/index.js [--seconds 5] [--rounds 4] [--connections 10]
 *
 * A change of Node flags is measured the same way: one build twice, the second
 * with the flags added after `npm start`'s (`--after-node-flags`):
 *
 *   node dist/bench/builds.js dist/src/index.js dist/src/index.js --after-node-flags="--heap-growing-percent=50"
 *
 * bench/results/profile-list.md records each change's figures.
 */
import "reflect-metadata";
import path from "node:path";
import { parseArgs } from "node:util";
import { signToken } from "../src/services/access/authentication";
import { BASELINE_QUERY } from "./baseline";
import { freshDatabase, load, Measured, seed } from "./list";
import { BENCH_SECRET, median, ServerProcess, startService } from "./processes";

async function dataOf(server: ServerProcess, token: string): Promise<string> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: BASELINE_QUERY }),
  });
  const body = (await response.json()) as { data?: unknown };
  return JSON.stringify(body.data);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      database: { type: "string", default: "mysql://root@127.0.0.1:3306/lr_builds" },
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "4" },
      connections: { type: "string", default: "10" },
      "after-node-flags": { type: "string", default: "" },
    },
  });
  if (positionals.length !== 2)
    throw new Error("usage: node dist/bench/builds.js <before>/dist/src/index.js <after>/dist/src/index.js [--seconds 5] [--rounds 4]");
  const entries = positionals.map((entry) => path.resolve(entry));
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const afterNodeFlags = values["after-node-flags"].split(/\s+/).filter(Boolean);
  const database = await freshDatabase(values.database, "lr_builds");
  const builds: { server: ServerProcess; rounds: Measured[] }[] = [];
  try {
    // The first build migrates and seeds; the rows are added once it has.
    for (const [i, entry] of entries.entries()) {
      const extraNodeFlags = i === 1 ? afterNodeFlags : [];
      builds.push({ server: await startService(values.database, { entry, extraNodeFlags }), rounds: [] });
    }
    const [before, after] = builds;
    if (!before || !after) throw new Error("two builds are needed");
    const admin = await seed({ type: "mysql", url: values.database }, 2_000);
    const token = await signToken(BENCH_SECRET, { id: admin.adminId, organizationId: admin.organizationId }, { expiresIn: "2h" });
    if ((await dataOf(before.server, token)) !== (await dataOf(after.server, token))) throw new Error("the two builds answer the list differently");
    // Warm both (compiled operations, caches, the JIT) before anything counts.
    for (const build of builds) await load(build.server, token, connections, seconds, 500);
    const ratios: number[] = [];
    console.log(`| round | first | before req/s | p99 ms | CPU ms/req | after req/s | p99 ms | CPU ms/req | CPU after / before |`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [before, after] : [after, before];
      for (const build of order) {
        const result = await load(build.server, token, connections, seconds);
        if (result.errors) throw new Error(`${result.errors} failed requests`);
        build.rounds.push(result);
      }
      const b = before.rounds[before.rounds.length - 1];
      const a = after.rounds[after.rounds.length - 1];
      if (!a || !b) throw new Error("a round measured nothing");
      ratios.push(a.cpuMsPerRequest / b.cpuMsPerRequest);
      const columns = (m: Measured) => `${m.requestsPerSecond} | ${m.p99} | ${m.cpuMsPerRequest.toFixed(2)}`;
      console.log(
        `| ${round} | ${order[0] === before ? "before" : "after"} | ${columns(b)} | ${columns(a)} | ${(a.cpuMsPerRequest / b.cpuMsPerRequest).toFixed(2)} |`,
      );
    }
    const medians = (measured: Measured[]) =>
      `${median(measured.map((m) => m.cpuMsPerRequest)).toFixed(2)} ms/req (${median(measured.map((m) => m.requestsPerSecond))} req/s, ` +
      `p99 ${median(measured.map((m) => m.p99))} ms)`;
    console.log(
      `\nmedians: before ${medians(before.rounds)}, after ${medians(after.rounds)}; ` +
        `CPU after / before ${median(ratios).toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  } finally {
    await Promise.all(builds.map((build) => build.server.stop()));
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
