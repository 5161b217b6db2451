#!/usr/bin/env node
// Generates native/tokenizer/unicode/unicode_props.cc: the per-code-point properties that the regex
// engine (Oniguruma-compatible), the Precompiled normalizer's grapheme segmentation and the
// StripAccents normalizer need, matching Hugging Face `tokenizers` 0.23 (the npm oracle).
//
// Sources, and why:
//  - Regex classes (\p{..} general categories, \s, \w, \d, POSIX alpha/upper/lower/alnum/punct)
//    and StripAccents' combining marks come from sweeping every scalar value through the oracle
//    (HF bundles Oniguruma 6.9.8 = Unicode 14 tables; StripAccents uses an older crate's table).
//  - Grapheme_Cluster_Break / Extended_Pictographic / Indic_Conjunct_Break come from the Unicode
//    17.0 data files of Debian sid's `unicode-data` package (17.0.0-2): the oracle's
//    unicode-segmentation crate joins the Unicode 17 marks U+1ACF..U+1ADD, so its tables are 17.0.
//    Two oracle sweeps through a tiny custom precompiled charsmap that maps "a" -> "X" check them
//    (and would correct them; with 17.0 there are 0 corrections):
//      "a" + c  -> "X"          iff c joins the preceding char (Extend, ZWJ, SpacingMark)
//      c + "a\u0301" keeps the accent iff c joins the following char (Prepend)
//    (These are the only grapheme rules observable through the Precompiled normalizer.)
//  - Simple case folding (for (?i)) from CaseFolding.txt (status C and S).
//
// Fetch the Unicode data once (no root needed):
//   mkdir -p /tmp/ud && cd /tmp/ud && printf 'deb http://deb.debian.org/debian sid main\n' > sources.list
//   A="-o Dir::Etc::SourceList=$PWD/sources.list -o Dir::Etc::SourceParts=/dev/null \
//      -o Dir::State::Lists=$PWD/lists -o Dir::Cache=$PWD/cache"; mkdir -p lists/partial cache
//   apt-get $A update && apt-get $A download unicode-data && dpkg-deb -x unicode-data_17.0.0-2_all.deb .
//
// Usage: node scripts/gen-unicode-props.js [--data /tmp/ud/usr/share/unicode] [--check]
'use strict';

const fs = require('fs');
const path = require('path');
const t = require('tokenizers');

const OUT = path.join(__dirname, '..', 'native', 'tokenizer', 'unicode', 'unicode_props.cc');
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const DATA = arg('--data', '/tmp/ud/usr/share/unicode');
const CHECK = argv.includes('--check');

if (!fs.existsSync(path.join(DATA, 'auxiliary', 'GraphemeBreakProperty.txt'))) {
  const msg = `gen-unicode-props: Unicode 17.0 data not found under ${DATA} (see the header of this script)`;
  if (CHECK) {
    console.log(`${msg}; --check skipped`);
    process.exit(0);
  }
  console.error(msg);
  process.exit(2);
}

const MAX_CP = 0x10ffff;
const isScalar = (c) => c < 0xd800 || c > 0xdfff;

