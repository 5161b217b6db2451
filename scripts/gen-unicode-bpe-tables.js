#!/usr/bin/env node
// Generates native/tokenizer/unicode/unicode_bpe_tables.cc from the Hugging Face `tokenizers` oracle:
// the Unicode data the byte-level BPE pipelines need.
//
//   - Character classes of the regex engine HF runs (Oniguruma 6.9.x, Ruby syntax): \p{L},
//     \p{N} and \s, as the GPT-2 pattern of the ByteLevel pre-tokenizer sees them.
//   - Rust's char::is_numeric (Digits pre-tokenizer) and HF's Punctuation pre-tokenizer class.
//   - NFD/NFKD full decompositions, canonical composition pairs and "safe starter" flags for
//     NFC/NFD/NFKC/NFKD, as HF's unicode-normalization-alignments crate knows them (an old
//     Unicode: U+A7F2 and U+1FBF0 do not decompose). Canonical combining classes come from
//     unicode_tables.cc (gen-unicode-tables.js), which derives them from the same oracle.
//
// Every class is probed through the oracle itself, one code point at a time, so the tables
// follow HF's Unicode versions (which differ per component) rather than ICU's or Python's.
//
// Usage: node scripts/gen-unicode-bpe-tables.js [--check]
'use strict';

const fs = require('fs');
const path = require('path');
const t = require('tokenizers');

const OUT = path.join(__dirname, '..', 'native', 'tokenizer', 'unicode', 'unicode_bpe_tables.cc');
const { MAX_CP, SHIFT, BLOCK, twoLevel } = require('./lib/two-level-table');

// Keep in sync with unicode_bpe_tables.h.
const C_LETTER = 1; // onig \p{L}
const C_NUMBER = 2; // onig \p{N}
const C_SPACE = 4; // onig \s
const C_NUMERIC = 8; // Rust char::is_numeric (Digits pre-tokenizer)
const C_PUNCT = 16; // Punctuation pre-tokenizer (ASCII punctuation + unicode_categories P*)
const C_NFC_SAFE = 32; // starter, NFD(c) == c, never the second char of a composition pair
const C_NFKC_SAFE = 64; // same with NFKD

const isHangulSyllable = (cp) => cp >= 0xac00 && cp <= 0xd7a3;

const gpt2 = t.byteLevelPreTokenizer(false, true);
const digits = t.digitsPreTokenizer(true);
const punct = t.punctuationPreTokenizer();
const nfd = t.nfdNormalizer();
const nfkd = t.nfkdNormalizer();
const nfc = t.nfcNormalizer();

const classes = new Uint8Array(MAX_CP + 1);
const canon = new Map(); // cp -> array of cps (full canonical decomposition), where it changes
const compat = new Map(); // cp -> array of cps (full compatibility decomposition), where it changes
const cps = (s) => [...s].map((c) => c.codePointAt(0));
const counts = { letter: 0, number: 0, space: 0, numeric: 0, punct: 0 };

for (let cp = 0; cp <= MAX_CP; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  let f = 0;
  // GPT-2 pattern classes: "a"+c is one piece iff c is \p{L} (\p{L}+); "1"+c iff \p{N};
  // "!"+c iff [^\s\p{L}\p{N}]; otherwise c is \s.
  if (gpt2.preTokenizeString('a' + c).length === 1) f |= C_LETTER;
  else if (gpt2.preTokenizeString('1' + c).length === 1) f |= C_NUMBER;
  else if (gpt2.preTokenizeString('!' + c).length !== 1) f |= C_SPACE;
  if (digits.preTokenizeString('a' + c + 'b').length === 3) f |= C_NUMERIC;
  if (punct.preTokenizeString('a' + c + 'b').length === 3) f |= C_PUNCT;
  classes[cp] = f;
  if (f & C_LETTER) counts.letter++;
  if (f & C_NUMBER) counts.number++;
  if (f & C_SPACE) counts.space++;
  if (f & C_NUMERIC) counts.numeric++;
  if (f & C_PUNCT) counts.punct++;
  if (isHangulSyllable(cp)) continue; // algorithmic on both sides
  const d = nfd.normalizeString(c);
  if (d !== c) canon.set(cp, cps(d));
  const k = nfkd.normalizeString(c);
  if (k !== c) compat.set(cp, cps(k));
}

