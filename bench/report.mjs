#!/usr/bin/env node
// Render a bench/results/<timestamp>.json as the Markdown table used in Performance.md.
//   node bench/report.mjs [bench/results/<file>.json]   (default: the newest non-tokenizer result)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const file = process.argv[2] ?? path.join(dir, fs.readdirSync(dir).filter((f) => /^\d.*\.json$/.test(f)).sort().at(-1));
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
// pairs/s from the best repetition (least disturbed by other processes), as bench/run.mjs prints it
for (const x of r.results) {
  if (x.error || !x.repMs) continue;
  x.pairsPerSec = x.pairsPerRep / (Math.min(...x.repMs) / 1000);
  x.gflops = (r.workloads[x.workload].flopsPerPair * x.pairsPerSec) / 1e9;
  x.pctCeiling = r.ceiling[x.precision] ? (100 * x.gflops) / r.ceiling[x.precision].gflops : null;
}
const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const get = (s, p, w) => r.results.find((x) => x.system === s && x.precision === p && x.workload === w && !x.error);
const ratio = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
const systems = [...new Set(r.results.map((x) => x.system))];
const precisions = [...new Set(r.results.map((x) => x.precision))];
const workloads = [...new Set(r.results.map((x) => x.workload))];
console.log(`Run ${r.started} — ${r.host.model}, ${r.host.logicalCpus} vCPU, ${r.host.node}, onnxruntime-node ${r.versions.onnxruntimeNode}, tokenizers ${r.versions.tokenizers}, transformers.js ${r.versions.transformersjs}, threads ${r.threads}.`);
console.log(`GEMM ceiling: ${Object.entries(r.ceiling).map(([p, c]) => `${p} ${c.gflops.toFixed(0)} GFLOP/s (${c.sizes.map((s) => `${s.n}³ ${s.gflops.toFixed(0)}`).join(', ')})`).join('; ')}.`);
console.log('');
console.log('| system | prec | workload | pairs/s | ×tjs | ×naive | ×tuned | GFLOP/s | %ceil | loop max ms | loop p99 ms | RSS MB | load ms | Δlogit | noise |');
console.log('|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const p of precisions) for (const w of workloads) for (const s of systems) {
  const x = r.results.find((y) => y.system === s && y.precision === p && y.workload === w);
  if (!x) continue;
  if (x.error) { console.log(`| ${s} | ${p} | ${w} | error | | | | | | | | | | | |`); continue; }
  const name = s === 'ort-tuned' ? `ort-tuned@${x.info.budget}` : s;
  const bold = s === 'crossrank' ? '**' : '';
  console.log(`| ${bold}${name}${bold} | ${p} | ${w} | ${bold}${fmt(x.pairsPerSec)}${bold} | ${ratio(x.pairsPerSec, get('transformersjs', p, w)?.pairsPerSec)} | ${ratio(x.pairsPerSec, get('ort-naive', p, w)?.pairsPerSec)} | ${ratio(x.pairsPerSec, get('ort-tuned', p, w)?.pairsPerSec)} | ${fmt(x.gflops)} | ${x.pctCeiling == null ? '—' : x.pctCeiling.toFixed(0) + '%'} | ${fmt(x.loopMaxMs)} | ${fmt(x.loopP99Ms)} | ${fmt(x.rssMB, 0)} | ${fmt(x.loadMs, 0)} | ${x.maxAbsDiffVsOrtNaive == null ? '—' : x.maxAbsDiffVsOrtNaive.toExponential(0)} | ${fmt(x.contention?.otherCores, 2)} |`);
}
