// The GPU checks (scripts/gpu/check.sh runs them with the GPU runtime on the library path):
//   - parity: the MiniLM-L6-shaped fixture scored on CUDA and on CPU, logits within 1e-3;
//   - throughput: pairs/s on CUDA at ~150 and ~512 tokens per pair, across batch budgets;
//   - latency: p50/p99 of a 100-document rerank.
// Results go to $OUT/gpu-check.json. With DRY_RUN set, everything but the CUDA parts runs (on CPU).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { ragSet } from '../../bench/lib/corpus.mjs';
import { ensureModels, REPO_ROOT } from '../../bench/lib/models.mjs';

const { Reranker } = createRequire(import.meta.url)(REPO_ROOT);
const out = process.env.OUT ?? path.join(REPO_ROOT, '.cache', 'gpu', 'out');
const dry = Boolean(process.env.DRY_RUN);
fs.mkdirSync(out, { recursive: true });
const results = { dryRun: dry, startedAt: new Date().toISOString(), node: process.version };
const save = () => fs.writeFileSync(path.join(out, 'gpu-check.json'), JSON.stringify(results, null, 2));

const { dir } = await ensureModels({ wantInt8: false, log: () => {} });
const pairsOf = (count, minWords, maxWords) => {
  const { query, docs } = ragSet(11, count, minWords, maxWords);
  return docs.map((d) => [query, d]);
};
const short = pairsOf(1000, 80, 120); // ~150 tokens per pair
const long = pairsOf(256, 450, 500); // at the 512-token limit

const cpu = await Reranker.load(dir, { activation: 'none' });
const reference = await cpu.score(short.slice(0, 200));
results.cpu = { ortVersion: cpu.info.ortVersion, ortLibraryPath: cpu.info.ortLibraryPath };
await cpu.close();
save();

async function timed(reranker, pairs) {
  const start = performance.now();
  await reranker.score(pairs);
  return pairs.length / ((performance.now() - start) / 1000);
}

if (dry) {
  results.note = 'dry run: CUDA parts skipped';
} else {
  const cuda = await Reranker.load(dir, { device: 'cuda', activation: 'none' });
  results.cuda = { device: cuda.info.device, ortVersion: cuda.info.ortVersion };
  const scores = await cuda.score(short.slice(0, 200));
  results.parity = { pairs: 200, maxAbsDiff: Math.max(...Array.from(scores, (s, i) => Math.abs(s - reference[i]))) };
  await cuda.close();
  save();
  results.throughput = [];
  for (const maxBatchTokens of [4096, 16384, 65536]) {
    const r = await Reranker.load(dir, { device: 'cuda', activation: 'none', maxBatchTokens, maxBatchSize: 1024 });
    await r.score(short.slice(0, 64)); // warm-up
    results.throughput.push({ maxBatchTokens, pairsPerSecond150: await timed(r, short), pairsPerSecond512: await timed(r, long) });
    await r.close();
    save();
  }
  const r = await Reranker.load(dir, { device: 'cuda' });
  const { query, docs } = ragSet(5, 100, 30, 250);
  const times = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    await r.rerank(query, docs);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  results.rerank100 = { p50: times[Math.floor(times.length / 2)], p99: times[times.length - 1] };
  await r.close();
}
results.finishedAt = new Date().toISOString();
save();
console.log(JSON.stringify(results));