// ---- Canonical composition pairs --------------------------------------------------------
// A primary composite c (NFD(c) != c, NFC(c) == c) has an immediate decomposition <a, b>:
// b is the last char of NFD(c) and a = NFC of the rest. Verified by composing a+b back.
const pairs = new Map(); // key a*0x110000+b -> c
const seconds = new Set();
for (const [cp, d] of canon) {
  const c = String.fromCodePoint(cp);
  if (nfc.normalizeString(c) !== c) continue; // singleton or excluded: never a composition result
  if (d.length < 2) throw new Error(`U+${cp.toString(16)} composes but decomposes to one char`);
  const a = cps(nfc.normalizeString(String.fromCodePoint(...d.slice(0, -1))));
  const b = d[d.length - 1];
  if (a.length !== 1) throw new Error(`U+${cp.toString(16)}: immediate decomposition not found`);
  if (nfc.normalizeString(String.fromCodePoint(a[0], b)) !== c) {
    throw new Error(`U+${cp.toString(16)}: NFC(${a[0].toString(16)} ${b.toString(16)}) does not give it back`);
  }
  pairs.set(a[0] * 0x110000 + b, cp);
  seconds.add(b);
}
// Hangul jamo V and T are seconds of the algorithmic compositions.
for (let cp = 0x1161; cp <= 0x1175; cp++) seconds.add(cp);
for (let cp = 0x11a8; cp <= 0x11c2; cp++) seconds.add(cp);
for (const b of seconds) if (b < 0x80) throw new Error('an ASCII char is the second of a composition pair');

// Canonical combining classes: parse them from the committed unicode_tables.cc.
const tablesSrc = fs.readFileSync(path.join(__dirname, '..', 'native', 'tokenizer', 'unicode', 'unicode_tables.cc'), 'utf8');
const ccc = new Map();
for (const m of tablesSrc.matchAll(/\{0x([0-9a-f]+), (\d+)\},/g)) ccc.set(parseInt(m[1], 16), Number(m[2]));
if (ccc.size < 800) throw new Error('could not read the ccc table from unicode_tables.cc');

for (let cp = 0; cp <= MAX_CP; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  if (ccc.has(cp) || seconds.has(cp) || isHangulSyllable(cp)) continue;
  if (!canon.has(cp)) classes[cp] |= C_NFC_SAFE;
  if (!compat.has(cp)) classes[cp] |= C_NFKC_SAFE;
}

// ---- Emit -------------------------------------------------------------------------------

// cp -> code point sequence, as a two-level index into (offset << 5 | length) entries of a pool.
function emitDecomp(map, name) {
  const entries = [...map.entries()].sort((a, b) => a[0] - b[0]);
  if (entries.length > 65535) throw new Error('too many entries');
  const poolIndex = new Map();
  const pool = [];
  const packed = [0];
  const index = new Map();
  for (const [cp, seq] of entries) {
    if (seq.length >= 32) throw new Error(`decomposition of U+${cp.toString(16)} too long`);
    const key = seq.join(',');
    let off = poolIndex.get(key);
    if (off === undefined) {
      off = pool.length;
      poolIndex.set(key, off);
      pool.push(...seq);
    }
    index.set(cp, packed.length);
    packed.push(off * 32 + seq.length);
  }
  const tl = twoLevel((cp) => index.get(cp) || 0, name, 'uint16_t');
  const lines = [tl.text];
  lines.push(`const uint32_t ${name}Entries[${packed.length}] = {`);
  for (let i = 0; i < packed.length; i += 12) lines.push('  ' + packed.slice(i, i + 12).map((x) => `${x}u`).join(',') + ',');
  lines.push('};');
  lines.push(`const char32_t ${name}Pool[${pool.length}] = {`);
  for (let i = 0; i < pool.length; i += 12) lines.push('  ' + pool.slice(i, i + 12).map((x) => `0x${x.toString(16)}`).join(',') + ',');
  lines.push('};');
  return { text: lines.join('\n'), entries: entries.length };
}

