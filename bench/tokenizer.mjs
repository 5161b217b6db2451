#!/usr/bin/env node
// Tokenizer micro-benchmark: pair encodings per second on one thread.
//   crossrank  Tokenizer.fromFile(f).encode(q, d, { maxLength: 512, padding: false }) (sync, native)
//   tokenizers (HF, Rust) await tok.encode(q, d), one at a time              (async only: each call
//              hops to the libuv pool; tokenizers 0.23 has no sync encode and its encodeBatch takes
//              single strings only, not pairs)
//   tokenizers.js (@huggingface/tokenizers, what transformers.js runs on the main thread) encode(q,
//              { text_pair: d })                                              (sync, pure JS)
// for every /work/shared/tokenizers/*.json that the systems can load; also times loading each file
// and checks that the ids agree with HF tokenizers.
//
//   node bench/tokenizer.mjs [--pairs N] [--seconds S] [--dir /work/shared/tokenizers]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { ragSet } from './lib/corpus.mjs';
import { REPO_ROOT } from './lib/models.mjs';
import { ensureXlmrTokenizer, haveNmtNfkc } from '../test/fixtures/generate.mjs';

// One libuv worker: HF tokenizers' async encode then runs on exactly one thread (set before the pool starts).
process.env.UV_THREADPOOL_SIZE ??= '1';
const require = createRequire(path.join(REPO_ROOT, 'package.json'));
const now = () => performance.now();

function args() {
  const o = { pairs: 300, seconds: 2, dir: path.resolve(REPO_ROOT, '..', 'shared', 'tokenizers') };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--pairs') o.pairs = Number(a[++i]);
    else if (a[i] === '--seconds') o.seconds = Number(a[++i]);
    else if (a[i] === '--dir') o.dir = path.resolve(a[++i]);
    else if (a[i] === '--quick') o.seconds = 0.5;
    else throw new Error(`unknown argument ${a[i]}`);
  }
  return o;
}

/** Repeat `pass` (one pass over all pairs) until `seconds` have gone by; best pass wins. */
async function measure(pairs, seconds, pass) {
  await pass(); // warm-up (JIT, caches)
  const times = [];
  const t0 = now();
  while (times.length < 3 || now() - t0 < seconds * 1000) {
    const t = now();
    await pass();
    times.push(now() - t);
    if (times.length >= 50) break;
  }
  times.sort((a, b) => a - b);
  return pairs.length / (times[times.length >> 1] / 1000);
}

function timeLoad(fn, reps = 3) {
  let best = Infinity;
  let value;
  for (let i = 0; i < reps; i++) {
    const t = now();
    value = fn();
    best = Math.min(best, now() - t);
  }
  return { value, ms: best };
}