// General categories, in the order of unicode_props.h (GeneralCategory).
const GC = ['Cn', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Me', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf',
  'Po', 'Sm', 'Sc', 'Sk', 'So', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Co', 'Cs'];
// Grapheme_Cluster_Break values, in the order of unicode_props.h.
const GCB = ['Other', 'CR', 'LF', 'Control', 'Extend', 'ZWJ', 'Regional_Indicator', 'Prepend', 'SpacingMark', 'L', 'V',
  'T', 'LV', 'LVT'];
const INCB = ['None', 'Linker', 'Consonant', 'Extend'];

// Bit layout of a property word; keep in sync with unicode_props.h.
const B_SPACE = 1 << 5;
const B_WORD = 1 << 6;
const B_DIGIT = 1 << 7;
const B_COMBINING = 1 << 8; // StripAccents removes it
const GCB_SHIFT = 9; // 4 bits
const B_EXTPICT = 1 << 13;
const INCB_SHIFT = 14; // 2 bits
const B_ALPHA = 1 << 16;
const B_UPPER = 1 << 17;
const B_LOWER = 1 << 18;
const B_ALNUM = 1 << 19;
const B_PUNCT = 1 << 20;

// ---------------------------------------------------------------- oracle sweeps
const cps = [];
for (let c = 0; c <= MAX_CP; c++) if (isScalar(c)) cps.push(c);
let ALL = '';
for (let i = 0; i < cps.length; i += 40000) ALL += String.fromCodePoint(...cps.slice(i, i + 40000));

// The set of code points removed from ALL by `normalize` (each code point appears once).
function removedBy(normalize, text = ALL) {
  const out = normalize(text);
  const removed = new Set();
  let j = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (out.codePointAt(j) === c) {
      j += c > 0xffff ? 2 : 1;
    } else {
      removed.add(c);
    }
  }
  if (j !== out.length) throw new Error('sweep: output is not a subsequence of the input');
  return removed;
}

function regexSweep(pattern) {
  const j = {
    version: '1.0',
    normalizer: { type: 'Replace', pattern: { Regex: pattern }, content: '' },
    model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' },
  };
  const n = t.Tokenizer.fromString(JSON.stringify(j)).getNormalizer();
  return removedBy((s) => n.normalizeString(s));
}

const prop = new Uint32Array(MAX_CP + 1);
const gcOf = new Uint8Array(MAX_CP + 1).fill(255);
for (let g = 1; g < GC.length; g++) {
  if (GC[g] === 'Cs') continue; // not representable in a JS/Rust string
  for (const c of regexSweep(`\\p{${GC[g]}}`)) {
    if (gcOf[c] !== 255) throw new Error(`U+${c.toString(16)} in two categories`);
    gcOf[c] = g;
  }
}
for (let c = 0; c <= MAX_CP; c++) {
  if (!isScalar(c)) gcOf[c] = GC.indexOf('Cs');
  else if (gcOf[c] === 255) gcOf[c] = 0; // Cn
  prop[c] = gcOf[c];
}
const cn = regexSweep('\\p{Cn}');
for (let c = 0; c <= MAX_CP; c++) {
  if (isScalar(c) && (gcOf[c] === 0) !== cn.has(c)) throw new Error(`Cn mismatch at U+${c.toString(16)}`);
}
for (const [pattern, bit] of [['\\s', B_SPACE], ['\\w', B_WORD], ['\\d', B_DIGIT], ['[[:alpha:]]', B_ALPHA],
  ['[[:upper:]]', B_UPPER], ['[[:lower:]]', B_LOWER], ['[[:alnum:]]', B_ALNUM], ['[[:punct:]]', B_PUNCT]]) {
  for (const c of regexSweep(pattern)) prop[c] |= bit;
}
{
  const n = t.stripAccentsNormalizer();
  for (const c of removedBy((s) => n.normalizeString(s))) prop[c] |= B_COMBINING;
}

// ---------------------------------------------------------------- grapheme properties
function parseRanges(file, field, onValue) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const body = line.split('#')[0].trim();
    if (!body) continue;
    const parts = body.split(';').map((s) => s.trim());
    const [lo, hi] = parts[0].split('..').map((h) => parseInt(h, 16));
    onValue(lo, hi === undefined ? lo : hi, parts.slice(1));
  }
}
const gcb = new Uint8Array(MAX_CP + 1);
parseRanges(path.join(DATA, 'auxiliary', 'GraphemeBreakProperty.txt'), 1, (lo, hi, [v]) => {
  const k = GCB.indexOf(v);
  if (k < 0) throw new Error(`unknown GCB ${v}`);
  for (let c = lo; c <= hi; c++) gcb[c] = k;
});
const extPict = new Uint8Array(MAX_CP + 1);
parseRanges(path.join(DATA, 'emoji', 'emoji-data.txt'), 1, (lo, hi, [v]) => {
  if (v === 'Extended_Pictographic') for (let c = lo; c <= hi; c++) extPict[c] = 1;
});
const incb = new Uint8Array(MAX_CP + 1);
parseRanges(path.join(DATA, 'DerivedCoreProperties.txt'), 1, (lo, hi, parts) => {
  if (parts[0] !== 'InCB') return;
  const k = INCB.indexOf(parts[1]);
  if (k < 0) throw new Error(`unknown InCB ${parts[1]}`);
  for (let c = lo; c <= hi; c++) incb[c] = k;
});

