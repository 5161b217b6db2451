// The GPU checks of issue 15 (scripts/gpu/check.sh runs them with the GPU runtime on the library path):
//   node scripts/gpu/check.mjs core       parity and speed on the generator's MiniLM-L6-shaped fixture:
//     - CUDA vs CPU logits (float32, within 1e-3) and the float16 twin on CUDA vs float32 on CPU
//       (within 2e-2, the same top 10 of a 100-document rerank);
//     - pairs/s at ~150 and 512 tokens per pair with the batch budget (maxBatchTokens) swept, and
//       p50/p99 of a 100-document rerank at the default budget, each with the event loop's longest
//       delay meanwhile;
//   node scripts/gpu/check.mjs reference  crossrank on reference.py's torch exports, beside it:
//     - logits vs sentence-transformers on the same card (float32 within 1e-3; float16 reported),
//       pairs/s of both at ~150 and 512 tokens;
//     - the XLM-R-large (bge-reranker-v2-m3) shape in float16: pairs/s swept, rerank p50/p99.
// Results go to $OUT/gpu-check.json, rewritten after every section ('reference' adds to what 'core'
// wrote). With DRY_RUN set the same code runs on CPU with small counts, so the script is tested here.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { GPU_DIR, MINILM, PAIRS, REF_MINILM, REF_XLMR_LARGE, REPO_ROOT } from './paths.mjs';

const { Reranker } = createRequire(import.meta.url)(REPO_ROOT);
const phase = process.argv[2] ?? 'core';
if (!['core', 'reference'].includes(phase)) throw new Error(`check.mjs: unknown phase '${phase}' (core, reference)`);
const out = process.env.OUT ?? path.join(GPU_DIR, 'out');
const dry = Boolean(process.env.DRY_RUN);
const device = dry ? 'cpu' : 'cuda';
const deadline = process.env.GPU_CHECK_DEADLINE ? Number(process.env.GPU_CHECK_DEADLINE) * 1000 : Infinity;
const file = path.join(out, 'gpu-check.json');
fs.mkdirSync(out, { recursive: true });

// A dry run exercises every path with counts small enough for this 2-core machine.
const size = dry
  ? { parity: 8, short: 16, long: 4, docs: 12, sweep: [2048], xlmrSweep: [2048], iterations: 2, xlmrIterations: 2 }
  : { parity: 200, short: 1000, long: 256, docs: 100, sweep: [4096, 16384, 65536], xlmrSweep: [16384, 65536], iterations: 50, xlmrIterations: 20 };
const TOLERANCE = { fp32: 1e-3, fp16: 2e-2 };

const results = phase === 'reference' && fs.existsSync(file)
  ? JSON.parse(fs.readFileSync(file, 'utf8'))
  : { dryRun: dry, device, node: process.version, startedAt: new Date().toISOString(), seconds: {}, errors: {} };
const save = () => fs.writeFileSync(file, JSON.stringify(results, null, 1));
save();

/** Runs one section; a failure is recorded and the next section still runs. */
async function section(name, fn, { needSeconds = 0 } = {}) {
  const left = (deadline - Date.now()) / 1000;
  if (left < needSeconds) {
    results.errors[name] = `skipped: ${left.toFixed(0)} s left, needs ${needSeconds}`;
    console.log(`[${name}] skipped: too little time left`);
    save();
    return;
  }
  console.log(`[${name}] ...`);
  const start = performance.now();
  try {
    results[name] = await fn();
  } catch (e) {
    results.errors[name] = `${e.code ?? e.name}: ${e.message}`;
    console.error(`[${name}] FAILED: ${results.errors[name]}`);
  }
  results.seconds[name] = +((performance.now() - start) / 1000).toFixed(1);
  console.log(`[${name}] done in ${results.seconds[name]} s`);
  save();
}

const all = JSON.parse(fs.readFileSync(PAIRS, 'utf8'));
const pairs = { short: all.short.slice(0, size.short), long: all.long.slice(0, size.long) };
const { query } = all.rerank;
const docs = all.rerank.docs.slice(0, size.docs);

