#!/usr/bin/env node
// Render a bench/results/<timestamp>.json as the Markdown tables used in Performance.md: every
// row, its ratio to the best peer of the run, the GEMM ceiling, the idle floor, the latency and
// multi-model rows, and each target met or missed with its margin.
//   node bench/report.mjs [bench/results/<file>.json]   (default: the newest non-tokenizer result)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { summarize, render } from './lib/summary.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const file = process.argv[2] ?? path.join(dir, fs.readdirSync(dir).filter((f) => /^\d.*\.json$/.test(f)).sort().at(-1));
const run = JSON.parse(fs.readFileSync(file, 'utf8'));
if (!run.throughput) {
  console.error(`${file} was written by an older bench/run.mjs (no interleaved rounds): rerun the benchmark`);
  process.exit(1);
}
const v = run.versions;
console.log(
  `Run ${run.started} — ${run.host.model}, ${run.host.logicalCpus} vCPU, ${run.host.node}, onnxruntime-node ${v.onnxruntimeNode}, tokenizers ${v.tokenizers}, transformers.js ${v.transformersjs}; ` +
    `peers' threads ${run.threads.peers}, crossrank threads ${run.threads.crossrank}; ${run.rounds} interleaved round(s), per system and round ${run.perRound.minReps}–${run.perRound.maxReps} repetition(s) of at least ${run.perRound.minSeconds} s.`,
);
console.log('');
console.log(render(summarize(run), { markdown: true }));
