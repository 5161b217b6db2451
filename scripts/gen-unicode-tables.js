#!/usr/bin/env node
// Generates native/tokenizer/unicode/unicode_tables.cc from the Hugging Face `tokenizers` oracle.
//
// Why not ICU/utf8proc: HF mixes Unicode versions (old `unicode_categories` tables for
// Cc/Cf/Co/P*/Mn, Rust std for whitespace and lowercase, an old NFD crate), so the only
// faithful source of its character classes is HF itself. This script sweeps every Unicode
// scalar value through the oracle's BertNormalizer / BertPreTokenizer and emits compact
// two-level lookup tables.
//
// Usage: node scripts/gen-unicode-tables.js [--check]
//   --check  regenerate in memory and exit 1 if the committed file differs.
'use strict';

const fs = require('fs');
const path = require('path');
const t = require('tokenizers');

const OUT = path.join(__dirname, '..', 'native', 'tokenizer', 'unicode', 'unicode_tables.cc');
const { MAX_CP, SHIFT, BLOCK, twoLevel } = require('./lib/two-level-table');

// Flag bits; keep in sync with unicode_tables.h.
const F_REMOVED = 1; // BertNormalizer clean_text drops it (Cc/Cf/Co old tables, U+0000, U+FFFD)
const F_CLEAN_SPACE = 2; // clean_text maps it to ' ' (and it is not removed)
const F_WHITESPACE = 4; // Rust char::is_whitespace (White_Space): BertPreTokenizer splits on it
const F_PUNCT = 8; // BertPreTokenizer isolates it (ASCII punct + old Unicode P*)
const F_WORD = 16; // regex \w (Alphabetic, M, Nd, Pc, Join_Control): single_word added tokens
const F_NONSTARTER = 32; // canonical combining class != 0 in HF's NFD (see ccc table)
const F_DECOMP_STARTER = 64; // the NFD of this char contains a starter (ccc 0): it ends a run of marks

const isCjk = (cp) =>
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) ||
  (cp >= 0x2b740 && cp <= 0x2b81f) ||
  (cp >= 0x2b920 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0x2f800 && cp <= 0x2fa1f);

const clean = t.bertNormalizer({ cleanText: true, handleChineseChars: false, lowercase: false, stripAccents: false });
const cjk = t.bertNormalizer({ cleanText: false, handleChineseChars: true, lowercase: false, stripAccents: false });
const uncased = t.bertNormalizer({ cleanText: false, handleChineseChars: false, lowercase: true, stripAccents: true });
const stripOnly = t.bertNormalizer({ cleanText: false, handleChineseChars: false, lowercase: false, stripAccents: true });
const lowerOnly = t.bertNormalizer({ cleanText: false, handleChineseChars: false, lowercase: true, stripAccents: false });
const nfd = t.nfdNormalizer();
const pre = t.bertPreTokenizer();
// HF's Whitespace pre-tokenizer is the regex \w+|[^\w\s]+ (Rust `regex` crate), the same \w
// that single_word added tokens use: 'a'+c+'b' stays one piece exactly when c is \w. (A sweep
// of "qq"+c through a single_word added token gives the same 144,667 code points, but takes 30 s.)
// JS's /\p{Alphabetic}.../u differs on ~4,700 code points, so the oracle is the source.
const ws = t.whitespacePreTokenizer();
const wordRe = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
let wordVsJs = 0;

const flags = new Uint8Array(MAX_CP + 1);
const maps = { uncased: new Map(), strip: new Map(), lower: new Map() };
const counts = { removed: 0, space: 0, ws: 0, punct: 0, word: 0 };
const decomp = new Map(); // cp -> NFD string (only where it changes)

