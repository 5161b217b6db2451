#!/usr/bin/env node
// Decoder rerankers on CPU: what a pair costs next to an encoder of the same width and depth, and
// whether prefix caching would pay (one pass over the prompt's shared head — system turn, instruction,
// query — reused by every document through the past_key_values inputs).
//
//   npm run build && node scripts/decoder-prefix-cache.mjs [--docs 32] [--words 120] [--repeats 5] [--threads 2] [--cpu]
//
// Writes throwaway fixtures (random weights) to a temporary folder. The prefix-cached run is done with
// onnxruntime-node directly, since crossrank feeds the KV inputs empty; its scores are checked against
// the uncached run before anything is timed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { generateBertModel, generateQwen3Reranker } from '../test/fixtures/generate.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ort = require('onnxruntime-node');
const { Tokenizer } = require('tokenizers');
const { Reranker } = require(ROOT);

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const DOCS = Number(args.docs ?? 32);
const WORDS = Number(args.words ?? 120);
const REPEATS = Number(args.repeats ?? 5);
const THREADS = Number(args.threads ?? 2);
const SIZE = { layers: 4, hidden: 256, heads: 4, intermediate: 1024 };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-prefix-'));
const decoder = generateQwen3Reranker({ dir: path.join(tmp, 'decoder'), ...SIZE, kvHeads: 2, headDim: 64, seed: 3 });
const encoder = generateBertModel({ dir: path.join(tmp, 'encoder'), ...SIZE, seed: 3 });

const vocabulary = 'the of and to in is it that was for on are with as his they be at one have this from or had by word but what some'.split(' ');
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const text = (n) => Array.from({ length: n }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
const query = 'what does the word of the day mean for those who read it';
const documents = Array.from({ length: DOCS }, () => text(Math.round(WORDS * (0.6 + 0.8 * random()))));

// The best time of each function, taken in turns (A B A B ...) so that load from other processes
// falls on both alike. With --cpu, the process's CPU time instead of wall time: on a shared machine
// it barely moves with the load (use it with --threads 1, where no worker spins).
const CPU = 'cpu' in args;
const now = () => {
  if (!CPU) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const race = async (fns) => {
  for (const fn of fns) await fn();
  const min = fns.map(() => Infinity);
  for (let i = 0; i < REPEATS; i++) {
    for (const [k, fn] of fns.entries()) {
      const t0 = now();
      await fn();
      min[k] = Math.min(min[k], now() - t0);
    }
  }
  return min;
};

// ---- crossrank: cost per pair, decoder (yes/no export) vs encoder of the same size
const results = {};
const rerankers = {
  encoder: await Reranker.load(encoder.dir, { threads: THREADS, maxLength: 512 }),
  decoder: await Reranker.load(decoder.dir, { modelFile: 'model_yesno.onnx', threads: THREADS, maxLength: 512 }),
};
const times = await race(Object.values(rerankers).map((r) => () => r.rerank(query, documents)));
for (const [k, [name, r]] of Object.entries(rerankers).entries()) {
  const { timings } = await r.rerankDetailed(query, documents);
  results[name] = { msPerPair: +(times[k] / DOCS).toFixed(3), tokensPerPair: Math.round(timings.tokens / DOCS), msPerToken: +(times[k] / timings.tokens).toFixed(4) };
  await r.close();
}

// ---- prefix caching with the past_key_values export
const tok = Tokenizer.fromFile(path.join(decoder.dir, 'tokenizer.json'));
const ids = async (s) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds();
const prefix = await ids('<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n');
const suffix = await ids('<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
const instruction = 'Given a web search query, retrieve relevant passages that answer the query';
const rows = await Promise.all(documents.map(async (d) => [...prefix, ...(await ids(`<Instruct>: ${instruction}\n<Query>: ${query}\n<Document>: ${d}`)), ...suffix]));
// The shared head: the longest run of ids every row starts with.
let shared = 0;
while (rows.every((r) => r[shared] === rows[0][shared])) shared++;

const session = await ort.InferenceSession.create(decoder.models.past, { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
const pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
const { kvHeads, headDim } = { kvHeads: 2, headDim: 64 };
const i64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
const emptyPast = (batch) => Object.fromEntries(pastNames.map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim])]));
const yes = decoder.tokenIds.yes;
const no = decoder.tokenIds.no;
const lastScores = (logits, batch, width) => Array.from({ length: batch }, (_, r) => {
  const vocab = logits.dims[2];
  const at = (r * width + width - 1) * vocab;
  return logits.data[at + yes] - logits.data[at + no];
});

// Left-padded rows (positions from the mask), after `pastLength` cached tokens.
function leftPadded(parts, pastLength) {
  const width = Math.max(...parts.map((p) => p.length));
  const input = [];
  const mask = [];
  const positions = [];
  for (const p of parts) {
    const pad = width - p.length;
    for (let i = 0; i < pastLength; i++) mask.push(1);
    for (let i = 0; i < pad; i++) input.push(0), mask.push(0), positions.push(1);
    p.forEach((id, i) => (input.push(id), mask.push(1), positions.push(pastLength + i)));
  }
  const b = parts.length;
  return { width, feeds: { input_ids: i64(input, [b, width]), attention_mask: i64(mask, [b, pastLength + width]), position_ids: i64(positions, [b, width]) } };
}

async function uncached() {
  const { width, feeds } = leftPadded(rows, 0);
  const out = await session.run({ ...feeds, ...emptyPast(rows.length) }, ['logits']);
  return lastScores(out.logits, rows.length, width);
}

async function cached() {
  const head = leftPadded([rows[0].slice(0, shared)], 0);
  const presentNames = pastNames.map((n) => n.replace('past_key_values.', 'present.'));
  const headOut = await session.run({ ...head.feeds, ...emptyPast(1) }, presentNames);
  // Every row reads the same cache: tile it over the batch.
  const past = {};
  for (const name of pastNames) {
    const one = headOut[name.replace('past_key_values.', 'present.')];
    const tiled = new Float32Array(one.data.length * rows.length);
    for (let r = 0; r < rows.length; r++) tiled.set(one.data, r * one.data.length);
    past[name] = new ort.Tensor('float32', tiled, [rows.length, ...one.dims.slice(1)]);
  }
  const { width, feeds } = leftPadded(rows.map((r) => r.slice(shared)), shared);
  const out = await session.run({ ...feeds, ...past }, ['logits']);
  return lastScores(out.logits, rows.length, width);
}

const a = await uncached();
const b = await cached();
const maxDiff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
if (!(maxDiff < 1e-3)) throw new Error(`prefix-cached scores differ from the uncached ones by ${maxDiff}`);
const [uncachedMs, cachedMs] = await race([uncached, cached]);
const meanRow = rows.reduce((s, r) => s + r.length, 0) / rows.length;
await session.release();
fs.rmSync(tmp, { recursive: true, force: true });

console.log(JSON.stringify({
  size: { ...SIZE, decoderKvHeads: kvHeads, headDim, decoderParams: decoder.parameterCount, encoderParams: encoder.parameterCount },
  docs: DOCS, threads: THREADS, clock: CPU ? 'process CPU time' : 'wall time',
  crossrank: results,
  prefixCache: {
    tokensPerRow: Math.round(meanRow), sharedTokens: shared, sharedShare: +(shared / meanRow).toFixed(3),
    uncachedMsPerPair: +(uncachedMs / DOCS).toFixed(3), cachedMsPerPair: +(cachedMs / DOCS).toFixed(3),
    speedup: +(uncachedMs / cachedMs).toFixed(2), maxScoreDiff: maxDiff,
  },
}, null, 2));
