/**
 * The Server-Sent Events transport's result stream (src/server/sse.ts): it
 * hands graphql-sse each result of the source, and `end`/`return` stop a
 * `next` that waits for the source. What it delivered is not kept while the
 * stream stays open (a subscription may stay open for days): results are
 * watched through a FinalizationRegistry and collections are forced, no heap
 * size is read.
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { ExecutionResult } from "graphql";
import pino from "pino";
import { ResultStream } from "../../src/server/sse";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const log = pino({ level: "silent" });

/** A source that answers each `next` with a fresh result, and one that never answers. */
function counting(): AsyncIterator<ExecutionResult> {
  let n = 0;
  return { next: async () => ({ value: { data: { n: ++n } }, done: false }), return: async () => ({ value: undefined, done: true }) };
}
function silent(): AsyncIterator<ExecutionResult> & { returned: boolean } {
  const source = {
    returned: false,
    next: () => new Promise<IteratorResult<ExecutionResult>>(() => undefined),
    return: async () => {
      source.returned = true;
      return { value: undefined, done: true as const };
    },
  };
  return source;
}

async function collectedWithin(isCollected: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 20 && !isCollected(); attempt++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return isCollected();
}

/**
 * Takes `count` results of `stream`, each watched by `registry`. A function of its own: an async function keeps
 * its locals (the last result taken) while it is suspended, so the taking must be over before retention is judged.
 */
async function takeWatched(stream: ResultStream, registry: FinalizationRegistry<void>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const item = await stream.next();
    expect(item.done).toBe(false);
    registry.register(item.value!, undefined);
  }
}

it("keeps none of the results it delivered while the stream stays open", async () => {
  const stream = new ResultStream(counting(), log);
  let collected = 0;
  const registry = new FinalizationRegistry<void>(() => {
    collected += 1;
  });
  const DELIVERED = 100;
  await takeWatched(stream, registry, DELIVERED);
  // The stream is still open, and every result it delivered can go.
  await collectedWithin(() => collected === DELIVERED);
  expect(collected).toBe(DELIVERED);
  await stream.return();
});

it("ends a next that waits for the source when the stream is ended or returned, and stops the source", async () => {
  const ended = silent();
  const stream = new ResultStream(ended, log);
  const waiting = stream.next();
  stream.end({ errors: [] });
  await expect(waiting).resolves.toEqual({ value: { errors: [] }, done: false });
  await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
  expect(ended.returned).toBe(true);

  const returned = silent();
  const other = new ResultStream(returned, log);
  const pending = other.next();
  await expect(other.return()).resolves.toEqual({ value: undefined, done: true });
  await expect(pending).resolves.toEqual({ value: undefined, done: true });
  expect(returned.returned).toBe(true);
});