for (let cp = 0; cp <= MAX_CP; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  let f = 0;
  const r = clean.normalizeString('a' + c + 'b');
  if (r === 'ab') f |= F_REMOVED;
  else if (r === 'a b') f |= F_CLEAN_SPACE;
  else if (r !== 'a' + c + 'b') throw new Error(`unexpected clean_text result for U+${cp.toString(16)}: ${JSON.stringify(r)}`);
  const p = pre.preTokenizeString('a' + c + 'b');
  if (p.length === 2) f |= F_WHITESPACE;
  else if (p.length === 3) f |= F_PUNCT;
  else if (p.length !== 1) throw new Error(`unexpected pre-tokenization for U+${cp.toString(16)}`);
  const w = ws.preTokenizeString('a' + c + 'b');
  if (w.length === 1) f |= F_WORD;
  else if (w.length === 2 && !(f & F_WHITESPACE)) throw new Error(`\\s mismatch at U+${cp.toString(16)}`);
  if ((w.length === 1) !== wordRe.test(c)) wordVsJs++;
  // The CJK ranges are fixed code in C++; verify them against the oracle here.
  const rc = cjk.normalizeString(c);
  if ((rc === ' ' + c + ' ') !== isCjk(cp)) throw new Error(`CJK range mismatch at U+${cp.toString(16)}`);
  flags[cp] = f;
  if (f & F_REMOVED) counts.removed++;
  if (f & F_CLEAN_SPACE) counts.space++;
  if (f & F_WHITESPACE) counts.ws++;
  if (f & F_PUNCT) counts.punct++;
  if (f & F_WORD) counts.word++;

  const u = uncased.normalizeString(c);
  if (u !== c) maps.uncased.set(cp, u);
  const s = stripOnly.normalizeString(c);
  if (s !== c) maps.strip.set(cp, s);
  const l = lowerOnly.normalizeString(c);
  if (l !== c) maps.lower.set(cp, l);
  const d = nfd.normalizeString(c);
  if (d !== c) decomp.set(cp, d);
}

// ---- Canonical combining classes, as HF's NFD crate sees them ------------------------------
// NFD sorts runs of non-starters by ccc. A per-char map can't see that, so the C++ side
// re-sorts runs of *kept* non-starters (marks that survive the Mn removal). We need the ccc of
// every character that can appear in NFD output with ccc != 0. ccc values are stable across
// Unicode versions; we take them from the oracle by ordering probes against reference marks.
// A mark m has ccc != 0 iff NFD("a" + X + m) moves m before X for a reference X with a higher
// ccc, or moves X before m for a lower one. We find the exact value by binary search over
// reference marks with known classes: for each class k we need one mark of that class.
// Simpler and exact: compare against every other non-starter is too slow; instead, we derive
// ccc via pairwise comparison with a ladder of reference marks whose ccc values are known
// (verified by sorting them against each other through the oracle).
const REF = [
  [1, 0x0334], [7, 0x093c], [8, 0x3099], [9, 0x094d], [10, 0x05b0], [11, 0x05b1], [12, 0x05b2],
  [13, 0x05b3], [14, 0x05b4], [15, 0x05b5], [16, 0x05b6], [17, 0x05b7], [18, 0x05b8], [19, 0x05b9],
  [20, 0x05bb], [21, 0x05bc], [22, 0x05bd], [23, 0x05bf], [24, 0x05c1], [25, 0x05c2], [26, 0xfb1e],
  [27, 0x064b], [28, 0x064c], [29, 0x064d], [30, 0x0618], [31, 0x0619], [32, 0x061a], [33, 0x0651],
  [34, 0x0652], [35, 0x0670], [36, 0x0711], [84, 0x0c55], [91, 0x0c56], [103, 0x0e38], [107, 0x0e48],
  [118, 0x0eb8], [122, 0x0ec8], [129, 0x0f71], [130, 0x0f72], [132, 0x0f74], [202, 0x0327],
  [214, 0x1dce], [216, 0x031b], [218, 0x302a], [220, 0x0316], [222, 0x059a], [224, 0x302e],
  [226, 0x1d16d], [228, 0x05ae], [230, 0x0300], [232, 0x0315], [233, 0x035c], [234, 0x035d],
  [240, 0x0345],
];
// Does the oracle's NFD put b before a in "x" + a + b? (i.e. ccc(b) < ccc(a), both non-zero)
const swaps = (a, b) => {
  if (a === b) return false;
  const s = 'x' + String.fromCodePoint(a) + String.fromCodePoint(b);
  return nfd.normalizeString(s) === 'x' + String.fromCodePoint(b) + String.fromCodePoint(a);
};
for (let i = 0; i + 1 < REF.length; i++) {
  if (!swaps(REF[i + 1][1], REF[i][1])) {
    throw new Error(`reference marks out of order: U+${REF[i][1].toString(16)} / U+${REF[i + 1][1].toString(16)}`);
  }
}
// Every code point that can appear in NFD output.
const nfdChars = new Set();
for (let cp = 0; cp <= MAX_CP; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const d = decomp.get(cp);
  if (d === undefined) nfdChars.add(cp);
  else for (const ch of d) nfdChars.add(ch.codePointAt(0));
}
const ccc = new Map();
const refCps = new Set(REF.map((r) => r[1]));
for (const cp of nfdChars) {
  if (cp < 0x300) continue; // no non-starters below U+0300
  // Non-starter test: against the highest reference (240) it must sort before, or be 240.
  const top = REF[REF.length - 1][1];
  const bottom = REF[0][1];
  let value = 0;
  if (cp === top) value = 240;
  else if (swaps(top, cp)) {
    // ccc(cp) < 240 and != 0: find the exact class between the references.
    // ccc(cp) >= ref k  <=>  !swaps(ref_k, cp)
    let lo = 0;
    let hi = REF.length - 1; // invariant: ccc(cp) < REF[hi]
    if (swaps(bottom, cp)) throw new Error(`ccc below 1 for U+${cp.toString(16)}?`);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (swaps(REF[mid][1], cp)) hi = mid;
      else lo = mid;
    }
    // ccc in [REF[lo], REF[hi]); exact if it equals REF[lo] (not swapped either way with it).
    const sameAsLo = !swaps(REF[lo][1], cp) && !swaps(cp, REF[lo][1]);
    if (!sameAsLo) throw new Error(`no reference mark for the ccc of U+${cp.toString(16)} (between ${REF[lo][0]} and ${REF[hi][0]})`);
    value = REF[lo][0];
  } else if (!swaps(cp, top)) {
    // Not reordered either way against 240: either ccc 0 or 240. Check against 230.
    if (!refCps.has(cp) && swaps(cp, 0x0300)) value = 240; // 0300 moves before cp => ccc(cp) > 230
  } else {
    throw new Error(`ccc above 240 for U+${cp.toString(16)}`);
  }
  if (value) {
    ccc.set(cp, value);
    flags[cp] |= F_NONSTARTER;
  }
}

