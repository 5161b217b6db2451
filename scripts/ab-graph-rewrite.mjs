#!/usr/bin/env node
// A/B of the graphRewrite load option on the engine itself: the same model loaded twice (off, on),
// calls alternating (ABBA) per workload; best and median pairs/s, the median of the per-round on/off
// ratios (adjacent calls see the same machine load), and the largest logit difference.
//
//   npx tsc -p tsconfig.json && node scripts/ab-graph-rewrite.mjs <model folder> [modelFile|-] [rounds]
import { Reranker } from '../dist/index.js';
const [dir, modelFile, roundsS] = process.argv.slice(2);
const rounds = Number(roundsS ?? 12);
const WORDS = 'the of and to in is was for on that with as by at from his her an which or be are this had not but were have it one all their there been has who its more when will would can new after other some also into only than first time two may over such most any these'.split(' ');
const text = (n, seed) => Array.from({ length: n }, (_, i) => WORDS[(i * 7 + seed * 13) % WORDS.length]).join(' ');
const workloads = {
  fixed32: Array.from({ length: 64 }, (_, i) => ['what is the time', text(24, i)]),
  fixed128: Array.from({ length: 32 }, (_, i) => ['what is the time', text(118, i)]),
  rag: Array.from({ length: 48 }, (_, i) => ['what is the time of the first one', text(20 + ((i * 53) % 220), i)]),
};
const opts = modelFile && modelFile !== '-' ? { modelFile } : {};
const sys = {
  off: await Reranker.load(dir, { ...opts, graphRewrite: false, activation: 'none' }),
  on: await Reranker.load(dir, { ...opts, graphRewrite: true, activation: 'none' }),
};
console.log('fused:', JSON.stringify(sys.on.info.fusedOps), 'maxBatchTokens', sys.on.info.maxBatchTokens);
for (const [name, pairs] of Object.entries(workloads)) {
  const a = await sys.off.score(pairs), b = await sys.on.score(pairs);
  let d = 0; for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  const t = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? ['on', 'off'] : ['off', 'on']) {
      const t0 = performance.now(); await sys[k].score(pairs); t[k].push(pairs.length / ((performance.now() - t0) / 1000));
    }
  }
  const best = (x) => Math.max(...x), med = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  // per-round ratio: on/off within the same round (adjacent calls), median over rounds
  const ratios = t.on.map((v, i) => v / t.off[i]);
  console.log(`${name.padEnd(9)} off best ${best(t.off).toFixed(1)} med ${med(t.off).toFixed(1)} | on best ${best(t.on).toFixed(1)} med ${med(t.on).toFixed(1)} pairs/s | best ${(best(t.on) / best(t.off)).toFixed(3)}x, median paired ratio ${med(ratios).toFixed(3)}x | max |logit diff| ${d.toExponential(2)}`);
}
for (const s of Object.values(sys)) await s.close();
