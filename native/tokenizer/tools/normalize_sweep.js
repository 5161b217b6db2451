#!/usr/bin/env node
// Compares our BertNormalizer (through normalize_cli) with HF's on
//   1. every Unicode scalar value, in context ("a" + c + "b"), for 4 option sets;
//   2. random runs of combining marks (canonical reordering + Mn removal).
//   native/tokenizer/tools/build.sh && node native/tokenizer/tools/normalize_sweep.js
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..', '..');
const t = require(require.resolve('tokenizers', { paths: [ROOT] }));
const CLI = path.join(ROOT, '.cache', 'tokenizer', 'normalize_cli');

const CONFIGS = [
  { cleanText: true, handleChineseChars: true, lowercase: true, stripAccents: true },
  { cleanText: true, handleChineseChars: true, lowercase: false, stripAccents: true },
  { cleanText: true, handleChineseChars: true, lowercase: true, stripAccents: false },
  { cleanText: false, handleChineseChars: false, lowercase: false, stripAccents: false },
];

function ours(cfg, strings) {
  const json = JSON.stringify({
    type: 'BertNormalizer',
    clean_text: cfg.cleanText,
    handle_chinese_chars: cfg.handleChineseChars,
    lowercase: cfg.lowercase,
    strip_accents: cfg.stripAccents,
  });
  const res = spawnSync(CLI, [json], { input: strings.map((s) => JSON.stringify(s)).join('\n') + '\n', maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`normalize_cli failed: ${res.stderr}`);
  return res.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function compare(label, cfg, strings) {
  const hf = t.bertNormalizer(cfg);
  const got = ours(cfg, strings);
  let bad = 0;
  const show = [];
  for (let i = 0; i < strings.length; i++) {
    const want = hf.normalizeString(strings[i]);
    if (want !== got[i]) {
      bad++;
      if (show.length < 5) show.push({ input: escape(strings[i]), want: escape(want), got: escape(got[i]) });
    }
  }
  console.log(`${label} ${JSON.stringify(cfg)}: ${strings.length} strings, ${bad} mismatches`);
  for (const s of show) console.log('  ', JSON.stringify(s));
  return bad;
}

const escape = (s) => [...s].map((c) => (c.codePointAt(0) < 0x80 ? c : `U+${c.codePointAt(0).toString(16).toUpperCase()}`)).join(' ');

let bad = 0;
// 1. Every scalar value in context.
const all = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  all.push('a' + String.fromCodePoint(cp) + 'b');
}
for (const cfg of CONFIGS) bad += compare('all code points', cfg, all);

// 2. Runs of marks: every non-starter we know, plus dropped (Mn) and format characters.
const tables = fs.readFileSync(path.join(ROOT, 'native', 'tokenizer', 'unicode', 'unicode_tables.cc'), 'utf8');
const nonStarters = [...tables.matchAll(/\{0x([0-9a-f]+), (\d+)\}/g)].map((m) => parseInt(m[1], 16));
const extra = [0x0301, 0x0316, 0x0345, 0x034f, 0x0941, 0x093c, 0x0f73, 0x0f75, 0x1734, 0x08d4, 0x200d, 0x00ad, 0x0020, 0x4e2d, 0x0130, 0x0041];
const pool = nonStarters.concat(extra);
let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};
const runs = [];
for (let i = 0; i < 200000; i++) {
  let s = 'xÉ'[Math.floor(rnd() * 2)];
  const n = 2 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) s += String.fromCodePoint(pool[Math.floor(rnd() * pool.length)]);
  runs.push(s);
}
for (const cfg of CONFIGS.slice(0, 2)) bad += compare('mark runs', cfg, runs);
process.exitCode = bad ? 1 : 0;