// Which chars' NFD contains a starter. The C++ side assumes starters come first in a
// decomposition (true for every character; checked here).
let oddDecomps = 0;
for (let cp = 0; cp <= MAX_CP; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const d = decomp.get(cp) ?? String.fromCodePoint(cp);
  let seenMark = false;
  let hasStarter = false;
  for (const ch of d) {
    const k = ccc.get(ch.codePointAt(0)) || 0;
    if (k === 0) {
      hasStarter = true;
      if (seenMark) oddDecomps++;
    } else {
      seenMark = true;
    }
  }
  if (hasStarter) flags[cp] |= F_DECOMP_STARTER;
}
if (oddDecomps) throw new Error(`${oddDecomps} decompositions have a starter after a mark`);

// ---- Emit -------------------------------------------------------------------------------
function utf8Escape(s) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x3f) out += String.fromCharCode(b);
    else out += '\\' + b.toString(8).padStart(3, '0');
  }
  return out;
}


function emitMap(map, name) {
  const entries = [...map.entries()].sort((a, b) => a[0] - b[0]);
  if (entries.length > 65535) throw new Error('too many map entries for uint16 indices');
  // Pool of unique replacement strings.
  const poolIndex = new Map();
  let pool = '';
  const offsets = [0]; // entry 0 = identity
  const index = new Map();
  const lens = [0];
  for (const [cp, s] of entries) {
    let off = poolIndex.get(s);
    if (off === undefined) {
      off = Buffer.byteLength(pool, 'utf8');
      poolIndex.set(s, off);
      pool += s;
    }
    index.set(cp, offsets.length);
    offsets.push(off);
    lens.push(Buffer.byteLength(s, 'utf8'));
  }
  const tl = twoLevel((cp) => index.get(cp) || 0, name, 'uint16_t');
  const lines = [tl.text];
  lines.push(`const uint32_t ${name}Entries[${offsets.length}] = {`);
  for (let i = 0; i < offsets.length; i += 12) {
    lines.push('  ' + offsets.slice(i, i + 12).map((o, j) => `${(o << 5) | lens[i + j]}u`).join(',') + ',');
  }
  lines.push('};');
  // Pool as a string literal split into lines.
  lines.push(`const char ${name}Pool[] =`);
  const chars = [...pool];
  for (let i = 0; i < chars.length; i += 40) lines.push('  "' + utf8Escape(chars.slice(i, i + 40).join('')) + '"');
  lines.push(';');
  for (const l of lens) if (l >= 32) throw new Error('replacement longer than 31 bytes');
  return { text: lines.join('\n'), entries: entries.length, blocks: tl.blocks };
}

