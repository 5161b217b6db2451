// One benchmark process (forked by bench/run.mjs), so that peak RSS and load time belong to one
// system. It answers requests over IPC, each { id, op, ... } with { id, ok, result } or
// { id, ok: false, error }:
//   idle        an idle process's event-loop delay (the floor the rows are compared with)
//   gemm        the GEMM ceiling for the model's own shapes
//   open        load a system (and, for `multimodel`, its second model) and warm it up
//   reps        timed repetitions of a throughput workload (ort-tuned: each budget asked for)
//   latency     calls one at a time, then small calls under a large background call
//   multimodel  two models, each alone (half and full load) and both at once, closed-loop callers
//   close       release the system, report peak RSS and its stats; the process exits
// A process stays open across rounds, so run.mjs can interleave systems without reloading them.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import path from 'node:path';

import { loadSystem } from './lib/systems.mjs';
import { REPO_ROOT, gemmModel, gemmShapes, gemmFlops, GEMM_VARIANTS } from './lib/models.mjs';
import { median, percentile } from './lib/stats.mjs';

const require = createRequire(path.join(REPO_ROOT, 'package.json'));
const now = () => performance.now();
const maxRssMB = () => process.resourceUsage().maxRSS / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Busy CPU-seconds of the whole machine so far (all cores), from /proc/stat; null elsewhere. */
function machineBusySeconds() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
    return busy / 100; // USER_HZ
  } catch {
    return null;
  }
}

/**
 * Watches a measured span: how many cores other processes keep busy meanwhile, and the event
 * loop's delay (1 ms resolution, the same for every row and for the idle floor).
 */
function watch() {
  const m0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = now();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return async () => {
    // One more loop turn, so that the histogram's overdue timer records the last blocked stretch:
    // a system that blocks the loop for the whole span would otherwise read 0 (no sample at all).
    await sleep(2);
    h.disable();
    const m1 = machineBusySeconds();
    const c = process.cpuUsage(c0);
    const wall = (now() - t0) / 1000;
    const own = (c.user + c.system) / 1e6;
    return {
      loopSamples: h.count,
      loopMaxMs: h.max / 1e6,
      loopP99Ms: h.percentile(99) / 1e6,
      contention: m0 == null || m1 == null ? null : { ownCores: own / wall, otherCores: Math.max(0, (m1 - m0 - own) / wall) },
    };
  };
}

/** One repetition: every call of the workload, issued at once (concurrent) or alone. */
async function runOnce(sys, calls) {
  const t0 = now();
  const results = await Promise.all(calls.map((pairs) => sys.score(pairs)));
  return { ms: now() - t0, results };
}

// ------------------------------------------------------------------ state of this process

let sys = null;
let second = null;
let wl = null;

async function open(t) {
  wl = JSON.parse(fs.readFileSync(t.workloadsFile, 'utf8'))[t.workload];
  const rssBeforeLoad = maxRssMB();
  const opts = (dir) => ({ dir, precision: t.precision, threads: t.threads, budget: t.budget, crossrank: t.crossrank });
  const t0 = now();
  sys = await loadSystem(t.system, opts(t.modelDir));
  const loadMs = now() - t0;
  if (t.secondModelDir) second = await loadSystem(t.system, opts(t.secondModelDir));
  const rssAfterLoad = maxRssMB();
  // Warm-up: first Runs pay for allocations and kernel selection. ort-tuned warms up at its
  // largest budget, so that its arena already holds the largest tensors any budget asks for.
  if (t.warmupBudget != null) sys.setBudget(t.warmupBudget);
  const w0 = now();
  const warmCalls = t.workload === 'latency' ? [wl.calls[0], wl.large[0]] : wl.concurrent ? wl.calls.slice(0, 1) : wl.calls;
  let scores = null;
  for (const c of warmCalls) {
    const r = await runOnce(sys, [c]);
    scores ??= Array.from(r.results[0].slice(0, 100));
  }
  if (second) await runOnce(second, wl.calls.slice(0, 1));
  return { loadMs, warmupMs: now() - w0, rssBeforeLoadMB: rssBeforeLoad, rssAfterLoadMB: rssAfterLoad, info: sys.info, scores };
}

/** Throughput: whole repetitions, each budget in `budgets` in turn for ort-tuned. */
async function reps({ minReps, maxReps, minSeconds, budgets }) {
  const pass = budgets ?? [null];
  const perBudget = Object.fromEntries(pass.map((b) => [b, []]));
  const padBefore = sys.stats?.paddedTokens ?? 0;
  let passes = 0;
  const t0 = now();
  const done = watch();
  while (passes < maxReps && (passes < minReps || now() - t0 < minSeconds * 1000)) {
    for (const b of pass) {
      if (b != null) sys.setBudget(b);
      perBudget[b].push((await runOnce(sys, wl.calls)).ms);
    }
    passes++;
  }
  const seen = await done();
  const paddedTokensPerRep = sys.stats ? (sys.stats.paddedTokens - padBefore) / (passes * pass.length) : null;
  return { perBudget, ...seen, paddedTokensPerRep };
}

async function timeCalls(calls) {
  const ms = [];
  for (const c of calls) {
    const t = now();
    await sys.score(c);
    ms.push(now() - t);
  }
  return ms;
}

