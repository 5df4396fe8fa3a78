// Checkpoint calls and updates the JavaScript SDK makes for the workflows of
// bench/calls_test.go (TestCheckpointCalls), on the anchor's SDK and local
// runner, counted by the anchor's instrumented client (lib.mjs instrument()).
//
//   cp -r ../shared/anchors/js /tmp/js-anchor && cd /tmp/js-anchor && npm ci
//   cp <repo>/bench/anchor-counts.mjs . && node anchor-counts.mjs [workflow...]
//
// Each workflow runs 3 times; a line shows status calls/updates per run and
// the updates by type and action of the last run.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { resetStats, instrument, countersSnapshot } from "./lib.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const range = (n) => Array.from({ length: n }, (_, i) => i);
const mapSteps = (n, opts) => async (_e, ctx) =>
  (await ctx.map("map", range(n), async (c, item) => c.step("process", async () => item * 2), opts)).getResults().length;
const parallelSteps = (n) => async (_e, ctx) =>
  (await ctx.parallel("par", range(n).map((i) => async (c) => c.step(`p${i}`, async () => i)))).getResults().length;
const sleepingSteps = (n, ms) => async (_e, ctx) => {
  for (let i = 0; i < n; i++) await ctx.step(`s${i}`, async () => { await sleep(ms); return i; });
  return n;
};

const workflows = {
  "map-10": mapSteps(10),
  "map-100": mapSteps(100),
  "map-1000": mapSteps(1000),
  "map-100-c10": mapSteps(100, { maxConcurrency: 10 }),
  "parallel-10": parallelSteps(10),
  "parallel-100": parallelSteps(100),
  "child-1x3": async (_e, ctx) => ctx.runInChildContext("child", async (c) => {
    let s = 0;
    for (let i = 0; i < 3; i++) s += await c.step(`s${i}`, async () => i);
    return s;
  }),
  "nested-3": async (_e, ctx) => ctx.runInChildContext("c3", async (c3) =>
    c3.runInChildContext("c2", async (c2) => c2.runInChildContext("c1", async (c1) => c1.step("s", async () => 1)))),
  "children-10x2": async (_e, ctx) => {
    let s = 0;
    for (let k = 0; k < 10; k++) {
      s += await ctx.runInChildContext(`c${k}`, async (c) => (await c.step("a", async () => 1)) + (await c.step("b", async () => 1)));
    }
    return s;
  },
  "child-parallel": async (_e, ctx) => {
    const child = await ctx.runInChildContext("child", async (c) => (await c.step("s0", async () => 0)) + (await c.step("s1", async () => 1)));
    const par = await ctx.parallel("par", range(3).map((i) => async (c) => c.step(`p${i}`, async () => i)));
    return child + par.getResults().length;
  },
  "map-parallel-nested": async (_e, ctx) =>
    (await ctx.map("m", range(5), async (c, item) =>
      (await c.parallel("par", [async (cc) => cc.step("p0", async () => item), async (cc) => cc.step("p1", async () => item)])).getResults().length,
    )).getResults().length,
  "seq-io-1ms-10": sleepingSteps(10, 1),
  "seq-io-50ms-3": sleepingSteps(3, 50),
};

await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
const only = process.argv.slice(2);
for (const [name, handler] of Object.entries(workflows)) {
  if (only.length && !only.includes(name)) continue;
  const runs = [];
  for (let r = 0; r < 3; r++) {
    resetStats();
    const runner = new LocalDurableTestRunner({ handlerFunction: instrument(withDurableExecution(handler)) });
    const res = await runner.run({ payload: {} });
    const c = countersSnapshot();
    runs.push(`${res.getStatus()} ${c.checkpoint_calls}/${c.checkpoint_updates}`);
  }
  console.log(name, runs.join(" | "), JSON.stringify(countersSnapshot().updates_by_kind));
}
process.exit(0);