const fl = twoLevel((cp) => flags[cp], 'kFlags', 'uint8_t');
const mu = emitMap(maps.uncased, 'kUncased');
const ms = emitMap(maps.strip, 'kStrip');
const ml = emitMap(maps.lower, 'kLower');
const cccEntries = [...ccc.entries()].sort((a, b) => a[0] - b[0]);

const src = `// GENERATED by \`node scripts/gen-unicode-tables.js\` (add --check to verify it); do not edit.
// Swept from the Hugging Face \`tokenizers\` oracle (npm tokenizers@${require('tokenizers/package.json').version}).
//
// Stats: removed=${counts.removed} clean_space=${counts.space} whitespace=${counts.ws} punct=${counts.punct} word=${counts.word}
//        uncased_map=${mu.entries} strip_map=${ms.entries} lower_map=${ml.entries} nonstarters=${cccEntries.length}
#include "tokenizer/unicode/unicode_tables.h"

namespace crossrank {
namespace tokenizer {
namespace unicode_tables {
namespace {

${fl.text}

${mu.text}

${ms.text}

${ml.text}

struct CccEntry {
  uint32_t cp;
  uint8_t ccc;
};
const CccEntry kCcc[${cccEntries.length}] = {
${cccEntries.map(([cp, v]) => `  {0x${cp.toString(16)}, ${v}},`).join('\n')}
};

inline std::string_view MapLookup(const uint16_t* stage1, const uint16_t* stage2, const uint32_t* entries,
                                  const char* pool, char32_t cp) {
  if (cp > 0x10FFFF) return std::string_view();
  const uint16_t idx = stage2[(static_cast<uint32_t>(stage1[cp >> ${SHIFT}]) << ${SHIFT}) | (cp & ${BLOCK - 1})];
  if (idx == 0) return std::string_view();
  const uint32_t e = entries[idx];
  return std::string_view(pool + (e >> 5), e & 31);
}

}  // namespace

uint8_t Flags(char32_t cp) {
  if (cp > 0x10FFFF) return 0;
  return kFlagsStage2[(static_cast<uint32_t>(kFlagsStage1[cp >> ${SHIFT}]) << ${SHIFT}) | (cp & ${BLOCK - 1})];
}

std::string_view Map(CaseMap which, char32_t cp) {
  switch (which) {
    case CaseMap::kUncased:
      return MapLookup(kUncasedStage1, kUncasedStage2, kUncasedEntries, kUncasedPool, cp);
    case CaseMap::kStripAccents:
      return MapLookup(kStripStage1, kStripStage2, kStripEntries, kStripPool, cp);
    case CaseMap::kLowercase:
      return MapLookup(kLowerStage1, kLowerStage2, kLowerEntries, kLowerPool, cp);
  }
  return std::string_view();
}

uint8_t CombiningClass(char32_t cp) {
  size_t lo = 0, hi = ${cccEntries.length};
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (kCcc[mid].cp < cp) lo = mid + 1;
    else hi = mid;
  }
  return (lo < ${cccEntries.length} && kCcc[lo].cp == cp) ? kCcc[lo].ccc : 0;
}

}  // namespace unicode_tables
}  // namespace tokenizer
}  // namespace crossrank
`;

if (process.argv.includes('--check')) {
  const cur = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (cur !== src) {
    console.error(`${OUT} is out of date; run node scripts/gen-unicode-tables.js`);
    process.exit(1);
  }
  console.log('unicode tables up to date');
} else {
  fs.writeFileSync(OUT, src);
  console.log(`wrote ${OUT} (${src.length} bytes)`);
  console.log(`\\w differs from JS /\\p{...}/u on ${wordVsJs} code points (oracle wins)`);
  console.log(counts, { uncased: mu.entries, strip: ms.entries, lower: ml.entries, nonstarters: cccEntries.length });
  console.log({ flagBlocks: fl.blocks, uncasedBlocks: mu.blocks, stripBlocks: ms.blocks, lowerBlocks: ml.blocks });
}
