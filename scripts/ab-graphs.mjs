#!/usr/bin/env node
// A/B of ONNX graph files and session settings through onnxruntime-node: the variants run interleaved
// (order reversed every repetition) on the same padded batch; per variant the best and median wall
// time, the process CPU time per run (steadier than wall time on a shared machine, with THREADS=1)
// and the largest logit difference from the first variant. For Performance.md's "Where the time goes".
//
//   [THREADS=1] node scripts/ab-graphs.mjs <rows> <len> <reps> <a.onnx> <b.onnx>[@session_key=value,...] ...
//   e.g. THREADS=1 node scripts/ab-graphs.mjs 4 128 30 m.onnx m.onnx@set_denormal_as_zero=1
import ort from 'onnxruntime-node';
const [rowsS, lenS, repsS, ...files] = process.argv.slice(2);
const rows = +rowsS, len = +lenS, reps = +repsS;
const extra = process.env.CFG ? JSON.parse(process.env.CFG) : {};
const sessions = [];
for (const f of files) {
  const [file, cfg] = f.split('@');
  const opts = { graphOptimizationLevel: 'all', intraOpNumThreads: Number(process.env.THREADS ?? 2), interOpNumThreads: 1, ...extra };
  if (cfg) opts.extra = { session: Object.fromEntries(cfg.split(',').map((kv) => kv.split('='))) };
  sessions.push({ f, s: await ort.InferenceSession.create(file, opts), best: Infinity });
}
const n = rows * len;
const ids = new BigInt64Array(n), mask = new BigInt64Array(n), types = new BigInt64Array(n);
for (let r = 0; r < rows; r++) {
  const real = Math.max(4, len - ((r * 37) % Math.max(1, len / 2)));
  for (let i = 0; i < len; i++) { const k = r * len + i; ids[k] = i < real ? BigInt(1000 + ((k * 7919) % 20000)) : 0n; mask[k] = i < real ? 1n : 0n; types[k] = i > real / 2 && i < real ? 1n : 0n; }
}
const feedsFor = (s) => Object.fromEntries(s.inputNames.map((nm) => [nm, new ort.Tensor('int64', nm === 'input_ids' ? ids : nm === 'attention_mask' ? mask : types, [rows, len])]));
let ref;
for (const x of sessions) {
  const out = (await x.s.run(feedsFor(x.s))).logits.data;
  if (!ref) ref = out;
  let d = 0; for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - out[i]));
  x.diff = d;
}
for (let r = 0; r < reps; r++) {
  for (const x of (r % 2 ? [...sessions].reverse() : sessions)) {
    const feeds = feedsFor(x.s);
    const c = process.cpuUsage(); const t = performance.now(); await x.s.run(feeds); const dt = performance.now() - t; const cu = process.cpuUsage(c); const cpu = (cu.user + cu.system) / 1000;
    x.best = Math.min(x.best, dt); (x.all ??= []).push(dt); (x.cpu ??= []).push(cpu);
  }
}
const med = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const x of sessions) console.log(`${x.f.padEnd(48)} best ${x.best.toFixed(1)} ms  median ${med(x.all).toFixed(1)} ms  cpu min ${Math.min(...x.cpu).toFixed(1)} med ${med(x.cpu).toFixed(1)} ms  maxdiff ${x.diff.toExponential(2)}  wall ${(sessions[0].best / x.best).toFixed(3)}x cpu ${(med(sessions[0].cpu) / med(x.cpu)).toFixed(3)}x`);
