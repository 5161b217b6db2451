#!/usr/bin/env node
// Single-thread encode throughput of the native tokenizer (tokenize_cli --bench) against the
// Hugging Face `tokenizers` oracle (one encode at a time, awaited: one worker thread busy) on
// the shared corpus, for one tokenizer.json. Checks the ids of every request first.
//
//   native/tokenizer/tools/build.sh
//   node --experimental-require-module native/tokenizer/tools/bpe_bench.js \
//     [--file ../shared/tokenizers/cohere-bpe.json] [--count 2000] [--rounds 5] [--cli PATH]
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..', '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};

const { loadCorpus } = require('./load-corpus');

async function main() {
  const file = path.resolve(arg('--file', path.join(ROOT, '..', 'shared', 'tokenizers', 'cohere-bpe.json')));
  const count = Number(arg('--count', 2000));
  const rounds = Number(arg('--rounds', 5));
  const cli = path.resolve(arg('--cli', path.join(ROOT, '.cache', 'tokenizer', 'tokenize_cli')));
  const { generateCorpus } = loadCorpus();
  const wellFormed = (s) => Buffer.from(s, 'utf8').toString('utf8');
  const pairs = generateCorpus({ count, seed: 99 }).map((p) => ({ a: wellFormed(p.query), b: wellFormed(p.document) }));
  const bytes = pairs.reduce((n, p) => n + Buffer.byteLength(p.a) + Buffer.byteLength(p.b), 0);

  const tmp = path.join(os.tmpdir(), `crossrank-bpe-bench-${process.pid}.jsonl`);
  fs.writeFileSync(tmp, pairs.map((p) => JSON.stringify({ a: p.a, b: p.b })).join('\n') + '\n');

  // Correctness first.
  const { Tokenizer } = require(require.resolve('tokenizers', { paths: [ROOT] }));
  const hf = Tokenizer.fromFile(file);
  hf.disablePadding();
  hf.disableTruncation();
  const res = spawnSync(cli, [file], { input: fs.readFileSync(tmp), maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`tokenize_cli failed: ${res.stderr}`);
  const ours = res.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
  let mismatches = 0;
  let tokens = 0;
  for (let i = 0; i < pairs.length; i++) {
    const e = await hf.encode(pairs[i].a, pairs[i].b);
    tokens += e.getIds().length;
    if (JSON.stringify(e.getIds()) !== JSON.stringify(ours[i].ids)) mismatches++;
  }
  console.log(`${path.basename(file)}: ${pairs.length} pairs, ${(bytes / 1e6).toFixed(2)} MB, ${tokens} tokens, ${mismatches} id mismatches`);

  // Oracle: one encode at a time.
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const p of pairs) await hf.encode(p.a, p.b);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const hfRate = pairs.length / best;
  console.log(`oracle (tokenizers ${require(require.resolve('tokenizers/package.json', { paths: [ROOT] })).version}, serial await encode): ${hfRate.toFixed(0)} pairs/s, ${(bytes / best / 1e6).toFixed(2)} MB/s`);

  // Ours: the CLI's in-process loop, one thread (best of `rounds` runs of the whole corpus).
  const b = spawnSync(cli, [file, '--bench', String(rounds)], { input: fs.readFileSync(tmp), maxBuffer: 1 << 30 });
  const line = b.stderr.toString().trim().split('\n').pop();
  console.log(`native: ${line}`);
  const m = /= (\d+) encodes\/s/.exec(line);
  if (m) console.log(`speedup: ${(Number(m[1]) / hfRate).toFixed(2)}x`);
  fs.unlinkSync(tmp);
  process.exitCode = mismatches ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