// Oracle corrections (see the header).
function charsmapAtoX() {
  const units = new Uint32Array(512);
  units[0] = 1 << 10; // root: children at 1 ^ byte
  const pos = 1 ^ 0x61;
  units[pos] = 0x61 | (1 << 8) | (256 << 10); // label 'a', has a leaf at pos ^ 256
  units[pos ^ 256] = 0x80000000; // value 0: offset of "X" in the blob
  const head = Buffer.alloc(4);
  head.writeUInt32LE(units.length * 4);
  return Buffer.concat([head, Buffer.from(units.buffer), Buffer.from('X\0')]);
}
const pre = t.precompiled(Array.from(charsmapAtoX()));
const joinsBefore = new Uint8Array(MAX_CP + 1);
const joinsAfter = new Uint8Array(MAX_CP + 1);
{
  const CHUNK = 20000;
  for (let i = 0; i < cps.length; i += CHUNK) {
    const part = cps.slice(i, i + CHUNK).filter((c) => c !== 0x61);
    // "a c" pairs separated by "\n" (a Control: always a boundary).
    const s1 = part.map((c) => 'a' + String.fromCodePoint(c)).join('\n');
    const o1 = pre.normalizeString(s1).split('\n');
    const s2 = part.map((c) => String.fromCodePoint(c) + 'a\u0301').join('\n');
    const o2 = pre.normalizeString(s2).split('\n');
    if (o1.length !== part.length || o2.length !== part.length) {
      // A code point that is itself a line break: fall back to one call per code point.
      part.forEach((c) => {
        const ch = String.fromCodePoint(c);
        joinsBefore[c] = pre.normalizeString('a' + ch) === 'X' ? 1 : 0;
        joinsAfter[c] = pre.normalizeString(ch + 'a\u0301').endsWith('\u0301') ? 1 : 0;
      });
      continue;
    }
    part.forEach((c, k) => {
      joinsBefore[c] = o1[k] === 'X' ? 1 : 0;
      joinsAfter[c] = o2[k].endsWith('\u0301') ? 1 : 0;
    });
  }
}
const JOINING = new Set([GCB.indexOf('Extend'), GCB.indexOf('ZWJ'), GCB.indexOf('SpacingMark')]);
const fixes = [];
for (const c of cps) {
  if (c === 0x61) continue;
  const joins = JOINING.has(gcb[c]);
  if (joinsBefore[c] && !joins) {
    fixes.push(`U+${c.toString(16).toUpperCase()} ${GCB[gcb[c]]} -> Extend`);
    gcb[c] = GCB.indexOf('Extend');
  } else if (!joinsBefore[c] && joins) {
    fixes.push(`U+${c.toString(16).toUpperCase()} ${GCB[gcb[c]]} -> Other`);
    gcb[c] = 0;
  }
  const isPrepend = gcb[c] === GCB.indexOf('Prepend');
  if (joinsAfter[c] && !isPrepend && !joinsBefore[c]) {
    fixes.push(`U+${c.toString(16).toUpperCase()} ${GCB[gcb[c]]} -> Prepend`);
    gcb[c] = GCB.indexOf('Prepend');
  } else if (!joinsAfter[c] && isPrepend) {
    fixes.push(`U+${c.toString(16).toUpperCase()} Prepend -> Other`);
    gcb[c] = 0;
  }
}
for (let c = 0; c <= MAX_CP; c++) {
  prop[c] |= (gcb[c] << GCB_SHIFT) | (extPict[c] ? B_EXTPICT : 0) | (incb[c] << INCB_SHIFT);
}