const cl = twoLevel((cp) => classes[cp], 'kClasses', 'uint8_t');
const dc = emitDecomp(canon, 'kCanon');
const dk = emitDecomp(compat, 'kCompat');
const pairList = [...pairs.entries()].sort((a, b) => a[0] - b[0]);

const src = `// GENERATED by \`node scripts/gen-unicode-bpe-tables.js\` (add --check to verify it); do not edit.
// Probed from the Hugging Face \`tokenizers\` oracle (npm tokenizers@${require('tokenizers/package.json').version}).
//
// Stats: letter=${counts.letter} number=${counts.number} space=${counts.space} numeric=${counts.numeric} punct=${counts.punct}
//        canonical=${dc.entries} compat=${dk.entries} pairs=${pairList.length}
#include "tokenizer/unicode/unicode_bpe_tables.h"

namespace crossrank {
namespace tokenizer {
namespace unicode_bpe {
namespace {

${cl.text}

${dc.text}

${dk.text}

struct Pair {
  uint64_t key;  // first * 0x110000 + second
  char32_t composite;
};
const Pair kPairs[${pairList.length}] = {
${pairList.map(([k, v]) => `  {${k}ull, 0x${v.toString(16)}},`).join('\n')}
};

inline const char32_t* Lookup(const uint16_t* stage1, const uint16_t* stage2, const uint32_t* entries,
                              const char32_t* pool, char32_t cp, size_t* len) {
  const uint16_t idx = stage2[(static_cast<uint32_t>(stage1[cp >> ${SHIFT}]) << ${SHIFT}) | (cp & ${BLOCK - 1})];
  if (idx == 0) return nullptr;
  const uint32_t e = entries[idx];
  *len = e & 31;
  return pool + (e >> 5);
}

}  // namespace

uint8_t Classes(char32_t cp) {
  if (cp > 0x10FFFF) return 0;
  return kClassesStage2[(static_cast<uint32_t>(kClassesStage1[cp >> ${SHIFT}]) << ${SHIFT}) | (cp & ${BLOCK - 1})];
}

const char32_t* Decomposition(bool compat, char32_t cp, size_t* len) {
  if (cp > 0x10FFFF) return nullptr;
  return compat ? Lookup(kCompatStage1, kCompatStage2, kCompatEntries, kCompatPool, cp, len)
                : Lookup(kCanonStage1, kCanonStage2, kCanonEntries, kCanonPool, cp, len);
}

char32_t Compose(char32_t a, char32_t b) {
  const uint64_t key = static_cast<uint64_t>(a) * 0x110000u + b;
  size_t lo = 0, hi = ${pairList.length};
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kPairs[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return (lo < ${pairList.length} && kPairs[lo].key == key) ? kPairs[lo].composite : 0;
}

}  // namespace unicode_bpe
}  // namespace tokenizer
}  // namespace crossrank
`;

if (process.argv.includes('--check')) {
  const cur = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (cur !== src) {
    console.error(`${OUT} is out of date; run node scripts/gen-unicode-bpe-tables.js`);
    process.exit(1);
  }
  console.log('unicode BPE tables up to date');
} else {
  fs.writeFileSync(OUT, src);
  console.log(`wrote ${OUT} (${src.length} bytes)`);
  console.log(counts, { canonical: dc.entries, compat: dk.entries, pairs: pairList.length, classBlocks: cl.blocks });
}
