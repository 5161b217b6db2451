#!/usr/bin/env node
// Compares our NFC/NFD/NFKC/NFKD normalizers (through normalize_cli) with HF's on
//   1. every Unicode scalar value, alone and in context ("a" + c + "\u0301b");
//   2. random runs of starters, combining marks, Hangul jamo and composites (reordering and
//      recomposition across chunk boundaries).
//   native/tokenizer/tools/build.sh && node native/tokenizer/tools/nfx_sweep.js [--cli PATH]
'use strict';

const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..', '..');
const t = require(require.resolve('tokenizers', { paths: [ROOT] }));
const i = process.argv.indexOf('--cli');
const CLI = i >= 0 ? process.argv[i + 1] : path.join(ROOT, '.cache', 'tokenizer', 'normalize_cli');

const FORMS = { NFC: t.nfcNormalizer(), NFD: t.nfdNormalizer(), NFKC: t.nfkcNormalizer(), NFKD: t.nfkdNormalizer() };

function ours(type, strings) {
  const res = spawnSync(CLI, [JSON.stringify({ type })], {
    input: strings.map((s) => JSON.stringify(s)).join('\n') + '\n',
    maxBuffer: 1 << 30,
  });
  if (res.status !== 0) throw new Error(`normalize_cli failed: ${res.stderr}`);
  return res.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}

const hex = (s) => [...s].map((c) => c.codePointAt(0).toString(16)).join(' ');

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const POOL = [
  0x61, 0x65, 0x6f, 0x41, 0x20, 0x300, 0x301, 0x302, 0x308, 0x316, 0x323, 0x327, 0x328, 0x345, 0x334, 0x35c, 0x1100,
  0x1161, 0x11a8, 0xac00, 0xac01, 0x1112, 0x1175, 0x11c2, 0xc0, 0xc7, 0x1e08, 0x1e69, 0x3b1, 0x1f00, 0x1f02, 0x399,
  0x3099, 0x304b, 0x30ab, 0x309a, 0xfb01, 0x2126, 0x212b, 0x1d15e, 0x1d165, 0x1d16d, 0x1d16e, 0x0f73, 0x0f71, 0x0f72,
  0x0b47, 0x0b3e, 0x0b57, 0x09c7, 0x09be, 0x0dd9, 0x0dcf, 0x0dca, 0x1025, 0x102e, 0x11099, 0x110ba, 0x1b05, 0x1b35,
  0x32, 0xb2, 0x2075, 0xff21, 0x1e9b, 0x17f, 0x307, 0x344, 0x340, 0x0e33, 0x0e4d, 0xfdfa, 0x4e00, 0xf900, 0x2f800,
];

function main() {
  let bad = 0;
  for (const [type, hf] of Object.entries(FORMS)) {
    const strings = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      strings.push(c, 'a' + c + '\u0301b');
    }
    for (let k = 0; k < 200000; k++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 8);
      for (let m = 0; m < n; m++) s += String.fromCodePoint(POOL[Math.floor(rnd() * POOL.length)]);
      strings.push(s);
    }
    const got = ours(type, strings);
    let badHere = 0;
    for (let k = 0; k < strings.length; k++) {
      const want = hf.normalizeString(strings[k]);
      if (got[k] !== want) {
        if (badHere < 10) console.log(`${type} [${hex(strings[k])}]: want [${hex(want)}] got [${hex(got[k])}]`);
        badHere++;
      }
    }
    console.log(`${type}: ${strings.length} strings, ${badHere} mismatches`);
    bad += badHere;
  }
  process.exitCode = bad ? 1 : 0;
}

main();