const load = (dir, opts = {}) => Reranker.load(dir, { device, activation: 'none', ...opts });
async function using(dir, opts, fn) {
  const t = performance.now();
  const r = await load(dir, opts);
  const loadSeconds = +((performance.now() - t) / 1000).toFixed(2);
  try {
    return await fn(r, loadSeconds);
  } finally {
    await r.close();
  }
}
/** fn's result, or { error } when it throws: one failing row (a CUDA load, say) keeps its section's other rows. */
async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    console.error(`  FAILED: ${e.code ?? e.name}: ${e.message}`);
    return { error: `${e.code ?? e.name}: ${e.message}` };
  }
}
const maxAbsDiff = (a, b) => {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} scores with ${b.length}`);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};
const top11 = (r) => r.rerank(query, docs, { topK: 11 });
const infoOf = (r) => ({ device: r.info.device, ortVersion: r.info.ortVersion, logitsType: r.info.logitsType, inputMemory: r.info.inputMemory, modelPath: path.relative(REPO_ROOT, r.info.modelPath) });

/** fn's result plus the longest event-loop delay (ms) while it ran: scoring must not block the loop. */
async function watchingLoop(fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    return { ...(await fn()), loopDelayMaxMs: +(h.max / 1e6).toFixed(2), loopDelayP99Ms: +(h.percentile(99) / 1e6).toFixed(2) };
  } finally {
    h.disable();
  }
}

async function pairsPerSecond(r, list) {
  await r.score(list.slice(0, 64)); // warm-up: kernels, the CUDA arena, ORT's shape-specific plans
  const start = performance.now();
  await r.score(list);
  return +(list.length / ((performance.now() - start) / 1000)).toFixed(1);
}

const throughput = (r) => watchingLoop(async () => ({
  pairsPerSecond150: await pairsPerSecond(r, pairs.short),
  pairsPerSecond512: await pairsPerSecond(r, pairs.long),
}));

/** p50/p99 of `iterations` 100-document reranks on `r`, after one warm-up. */
async function latency(r, iterations) {
  await r.rerank(query, docs);
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await r.rerank(query, docs);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (p) => +times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)].toFixed(2);
  return { documents: docs.length, iterations, p50Ms: at(50), p99Ms: at(99), maxMs: at(100) };
}

/**
 * pairs/s at ~150 and 512 tokens for each batch budget (one session each), and the rerank latency
 * on the session whose budget is the CUDA default (16384, or the first in a dry run), each with the
 * event loop's longest delay meanwhile.
 */
async function sweep(dir, opts, budgets, iterations) {
  const rows = [];
  const latencyAt = budgets.includes(16384) ? 16384 : budgets[0];
  for (const maxBatchTokens of budgets) {
    if (Date.now() > deadline - 30_000) {
      rows.push({ maxBatchTokens, skipped: 'deadline' });
      continue;
    }
    rows.push(await attempt(() => using(dir, { ...opts, maxBatchTokens, maxBatchSize: 1024 }, async (r, loadSeconds) => ({
      maxBatchTokens,
      loadSeconds,
      ...(await throughput(r)),
      ...(maxBatchTokens === latencyAt ? { rerank: await watchingLoop(() => latency(r, iterations)) } : {}),
    }))));
    save();
  }
  return rows;
}

if (phase === 'core') {
  const parityPairs = all.short.slice(0, size.parity);
  let cpu;
  await section('parity', async () => {
    cpu = await using(MINILM, { device: 'cpu' }, async (r) => ({ info: infoOf(r), scores: await r.score(parityPairs), top: await top11(r) }));
    const cpuTop10 = cpu.top.slice(0, 10).map((x) => x.index);
    // The closest two neighbours in the float32 top 11: an fp16 error larger than this may swap them.
    const minGap = Math.min(...cpu.top.slice(1).map((x, i) => cpu.top[i].score - x.score));
    const res = { pairs: parityPairs.length, documents: docs.length, cpu: cpu.info, cpuTop10, cpuTop11MinScoreGap: minGap };
    for (const [dtype, opts] of [['fp32', {}], ['fp16', { dtype: 'fp16' }]]) {
      res[dtype] = await attempt(() => using(MINILM, opts, async (r) => {
        const diff = maxAbsDiff(await r.score(parityPairs), cpu.scores);
        const top10 = (await top11(r)).slice(0, 10).map((x) => x.index);
        return {
          ...infoOf(r), maxAbsDiffVsCpuFp32: diff, tolerance: TOLERANCE[dtype], withinTolerance: diff <= TOLERANCE[dtype],
          sameTop10Order: top10.every((v, i) => v === cpuTop10[i]), sameTop10Set: top10.every((v) => cpuTop10.includes(v)), top10,
        };
      }));
      save();
    }
    return res;
  });
  await section('throughput', async () => ({
    'minilm-l6 fp32': await sweep(MINILM, {}, size.sweep, size.iterations),
    'minilm-l6 fp16': await sweep(MINILM, { dtype: 'fp16' }, size.sweep, size.iterations),
  }), { needSeconds: 60 });
} else {
  const refFile = path.join(out, 'reference.json');
  const ref = fs.existsSync(refFile) ? JSON.parse(fs.readFileSync(refFile, 'utf8')) : { skipped: `${refFile} is missing` };
  const st = ref.sentenceTransformers ?? {};
  await section('reference', async () => {
    if (ref.skipped) return { skipped: `reference.py: ${ref.skipped}` };
    const want = [...(st.fp32?.logits?.short ?? []).slice(0, size.short), ...(st.fp32?.logits?.long ?? []).slice(0, size.long)];
    const hf = ref.transformers ? [...ref.transformers.short.slice(0, size.short), ...ref.transformers.long.slice(0, size.long)] : null;
    const both = [...pairs.short, ...pairs.long];
    const res = { pairs: both.length, sentenceTransformers: {}, crossrank: {} };
    for (const [dtype, opts, devices] of [['fp32', {}, [device, 'cpu']], ['fp16', { dtype: 'fp16' }, [device]]]) {
      const stRun = st[dtype];
      if (stRun) res.sentenceTransformers[dtype] = { pairsPerSecond150: stRun.pairsPerSecond150, pairsPerSecond512: stRun.pairsPerSecond512, logitStats: stRun.logitStats };
      for (const dev of [...new Set(devices)]) {
        res.crossrank[`${dtype} ${dev}`] = await attempt(() => using(REF_MINILM, { ...opts, device: dev }, async (r) => {
          const scores = await r.score(both);
          const row = { ...infoOf(r) };
          const stSame = stRun ? [...stRun.logits.short.slice(0, size.short), ...stRun.logits.long.slice(0, size.long)] : null;
          if (stSame) {
            row.maxAbsDiffVsSentenceTransformers = maxAbsDiff(scores, stSame);
            row.withinTolerance = row.maxAbsDiffVsSentenceTransformers <= TOLERANCE[dtype];
          }
          if (dtype === 'fp16' && want.length) row.maxAbsDiffVsSentenceTransformersFp32 = maxAbsDiff(scores, want);
          if (dtype === 'fp32' && hf) row.maxAbsDiffVsTransformers = maxAbsDiff(scores, hf);
          row.tolerance = TOLERANCE[dtype];
          if (dev === device) Object.assign(row, await throughput(r));
          return row;
        }));
        save();
      }
    }
    return res;
  }, { needSeconds: 30 });
  const xlmr = path.join(REF_XLMR_LARGE, 'onnx', 'model_fp16.onnx');
  await section('xlmrLarge', async () => {
    if (!fs.existsSync(xlmr)) return { skipped: `${path.relative(REPO_ROOT, xlmr)} was not exported (see reference.json)` };
    return {
      sentenceTransformersFp16: ref.sentenceTransformersXlmrLarge ?? null,
      throughput: await sweep(REF_XLMR_LARGE, { dtype: 'fp16' }, size.xlmrSweep, size.xlmrIterations),
    };
  }, { needSeconds: 60 });
}
results.finishedAt = new Date().toISOString();
save();
const failedRows = (JSON.stringify(results).match(/"error":/g) ?? []).length;
console.log(`check.mjs ${phase}: sections failed or skipped: ${Object.keys(results.errors).join(', ') || 'none'}; rows failed: ${failedRows}`);