/** Calls one at a time (small, then large), then small calls while the background call runs. */
async function latency() {
  const done = watch();
  const small = await timeCalls(wl.calls);
  const large = await timeCalls(wl.large);
  const alone = await done();
  const bgDone = watch();
  const t0 = now();
  let backgroundMs = null;
  const background = sys.score(wl.background).then(() => (backgroundMs = now() - t0));
  // Let the background call get going first, as a request already being served would be.
  await sleep(20);
  // every call started while the background call runs counts, also one that it made wait past its end
  const underLoad = [];
  for (let i = 0; backgroundMs == null; i++) {
    const t = now();
    await sys.score(wl.calls[i % wl.calls.length]);
    underLoad.push(now() - t);
  }
  await background;
  const loaded = await bgDone();
  return {
    smallMs: small,
    largeMs: large,
    underLoadMs: underLoad,
    backgroundMs,
    alone,
    loaded,
  };
}

/**
 * `callers` closed-loop callers per model for `seconds`, and at least `minCalls` calls each, so
 * that the phase is mostly steady state even where calls are slow; a call started before the
 * deadline is waited for and counted. Returns per model: pairs, call latencies; and the wall time.
 */
async function closedLoop(models, { callers, seconds, minCalls }) {
  const deadline = now() + seconds * 1000;
  const t0 = now();
  const per = models.map(() => ({ pairs: 0, latMs: [] }));
  let next = 0;
  await Promise.all(
    models.flatMap((m, k) =>
      Array.from({ length: callers }, async () => {
        for (let calls = 0; calls < minCalls || now() < deadline; calls++) {
          const call = wl.calls[next++ % wl.calls.length];
          const t = now();
          await m.score(call);
          per[k].latMs.push(now() - t);
          per[k].pairs += call.length;
        }
      }),
    ),
  );
  return { wallMs: now() - t0, models: per };
}

/**
 * Each model alone with `callers` (half the joint load: the p99 reference) and with twice as many
 * (the full load: its best rate), and both models with `callers` each; the phases' order rotates
 * with `round`, so that a change in the machine's load does not always favour the same phase.
 */
async function multimodel(o) {
  const out = {};
  const phases = [['aloneA', [sys], 1], ['aloneB', [second], 1], ['fullA', [sys], 2], ['fullB', [second], 2], ['both', [sys, second], 1]];
  const start = (o.round ?? 0) % phases.length;
  for (const [name, models, k] of [...phases.slice(start), ...phases.slice(0, start)]) {
    const done = watch();
    const r = await closedLoop(models, { ...o, callers: o.callers * k });
    out[name] = { ...r, ...(await done()) };
  }
  return out;
}

async function idle({ seconds }) {
  const done = watch();
  await sleep(seconds * 1000);
  return await done();
}

/** Each ceiling graph at each row count: the best of its runs. */
async function gemm({ precision, dims, rows, minSeconds, threads }) {
  const ort = require('onnxruntime-node');
  const out = [];
  for (const variant of GEMM_VARIANTS[precision]) {
    for (const shape of gemmShapes(dims)) {
      const file = await gemmModel(shape, variant);
      const s = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      for (const n of rows) {
        const len = n * shape.k;
        const x = variant === 'int8-kernel' ? new Uint8Array(len) : new Float32Array(len);
        for (let i = 0; i < len; i++) x[i] = variant === 'int8-kernel' ? (i * 2654435761) >>> 24 : ((i * 2654435761) % 1000) / 1000 - 0.5;
        const feeds = { X: new ort.Tensor(variant === 'int8-kernel' ? 'uint8' : 'float32', x, [n, shape.k]) };
        for (let i = 0; i < 2; i++) await s.run(feeds);
        const times = [];
        const t0 = now();
        const done = watch();
        while (times.length < 3 || (now() - t0 < minSeconds * 1000 && times.length < 200)) {
          const t = now();
          await s.run(feeds);
          times.push(now() - t);
        }
        const { contention } = await done();
        const best = Math.min(...times);
        out.push({ variant, shape: shape.name, k: shape.k, outs: shape.outs, rows: n, bestMs: best, medianMs: median(times), reps: times.length, gflops: gemmFlops(shape, n) / (best / 1000) / 1e9, contention });
      }
      await s.release();
    }
  }
  return { precision, runs: out, rssMB: maxRssMB() };
}

async function close() {
  // crossrank's stats(): what its planner did over the whole workload (batches, padding, ...)
  const stats = sys?.stats ? { ...sys.stats } : null;
  await sys?.close?.();
  await second?.close?.();
  return { rssMB: maxRssMB(), stats };
}

const OPS = { idle, gemm, open, reps, latency, multimodel, close };

// run.mjs gone (interrupted): nothing is left to answer
process.on('disconnect', () => process.exit(1));
const ONE_SHOT = new Set(['idle', 'gemm', 'close']);

process.on('message', async (m) => {
  let reply;
  try {
    const op = OPS[m.op];
    if (!op) throw new Error(`unknown op ${m.op}`);
    reply = { id: m.id, ok: true, result: await op(m) };
  } catch (e) {
    reply = { id: m.id, ok: false, error: String(e?.stack ?? e) };
  }
  process.send(reply, () => {
    if (ONE_SHOT.has(m.op) || !reply.ok) process.exit(0);
  });
});
