#!/usr/bin/env node
// Where a model's time goes inside ONNX Runtime: per-op-type kernel time from ORT's profiler, and the
// op histogram of the graph ORT actually runs (after its own fusions). For Performance.md's
// "Where the time goes"; not part of the package's runtime.
//
//   node scripts/profile-graph.mjs <model.onnx> [--rows 16] [--len 128] [--runs 20] [--threads 2] [--save-optimized out.onnx]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { opHistogram } from '../test/fixtures/onnx-proto.mjs';

const args = process.argv.slice(2);
const model = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
if (!model) {
  console.error('usage: node scripts/profile-graph.mjs <model.onnx> [--rows N] [--len N] [--runs N] [--threads N] [--save-optimized out.onnx]');
  process.exit(2);
}
const rows = Number(opt('rows', 16));
const len = Number(opt('len', 128));
const runs = Number(opt('runs', 20));
const threads = Number(opt('threads', 2));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-profile-'));
const optimized = opt('save-optimized', path.join(tmp, 'optimized.onnx'));

const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: path.join(tmp, 'profile'),
  optimizedModelFilePath: optimized,
});
const n = rows * len;
const ids = new BigInt64Array(n);
for (let i = 0; i < n; i++) ids[i] = BigInt(1000 + ((i * 7919) % 20000));
const feeds = {};
for (const name of session.inputNames) {
  const data = name === 'input_ids' ? ids : name === 'attention_mask' ? new BigInt64Array(n).fill(1n) : new BigInt64Array(n);
  feeds[name] = new ort.Tensor('int64', data, [rows, len]);
}
for (let i = 0; i < runs; i++) await session.run(feeds);
session.endProfiling();
await session.release?.();

const file = fs.readdirSync(tmp).find((f) => f.startsWith('profile') && f.endsWith('.json'));
const events = JSON.parse(fs.readFileSync(path.join(tmp, file), 'utf8'));
const byOp = new Map();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  total += e.dur;
}
console.log(`${path.basename(model)}: ${rows}x${len}, ${threads} threads, ${runs} runs; kernel time ${(total / runs / 1000).toFixed(2)} ms/run`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${op.padEnd(28)} ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / runs / 1000).toFixed(2).padStart(7)} ms/run`);
}
const hist = opHistogram(fs.readFileSync(optimized));
console.log('optimized graph ops:', JSON.stringify(hist));
console.log('source graph ops:   ', JSON.stringify(opHistogram(fs.readFileSync(model))));