// ---------------------------------------------------------------- case folding
const folds = [];
parseRanges(path.join(DATA, 'CaseFolding.txt'), 1, (lo, _hi, [status, mapping]) => {
  if (status === 'C' || status === 'S') folds.push([lo, parseInt(mapping, 16)]);
});
folds.sort((a, b) => a[0] - b[0]);

// ---------------------------------------------------------------- emit
const SHIFT = 7;
const BLOCK = 1 << SHIFT;
const palette = new Map();
const values = [];
const blocks = new Map();
const blockList = [];
const stage1 = [];
for (let b = 0; b <= MAX_CP >> SHIFT; b++) {
  const idx = [];
  for (let k = 0; k < BLOCK; k++) {
    const v = prop[(b << SHIFT) + k];
    if (!palette.has(v)) {
      palette.set(v, values.length);
      values.push(v);
    }
    idx.push(palette.get(v));
  }
  const key = idx.join(',');
  if (!blocks.has(key)) {
    blocks.set(key, blockList.length);
    blockList.push(idx);
  }
  stage1.push(blocks.get(key));
}
if (values.length > 65535 || blockList.length > 65535) throw new Error('table too large');
const valueType = values.length <= 256 ? 'uint8_t' : 'uint16_t';

const wrap = (arr, per = 16) => {
  const lines = [];
  for (let i = 0; i < arr.length; i += per) lines.push('    ' + arr.slice(i, i + per).join(', ') + ',');
  return lines.join('\n');
};
const out = `// GENERATED by \`node scripts/gen-unicode-props.js\` (add --check to verify it); do not edit.
// Generating and checking it need the Unicode 17.0 data files (see the script's header).
// Per-code-point properties for regex.cc, unicode/grapheme.cc and normalizers/strip_accents.cc
// (${values.length} distinct values, ${blockList.length} blocks of ${BLOCK}).
#include "tokenizer/unicode/unicode_props.h"

namespace crossrank {
namespace tokenizer {
namespace unicode_props {
namespace {

const uint32_t kValues[${values.length}] = {
${wrap(values.map((v) => '0x' + v.toString(16)), 8)}
};

const uint16_t kStage1[${stage1.length}] = {
${wrap(stage1)}
};

const ${valueType} kStage2[${blockList.length * BLOCK}] = {
${wrap(blockList.flat(), 32)}
};

const uint32_t kFolds[${folds.length}][2] = {
${wrap(folds.map(([a, b]) => `{0x${a.toString(16)}, 0x${b.toString(16)}}`), 6)}
};

}  // namespace

uint32_t Get(char32_t cp) {
  if (cp > 0x10FFFF) return 0;
  return kValues[kStage2[(static_cast<uint32_t>(kStage1[cp >> ${SHIFT}]) << ${SHIFT}) | (cp & ${BLOCK - 1})]];
}

char32_t SimpleFold(char32_t cp) {
  size_t lo = 0, hi = ${folds.length};
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kFolds[mid][0] < cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < ${folds.length} && kFolds[lo][0] == cp ? static_cast<char32_t>(kFolds[lo][1]) : cp;
}

}  // namespace unicode_props
}  // namespace tokenizer
}  // namespace crossrank
`;

if (CHECK) {
  const cur = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (cur !== out) {
    console.error(`${OUT} is out of date; run node scripts/gen-unicode-props.js`);
    process.exit(1);
  }
  console.log('unicode_props.cc is current');
} else {
  fs.writeFileSync(OUT, out);
  console.log(`wrote ${OUT}: ${values.length} values, ${blockList.length} blocks, ${folds.length} folds`);
  console.log(`grapheme corrections from the oracle (${fixes.length}):\n  ${fixes.slice(0, 60).join('\n  ')}`);
}