async function main() {
  const o = args();
  const files = fs.existsSync(o.dir) ? fs.readdirSync(o.dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(o.dir, f)) : [];
  // Unigram: no real XLM-R tokenizer.json is available offline, so the bge-reranker-v2-m3-shaped files the
  // fixture generator writes (real nmt_nfkc charsmap, generated vocabulary), small and full 250k size.
  if (haveNmtNfkc()) {
    for (const [name, vocabSize] of [['xlmr-m3-8k', 'small'], ['xlmr-m3-250k', 'large']]) {
      files.push(ensureXlmrTokenizer(name, { vocabSize, seed: 1, variant: 'm3' }).path);
    }
  }
  // query + passages of 30-250 words: what a reranker tokenizes
  const pairs = [];
  for (let s = 0; pairs.length < o.pairs; s++) {
    const { query, docs } = ragSet(5000 + s, 50);
    for (const d of docs) pairs.push([query, d]);
  }
  pairs.length = o.pairs;
  const chars = pairs.reduce((a, [q, d]) => a + q.length + d.length, 0);
  console.log(`tokenizer bench: ${pairs.length} (query, passage) pairs, mean ${(chars / pairs.length).toFixed(0)} chars/pair, one thread, node ${process.version}`);

  let crossrank = null;
  let crossrankError = null;
  try {
    const entry = path.join(REPO_ROOT, 'dist', 'index.js');
    if (!fs.existsSync(entry)) throw new Error('dist/index.js missing (npx tsc -p tsconfig.json; npm run build:native)');
    crossrank = require(entry).Tokenizer;
  } catch (e) {
    crossrankError = e.message.split('\n')[0];
    console.log(`crossrank Tokenizer unavailable: ${crossrankError}`);
  }
  const hf = require('tokenizers');
  let tjs = null;
  try {
    tjs = (await import('@huggingface/tokenizers')).Tokenizer;
  } catch {
    // optional (comes with @huggingface/transformers)
  }

  const rows = [];
  for (const file of files) {
    const f = path.basename(file) === 'tokenizer.json' ? path.basename(path.dirname(file)) + '.json' : path.basename(file);
    const row = { file: f };
    try {
      const l = timeLoad(() => hf.Tokenizer.fromFile(file));
      row.hfLoadMs = l.ms;
      const tok = l.value;
      // honour the file's own truncation (all-minilm-l6-v2.json says 256); else 512 like crossrank
      row.fileTruncation = JSON.parse(fs.readFileSync(file, 'utf8')).truncation?.max_length ?? null;
      if (row.fileTruncation == null) tok.setTruncation(512);
      tok.disablePadding(); // all-minilm-l6-v2.json pads to a multiple of 8; compare unpadded ids
      row.hf = await measure(pairs, o.seconds, async () => {
        for (const [q, d] of pairs) await tok.encode(q, d);
      });
      row.refIds = [];
      for (const [q, d] of pairs) row.refIds.push((await tok.encode(q, d)).getIds());
      row.meanTokens = row.refIds.reduce((a, x) => a + x.length, 0) / pairs.length;
    } catch (e) {
      row.hfError = e.message.split('\n')[0];
    }
    if (crossrank) {
      try {
        const l = timeLoad(() => crossrank.fromFile(file));
        row.crLoadMs = l.ms;
        const tok = l.value;
        // HF's side runs with padding disabled (above); encode() would apply the file's padding section.
        const opts = { maxLength: row.fileTruncation ?? 512, padding: false };
        row.cr = await measure(pairs, o.seconds, () => {
          for (const [q, d] of pairs) tok.encode(q, d, opts);
        });
        if (row.refIds) row.crMismatch = pairs.filter(([q, d], i) => tok.encode(q, d, opts).ids.join() !== row.refIds[i].join()).length;
      } catch (e) {
        row.crError = e.message.split('\n')[0];
      }
    }
    if (tjs) {
      try {
        const json = JSON.parse(fs.readFileSync(file, 'utf8'));
        const l = timeLoad(() => new tjs(json, {}));
        row.tjsLoadMs = l.ms;
        const tok = l.value;
        // tokenizers.js encode() does not truncate: only compare ids where the reference was not cut
        row.tjs = await measure(pairs, o.seconds, () => {
          for (const [q, d] of pairs) tok.encode(q, { text_pair: d });
        });
        if (row.refIds) {
          const limit = row.fileTruncation ?? 512;
          row.tjsMismatch = pairs.filter(([q, d], i) => row.refIds[i].length < limit && tok.encode(q, { text_pair: d }).ids.join() !== row.refIds[i].join()).length;
        }
      } catch (e) {
        row.tjsError = e.message.split('\n')[0];
      }
    }
    delete row.refIds;
    rows.push(row);
  }

  const f1 = (v) => (v == null ? '—' : v.toFixed(0));
  const f2 = (v) => (v == null ? '—' : v.toFixed(1));
  const rt = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
  const header = ['tokenizer file', 'tok/pair', 'crossrank pairs/s', 'tokenizers pairs/s', 'tokenizers.js pairs/s', 'cr/tokenizers', 'cr/tokenizers.js', 'load ms cr / tok / tjs', 'id mismatches cr / tjs'];
  const body = rows.map((r) => [
    r.file, f1(r.meanTokens), r.crError ? 'error' : f1(r.cr), r.hfError ? 'error' : f1(r.hf), r.tjsError ? 'error' : f1(r.tjs),
    rt(r.cr, r.hf), rt(r.cr, r.tjs),
    `${f2(r.crLoadMs)} / ${f2(r.hfLoadMs)} / ${f2(r.tjsLoadMs)}`,
    `${r.crMismatch ?? '—'} / ${r.tjsMismatch ?? '—'}`,
  ]);
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  console.log('');
  console.log(header.map((h, i) => h.padEnd(w[i])).join('  '));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const b of body) console.log(b.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  '));
  for (const r of rows) {
    for (const k of ['crError', 'hfError', 'tjsError']) if (r[k]) console.log(`${r.file}: ${k.replace('Error', '')} error: ${r[k]}`);
  }
  const out = path.join(REPO_ROOT, 'bench', 'results', `tokenizer-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ pairs: pairs.length, node: process.version, crossrankError, rows }, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
