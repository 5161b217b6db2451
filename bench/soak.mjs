// Memory over time: many small score() calls kept in flight at once, with RSS sampled as they go.
//   npm run soak -- [CALLS] [--pairs 8] [--concurrency 100] [--samples 20] [--model DIR]
// Prints one line per sample and, at the end, RSS growth after warm-up, for RSS and for its native part
// (RSS less V8's committed heap). Default: 1,000,000 calls of 8 pairs, 100 concurrent, on the test
// suite's tiny model.
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { createRequire } from 'node:module';

import { REPO_ROOT } from './lib/models.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '100' },
    samples: { type: 'string', default: '20' },
    warmup: { type: 'string' },
    model: { type: 'string' },
  },
});

function positiveInteger(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`soak: ${name} must be a positive integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const calls = positiveInteger(positionals[0] ?? '1000000', 'CALLS');
const pairsPerCall = positiveInteger(values.pairs, '--pairs');
const concurrency = positiveInteger(values.concurrency, '--concurrency');
const samples = positiveInteger(values.samples, '--samples');
const warmup = values.warmup !== undefined ? positiveInteger(values.warmup, '--warmup') : Math.min(100_000, Math.floor(calls / 10));

let modelDir = values.model;
if (!modelDir) {
  // The same folder, options and cache as the test suite's 'tiny' fixture.
  const { ensureFixture } = await import(path.join(REPO_ROOT, 'test', 'fixtures', 'generate.mjs'));
  modelDir = ensureFixture('tiny', { preset: 'tiny', seed: 1, quantize: 'int8' }).dir;
}

const { Reranker } = createRequire(import.meta.url)(REPO_ROOT);
const reranker = await Reranker.load(modelDir);
const words = ['rerank', 'query', 'passage', 'vector', 'search', 'model', 'token', 'score', 'node', 'fast'];
const pairsFor = (n) =>
  Array.from({ length: pairsPerCall }, (_, k) => ['query ' + (n % 97), words.slice(0, 1 + ((n + k) % words.length)).join(' ')]);

const mb = (bytes) => (bytes / 1048576).toFixed(1);
const start = performance.now();
const every = Math.max(1, Math.floor(calls / samples));
const rows = [];
// RSS, and the parts of it that JavaScript owns: V8's committed young and old generations. What RSS
// holds beyond them is native: Node's own, ONNX Runtime's and ours.
function sample(done) {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  const young = (spaces.new_space ?? 0) + (spaces.new_large_object_space ?? 0);
  const seconds = (performance.now() - start) / 1000;
  rows.push({ done, rss: m.rss, young, native: m.rss - m.heapTotal });
  console.log(
    `${String(done).padStart(9)} calls  rss ${mb(m.rss).padStart(7)} MB  v8 young ${mb(young).padStart(5)} MB  ` +
      `v8 rest ${mb(m.heapTotal - young).padStart(5)} MB  native ${mb(m.rss - m.heapTotal).padStart(6)} MB  ` +
      `${(done / seconds).toFixed(0).padStart(6)} calls/s`,
  );
}

console.log(`soak: ${calls} calls x ${pairsPerCall} pairs, ${concurrency} concurrent, model ${path.relative(process.cwd(), modelDir) || modelDir}`);
sample(0);
let submitted = 0;
let completed = 0;
await new Promise((resolve, reject) => {
  const next = () => {
    if (submitted >= calls) return;
    const n = submitted++;
    reranker.score(pairsFor(n)).then(() => {
      completed++;
      if (completed % every === 0 || completed === calls) sample(completed);
      if (completed === calls) resolve();
      else next();
    }, reject);
  };
  for (let i = 0; i < concurrency; i++) next();
});
await reranker.close();

// Warm-up ends after --warmup calls and once V8's young generation has grown to the largest size it
// takes in this run (it doubles in steps up to --max-semi-space-size as allocation keeps up; those
// steps are JavaScript's, not native memory).
const youngMax = Math.max(...rows.map((row) => row.young));
const base = rows.find((row) => row.done >= warmup && row.young === youngMax) ?? rows[rows.length - 1];
const last = rows[rows.length - 1];
const after = rows.filter((row) => row.done >= base.done);
const peak = Math.max(...after.map((row) => row.rss));
const nativePeak = Math.max(...after.map((row) => row.native));
const pct = (from, to) => `${(((to - from) / from) * 100).toFixed(1)}%`;
console.log(
  `warm-up: ${base.done} calls (rss ${mb(rows[0].rss)} -> ${mb(base.rss)} MB, V8 young generation ${mb(rows[0].young)} -> ${mb(base.young)} MB)\n` +
    `after warm-up: rss ${mb(base.rss)} -> ${mb(last.rss)} MB (peak ${mb(peak)}, ${pct(base.rss, peak)}); ` +
    `native ${mb(base.native)} -> ${mb(last.native)} MB (peak ${mb(nativePeak)}, ${pct(base.native, nativePeak)})`,
);
