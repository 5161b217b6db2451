// One benchmark task in its own process (forked by bench/run.mjs), so that peak RSS and load time
// belong to one system. Receives { task } over IPC, sends back { ok, result } or { ok: false, error }.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import path from 'node:path';

import { loadSystem, TUNED_BUDGETS } from './lib/systems.mjs';
import { REPO_ROOT } from './lib/models.mjs';

const require = createRequire(path.join(REPO_ROOT, 'package.json'));
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const maxRssMB = () => process.resourceUsage().maxRSS / 1024;

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

/** Watches how many cores other processes keep busy while we measure. */
function contentionProbe() {
  const m0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = now();
  return () => {
    const m1 = machineBusySeconds();
    if (m0 == null || m1 == null) return null;
    const c = process.cpuUsage(c0);
    const wall = (now() - t0) / 1000;
    const own = (c.user + c.system) / 1e6;
    return { ownCores: own / wall, otherCores: Math.max(0, (m1 - m0 - own) / wall) };
  };
}

/** One repetition: every call of the workload, issued at once (concurrent) or alone. */
async function runOnce(sys, wl) {
  const t0 = now();
  const lat = [];
  const results = await Promise.all(
    wl.calls.map(async (pairs) => {
      const s = now();
      const r = await sys.score(pairs);
      lat.push(now() - s);
      return r;
    }),
  );
  return { ms: now() - t0, lat, results };
}

async function benchTask(task) {
  const wl = JSON.parse(fs.readFileSync(task.workloadsFile, 'utf8'))[task.workload];
  const pairsPerRep = wl.calls.reduce((a, c) => a + c.length, 0);
  const rssBeforeLoad = maxRssMB();
  const t0 = now();
  const sys = await loadSystem(task.system, { dir: task.modelDir, precision: task.precision, threads: task.threads, budget: task.budget, crossrank: task.crossrank });
  const loadMs = now() - t0;
  const rssAfterLoad = maxRssMB();

  // warm-up (first Runs pay for allocations and kernel selection); for `concurrent` one of its calls
  let first = await runOnce(sys, wl.concurrent ? { calls: wl.calls.slice(0, 1) } : wl);
  const warmupMs = first.ms;

  // ort-tuned: sweep token budgets, keep the best
  let sweep = null;
  if (task.system === 'ort-tuned' && task.budget == null) {
    sweep = [];
    for (const b of TUNED_BUDGETS) {
      sys.setBudget(b);
      const r = await runOnce(sys, wl);
      sweep.push({ budget: b, pairsPerSec: pairsPerRep / (r.ms / 1000) });
    }
    const best = sweep.reduce((a, b) => (b.pairsPerSec > a.pairsPerSec ? b : a));
    sys.setBudget(best.budget);
    sys.info.budget = best.budget;
  }

  // timed repetitions, with the event loop watched throughout
  const h = monitorEventLoopDelay({ resolution: 1 });
  const padBefore = sys.stats?.paddedTokens ?? 0;
  const times = [];
  const lats = [];
  const tStart = now();
  const probe = contentionProbe();
  h.enable();
  while (times.length < task.maxReps && (times.length < task.minReps || now() - tStart < task.minSeconds * 1000)) {
    const r = await runOnce(sys, wl);
    times.push(r.ms);
    lats.push(...r.lat);
  }
  h.disable();
  const contention = probe();
  const paddedPerRep = sys.stats ? (sys.stats.paddedTokens - padBefore) / times.length : null;
  await sys.close?.();

  const msMed = median(times);
  // scores of the first call, to compare systems with each other
  const scores = Array.from(first.results[0].slice(0, 100));
  first = null;
  return {
    system: task.system,
    precision: task.precision,
    workload: task.workload,
    pairsPerRep,
    reps: times.length,
    repMs: times,
    pairsPerSec: pairsPerRep / (msMed / 1000),
    callLatencyMsMedian: median(lats),
    callLatencyMsMax: Math.max(...lats),
    loopMaxMs: h.max / 1e6,
    loopP99Ms: h.percentile(99) / 1e6,
    loopMeanMs: h.mean / 1e6,
    loadMs,
    warmupMs,
    rssMB: maxRssMB(),
    rssAfterLoadMB: rssAfterLoad,
    rssBeforeLoadMB: rssBeforeLoad,
    paddedTokensPerRep: paddedPerRep,
    sweep,
    contention,
    info: sys.info,
    scores,
  };
}

async function gemmTask(task) {
  const ort = require('onnxruntime-node');
  const out = [];
  for (const n of task.sizes) {
    const { gemmModel } = await import('./lib/models.mjs');
    const file = await gemmModel(n, task.precision);
    const s = await ort.InferenceSession.create(file, { intraOpNumThreads: task.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const a = new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) a[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
    const feeds = { A: new ort.Tensor('float32', a, [n, n]) };
    for (let i = 0; i < 3; i++) await s.run(feeds);
    const times = [];
    const t0 = now();
    const probe = contentionProbe();
    while (times.length < 5 || (now() - t0 < task.minSeconds * 1000 && times.length < 200)) {
      const t = now();
      await s.run(feeds);
      times.push(now() - t);
    }
    const contention = probe();
    await s.release();
    const ms = median(times);
    out.push({ n, ms, gflops: (2 * n ** 3) / (ms / 1000) / 1e9, reps: times.length, contention });
  }
  return { precision: task.precision, sizes: out, gflops: Math.max(...out.map((o) => o.gflops)), rssMB: maxRssMB() };
}

process.on('message', async ({ task }) => {
  try {
    const result = task.kind === 'gemm' ? await gemmTask(task) : await benchTask(task);
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack ?? e) }, () => process.exit(0));
  }
});
