// A deterministic corpus of (query, document) pairs rich in tokenizer edge cases, shared by the
// parity tests, the fuzz seeds and the benchmarks. Same seed => same corpus, on every machine.
//
//   import { generateCorpus, EDGE_CASE_PAIRS } from './support/corpus';
//   const pairs = generateCorpus();          // >= 1,000 pairs (EDGE_CASE_PAIRS first)
//   const more = generateCorpus({ count: 5000, seed: 42 });

import { mulberry32 } from '../fixtures/prng.mjs';

export interface CorpusPair {
  query: string;
  document: string;
}

export interface CorpusOptions {
  /** Number of pairs, the hand-written EDGE_CASE_PAIRS included (default 1200). */
  count?: number;
  /** PRNG seed (default 0x5eed). */
  seed?: number;
}

/** mulberry32, the project's one seeded PRNG (test/fixtures/prng.mjs). */
export const createRng: (seed: number) => () => number = mulberry32;

const cp = (...codes: number[]): string => String.fromCodePoint(...codes);

/** Fragments grouped by the tokenizer behaviour they exercise. */
export const FRAGMENTS = {
  ascii: [
    'the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'What', 'is', 'THE', 'Capital',
    'of', 'France', 'Paris', 'reranking', 'cross-encoder', "don't", 'e-mail', 'U.S.A.', 'COVID-19',
    'unaffable', 'xyzzyqk', 'tokenization', 'HuggingFace', 'iPhone', 'snake_case', 'camelCase',
    'http://example.com/a?b=c&d=e#f', 'user@example.org', 'C++', 'node.js', '#hashtag', '@mention',
    '3.14159', '1,000,000', '2e10', '42', '0x1F', '12:30pm', '$100', '100%', 'a', 'I', 'x',
  ],
  accents: [
    'café', 'naïve', 'résumé', 'Ångström', 'Crème brûlée', 'São Paulo', 'Zürich', 'façade',
    'e\u0301', 'a\u0308\u0301', 'o\u0323\u0302', 'Vi\u1ec7t Nam', 'Ti\u1ebfng Vi\u1ec7t', 'A\u030A',
    'n\u0303', 'u\u0308\u0304', '\u0301alone', 'x\u0301\u0316\u0300', 'q\u0316\u0301', 'Å', 'Ǆ', 'ǅ',
    'ȩ\u0306', 'ḝ', 'ǖ', 'ǘ', 'Ḉ', 'İstanbul', 'ı', 'ß', 'ẞ', 'ΟΔΟΣ', 'ΣΑΣ', 'Σίσυφος', 'ς', 'Ω',
    'ΐ', 'ﬁnance', 'ﬀ', 'Ⅻ', '①', '㍿', 'ＡＢＣ１２３', 'ｶﾞ', 'Ꭰ', 'ꭰ', '\u1C90', '\uA7CB', cp(0x10d50),
    cp(0x1d165, 0x1d16e), cp(0x1d16d, 0x1d165), 'a' + cp(0x1d165) + '\u0301' + cp(0x1d16d),
    '\u08d4\u08e1', 'b\u0f73', '\u0f75\u0f71', 'c\u1734', 'Ⓐ', 'ℌ', '𝔾', 'K\u212a', '\u0130\u0307',
  ],
  scripts: [
    'Привет мир', 'ЁЖИК', 'שָׁלוֹם', 'بِسْمِ اللَّهِ', 'مرحبا', '٣٤٥', 'नमस्ते', 'क्षत्रिय', 'ภาษาไทย',
    'ສະບາຍດີ', 'བོད་ཡིག', 'ᄀᄁ한국어', '한국어', 'ㄱㄴ', 'ひらがな', 'カタカナ', 'ｶﾀｶﾅ', 'Ελληνικά',
    'Հայերեն', 'ქართული', 'አማርኛ', 'ᚠᛇᚻ', 'ꦗꦮ', '𐌰𐌱', '𓀀𓀁',
  ],
  cjk: [
    '北京大学', '東京', '中文分词', '漢字', '\u3400\u4dbf', cp(0x20000, 0x2a6d6), cp(0x2a700, 0x2b734),
    cp(0x2b740, 0x2b81d), cp(0x2b820, 0x2b8a0, 0x2b91f), cp(0x2b920, 0x2ceaf), '\uf900\ufa6a\ufaff',
    cp(0x2f800, 0x2fa1d), cp(0x30000, 0x3134a), '〇', '々', '中a文b', '日本語テキスト',
  ],
  emoji: [
    '👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵', '1️⃣', '❤️', '🧑🏿‍🚀', '😀😃😄', '🤷‍♀️', '©️', '☃', '⚡', '🀄',
  ],
  control: [
    '\u0000', '\u0085', '\u200b', '\u00ad', '\ufeff', '\ufffd', '\ue001', '\u0007', '\u001f', '\u007f',
    '\u200d', '\u200c', '\u2060', '\u202e', '\u0600', '\u061c', '\u180e', '\uf8ff', cp(0xf0000),
    cp(0x10fffd), cp(0xe0001), cp(0xe0041), '\u0890', '\u08e2', cp(0x13430), '\ud800', '\udc00x',
  ],
  whitespace: [
    ' ', '  ', '\t', '\n', '\r\n', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2001',
    '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028',
    '\u2029', '\u202f', '\u205f', '\u3000', '\u001c', '\u001d', '\u001e',
  ],
  punct: [
    '!', '"', '#', '$', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/', ':', ';', '<', '=', '>',
    '?', '@', '[', '\\', ']', '^', '_', '`', '{', '|', '}', '~', '€', '£', '¥', '¢', '©', '®', '™',
    '±', '×', '÷', '°', '§', '¶', '“', '”', '‘', '’', '«', '»', '—', '–', '…', '¿', '¡', '·', '・',
    '、', '。', '「', '」', '‼', '⁉', '※', '\u061d', '\u2e43', '\u2e4f', '\u166d', cp(0x111c9), '؟',
    '।', '‽', '⸘', '〜', '＆', '！', '？', '§§', '...', '?!', '--', '->', '=>',
  ],
  special: [
    '[SEP]', '[CLS]', '[PAD]', '[MASK]', '[UNK]', '[sep]', '[Sep]', '[cls]', '[mask]', '[unk]', '[pad]',
    '[SEP', 'SEP]', '[[SEP]]', '[SEP][SEP]', 'x[SEP]y', '[CLS][MASK]', '[MASK].', ' [SEP] ', '[ SEP ]',
    '<s>', '</s>', '<pad>', '<mask>',
  ],
  long: [
    'a'.repeat(100), 'b'.repeat(101), 'supercalifragilistic'.repeat(6), 'é'.repeat(100), 'é'.repeat(101),
    'e\u0301'.repeat(60), '北'.repeat(120), 'x'.repeat(99) + '\u0301', 'pneumonoultramicroscopicsilicovolcanoconiosis',
    'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen', '0123456789'.repeat(11),
  ],
};

const ALL_GROUPS = Object.keys(FRAGMENTS) as (keyof typeof FRAGMENTS)[];

/** Hand-written pairs that every parity run covers first. */
export const EDGE_CASE_PAIRS: CorpusPair[] = [
  { query: '', document: '' },
  { query: '', document: 'an empty query' },
  { query: 'an empty document', document: '' },
  { query: 'what is [SEP]?', document: 'inhabitants. [SEP] [sep] héllo [CLS][MASK] [PAD] [UNK]' },
  { query: '[SEP]', document: '[CLS]' },
  { query: ' ', document: '\t\n\u3000' },
  { query: '\u0000\u200b\ufeff', document: '\u00ad\ufffd\ue001' },
  { query: 'Héllo WÖRLD', document: 'İstanbul ΟΔΟΣ ß ﬁ ＡＢＣ' },
  { query: '北京', document: cp(0x2b820) + cp(0x2b91f) + cp(0x2b920) + '\uf900' },
  { query: 'emoji 👨‍👩‍👧‍👦', document: '👍🏽 🏳️‍🌈 🇫🇷' },
  { query: 'price €100 or $5', document: 'j€k a$b c^d e`f g~h i|j k<l m>n o=p' },
  { query: 'a'.repeat(100), document: 'a'.repeat(101) + ' ' + 'é'.repeat(101) },
  { query: 'one two three four five six', document: 'a b c d e f g h i j' },
  { query: 'x\u0301\u0316', document: cp(0x1d16d, 0x1d165) + ' ' + 'a' + cp(0x1d165) + '\u0301' + cp(0x1d16d) },
  { query: 'ΑΣ', document: 'ς Σ σ' },
];

function pick<T>(rng: () => number, arr: readonly T[]): T {
  return arr[Math.floor(rng() * arr.length)];
}

/** A random Unicode scalar value, biased towards interesting planes. */
function randomChar(rng: () => number): string {
  const r = rng();
  let code: number;
  if (r < 0.3) code = 0x20 + Math.floor(rng() * 0x5f); // printable ASCII
  else if (r < 0.55) code = 0xa0 + Math.floor(rng() * (0x3000 - 0xa0)); // Latin..CJK symbols
  else if (r < 0.65) code = 0x300 + Math.floor(rng() * 0x70); // combining diacritics
  else if (r < 0.8) code = Math.floor(rng() * 0x10000); // any BMP
  else if (r < 0.9) code = 0x1f300 + Math.floor(rng() * 0x700); // emoji
  else code = 0x10000 + Math.floor(rng() * 0x100000); // astral (incl. private use)
  if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
  return String.fromCodePoint(code);
}

function randomWord(rng: () => number): string {
  const group = pick(rng, ALL_GROUPS);
  const r = rng();
  if (r < 0.07) {
    let s = '';
    const n = 1 + Math.floor(rng() * 12);
    for (let i = 0; i < n; i++) s += randomChar(rng);
    return s;
  }
  let w = pick(rng, FRAGMENTS[group]);
  if (r < 0.15) w = w.toUpperCase();
  else if (r < 0.2) w = w[0] ? w[0].toUpperCase() + w.slice(1) : w;
  return w;
}

function randomJoiner(rng: () => number): string {
  const r = rng();
  if (r < 0.7) return ' ';
  if (r < 0.8) return '';
  if (r < 0.92) return pick(rng, FRAGMENTS.whitespace);
  return pick(rng, FRAGMENTS.punct);
}

function randomText(rng: () => number, minWords: number, maxWords: number): string {
  const n = minWords + Math.floor(rng() * (maxWords - minWords + 1));
  let s = '';
  for (let i = 0; i < n; i++) {
    if (i) s += randomJoiner(rng);
    // Mostly plain words so that documents look like text; edge cases sprinkled in.
    s += rng() < 0.6 ? pick(rng, FRAGMENTS.ascii) : randomWord(rng);
  }
  return s;
}

/**
 * Generates `count` (query, document) pairs, EDGE_CASE_PAIRS first. Documents range from empty
 * to ~1,500 words, so max_length 512/128/32/9 all truncate some of them.
 */
export function generateCorpus(options: CorpusOptions = {}): CorpusPair[] {
  const count = options.count ?? 1200;
  const rng = createRng(options.seed ?? 0x5eed);
  const pairs: CorpusPair[] = EDGE_CASE_PAIRS.slice(0, count);
  while (pairs.length < count) {
    const r = rng();
    const query = r < 0.05 ? '' : randomText(rng, 1, 14);
    const d = rng();
    let document: string;
    if (d < 0.04) document = '';
    else if (d < 0.55) document = randomText(rng, 1, 60);
    else if (d < 0.9) document = randomText(rng, 60, 400);
    else document = randomText(rng, 400, 1500);
    // Sometimes swap roles so that the first sequence is the long one.
    pairs.push(rng() < 0.1 ? { query: document, document: query } : { query, document });
  }
  return pairs;
}

/** Fragments that matter to byte-level BPE pipelines (GPT-2's pattern, Split regexes, byte fallback). */
export const BPE_FRAGMENTS = {
  contractions: ["it's", "don't", "we're", "they've", "I'm", "you'll", "he'd", "IT'S", "'s", "'t", "''", "'ll'", "rock'n'roll", "o'clock"],
  spaces: ['  ', '   ', '    x', ' \t ', '\n\n', ' \n ', '\u3000\u3000', ' \u00a0 ', '\r\n\r\n', '        '],
  digits: ['0', '12', '123', '1234', '12345678901234567890', '3.14', '1,234', '٣٤٥', '½', 'Ⅻ', '²', '①②', '𝟘𝟙', '১২৩'],
  special: ['<s>', '</s>', '<pad>', '<unk>', '<mask>', ' <mask>', '<mask> ', '<|endoftext|>', '<BOS_TOKEN>', '<EOP_TOKEN>', '<0x41>', '<s><s>', '</s></s>', 'x<s>y'],
  code: ['def f(x):\n    return x', 'if (a && b) { c(); }', 'x=1;y=2', '#!/bin/sh', '<div class="a">', '{"k": [1, 2]}', '    indented', 'snake_case_name', 'CamelCaseName'],
};

/**
 * Like generateCorpus, with BPE_FRAGMENTS mixed in: runs of spaces, contractions, digit runs,
 * code, literal special tokens, plus every FRAGMENTS group (scripts, combining marks, emoji
 * ZWJ sequences, whitespace/control classes, 100+-char words).
 */
export function generateBpeCorpus(options: CorpusOptions = {}): CorpusPair[] {
  const base = generateCorpus(options);
  const rng = createRng((options.seed ?? 0x5eed) ^ 0xb9e);
  const groups = Object.keys(BPE_FRAGMENTS) as (keyof typeof BPE_FRAGMENTS)[];
  const sprinkle = (text: string): string => {
    const words = text.split(' ');
    const n = 1 + Math.floor(rng() * 4);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(rng() * (words.length + 1));
      const frag = pick(rng, BPE_FRAGMENTS[pick(rng, groups)]);
      words.splice(at, 0, rng() < 0.3 ? frag + pick(rng, BPE_FRAGMENTS.spaces) : frag);
    }
    return words.join(rng() < 0.8 ? ' ' : '  ');
  };
  return base.map((p, i) => (i < EDGE_CASE_PAIRS.length ? p : { query: sprinkle(p.query), document: sprinkle(p.document) }));
}

// ----------------------------------------------------------------------------------------------
// Multilingual corpus for the XLM-RoBERTa-family tokenizers (Precompiled + Metaspace + Unigram):
// scripts with combining marks and conjuncts, emoji sequences, every Unicode whitespace and
// control class, literal <s>/</s>/<mask> tokens, runs of spaces and very long words.

/** Fragments for generateMultilingualCorpus, grouped by what they exercise. */
export const MULTILINGUAL_FRAGMENTS = {
  latin: [
    'How are you doing?', 'the quick brown fox', 'Crème brûlée', 'São Paulo', 'naïve façade', 'Zürich',
    'e\u0301cole', 'A\u030Angstro\u0308m', 'Vi\u1ec7t Nam', 'Tie\u0302\u0301ng Vie\u0323\u0302t', 'n\u0303o', 'o\u0323\u0302',
    'q\u0316\u0301', '\u0301', 'x\u0301\u0316\u0300', 'Ａ\u0301', 'Ｅ\u0300', 'ﬁnance', 'ﬀ', 'Ⅻ', '①', '㍿', 'ＡＢＣ１２３',
    'İstanbul', 'ß', 'ẞ', 'Ǆ', 'ǅ', 'K\u212a', '𝔾𝕠𝕠𝕕', 'ℌ', 'Ⓐ', 'a\u0308\u0301', 'ȩ\u0306', 'ḝ', "don't", 'U.S.A.',
    'e-mail', 'http://example.com/a?b=c&d=e#f', 'user@example.org', 'C++', 'COVID-19', '3.14159', '1,000,000',
  ],
  cyrillic: ['Привет, мир!', 'Как дела?', 'ЁЖИК', 'й', 'и\u0306', 'Москва', 'україна', 'Ђорђе', 'сҳ'],
  greek: ['Ελληνικά', 'ΟΔΟΣ', 'Σίσυφος', 'ς', 'ΐ', 'α\u0301', 'ῷ', 'Ω'],
  arabic: ['مرحبا بالعالم', 'بِسْمِ اللَّهِ', 'كيف حالك؟', '٣٤٥', '\u0600١٢', 'ﻻ', 'ﷺ', 'لا', 'فارسی', 'اردو'],
  hebrew: ['שָׁלוֹם', 'עברית', 'ﬠ', 'בְּ', 'יִשְׂרָאֵל'],
  indic: [
    'नमस्ते', 'क्षत्रिय', 'हिन्दी', 'क्\u200dष', 'স্বাগতম', 'ক্ষ', 'தமிழ்', 'ஸ்ரீ', 'తెలుగు', 'ગુજરાતી', 'ਪੰਜਾਬੀ', 'ଓଡ଼ିଆ',
    'മലയാളം', 'ന്\u200d', 'ಕನ್ನಡ', 'සිංහල', 'क़', 'क\u093c', 'ड़', 'ॐ', '।', '०१२',
  ],
  seasian: ['สวัสดีครับ', 'ภาษาไทย', 'ำ', 'ສະບາຍດີ', 'ភាសាខ្មែរ', 'မြန်မာ', 'བོད་ཡིག', 'ꦗꦮ'],
  cjk: [
    '北京大学', '東京', '中文分词', '漢字', '日本語のテキスト', 'ひらがな', 'カタカナ', 'ｶﾞｷﾞ', 'ｶﾀｶﾅ', 'ﾊﾟ', '〇', '々', '、。「」',
    '\u3400\u4dbf', String.fromCodePoint(0x20000, 0x2a6d6), '\uf900\ufa6a', '㈱', '㍻', '＠＃',
  ],
  hangul: ['안녕하세요', '한국어', '\u1100\u1161\u11a8', '\u1100\u1161', 'ㄱㄴㄷ', '\u110b\u1175', '각\u11a8', '뷁'],
  emoji: [
    '👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵', '🇫', '1️⃣', '#️⃣', '❤️', '🧑🏿‍🚀', '🤷‍♀️', '©️', '™', '☃', '⚡', '😀😃😄',
    '👩🏽‍❤️‍💋‍👨🏻', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'a\u200d👍', '\u200d',
  ],
  whitespace: [
    ' ', '  ', '   ', '    ', '\t', '\n', '\r', '\r\n', '\n\n', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680',
    '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
    '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u001c', '\u001d', '\u001e', '\u001f', ' \u3000 ', '\u00a0 ',
  ],
  control: [
    '\u0000', '\u0001', '\u0007', '\u007f', '\u0080', '\u009f', '\u200b', '\u200c', '\u200e', '\u200f', '\u00ad',
    '\ufeff', '\ufffd', '\ue001', '\uf8ff', '\u2060', '\u2061', '\u202e', '\u061c', '\u180e', '\ufffe', '\uffff',
    String.fromCodePoint(0xf0000), String.fromCodePoint(0x10fffd), String.fromCodePoint(0xe0001),
    String.fromCodePoint(0xe0041), '\u0890', '\u08e2', String.fromCodePoint(0x13430), '\u0378', '\ud800', 'x\udc00',
  ],
  special: [
    '<s>', '</s>', '<pad>', '<unk>', '<mask>', ' <mask>', '  <mask>', '\u3000<mask>', '<mask> ', 'x<mask>y',
    '<s></s>', '</s> </s>', '<S>', '<Mask>', '< s>', '<s', 's>', '<<s>>', '<mask><mask>', '▁', '▁▁', '▁<mask>',
  ],
  long: [
    'a'.repeat(100), 'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen'.repeat(2),
    'supercalifragilisticexpialidocious'.repeat(4), 'é'.repeat(120), 'e\u0301'.repeat(70), '北'.repeat(130),
    '0123456789'.repeat(12), 'ab'.repeat(64) + '\u0301', 'नमस्ते'.repeat(25), '👍'.repeat(40), 'x'.repeat(250),
  ],
};

const MULTILINGUAL_GROUPS = Object.keys(MULTILINGUAL_FRAGMENTS) as (keyof typeof MULTILINGUAL_FRAGMENTS)[];

function multilingualWord(rng: () => number, extraWords: readonly string[]): string {
  const r = rng();
  if (r < 0.05) {
    let s = '';
    const n = 1 + Math.floor(rng() * 8);
    for (let i = 0; i < n; i++) s += randomChar(rng);
    return s;
  }
  if (r < 0.4 && extraWords.length) return pick(rng, extraWords);
  const w = pick(rng, MULTILINGUAL_FRAGMENTS[pick(rng, MULTILINGUAL_GROUPS)]);
  return rng() < 0.08 ? w.toUpperCase() : w;
}

function multilingualText(rng: () => number, minWords: number, maxWords: number, extraWords: readonly string[]): string {
  const n = minWords + Math.floor(rng() * (maxWords - minWords + 1));
  let s = rng() < 0.08 ? pick(rng, MULTILINGUAL_FRAGMENTS.whitespace) : '';
  for (let i = 0; i < n; i++) {
    if (i) {
      const j = rng();
      s += j < 0.7 ? ' ' : j < 0.8 ? '' : j < 0.95 ? pick(rng, MULTILINGUAL_FRAGMENTS.whitespace) : pick(rng, ['.', ',', '!', '?', '-', '…', '،', '。']);
    }
    s += multilingualWord(rng, extraWords);
  }
  if (rng() < 0.1) s += pick(rng, MULTILINGUAL_FRAGMENTS.whitespace);
  return s;
}

export interface MultilingualCorpusOptions extends CorpusOptions {
  /** Extra words mixed in (e.g. sample sentences in the vocabulary's languages). */
  extraWords?: readonly string[];
  /** Longest document, in words (default 300). */
  maxDocumentWords?: number;
}

/**
 * Deterministic multilingual (query, document) pairs for the XLM-R-family parity tests. Queries
 * are short; documents range from empty to `maxDocumentWords` words.
 */
export function generateMultilingualCorpus(options: MultilingualCorpusOptions = {}): CorpusPair[] {
  const count = options.count ?? 1000;
  const rng = createRng(options.seed ?? 0x7a1b);
  const extra = options.extraWords ?? [];
  const maxWords = options.maxDocumentWords ?? 300;
  const pairs: CorpusPair[] = [];
  while (pairs.length < count) {
    const query = rng() < 0.04 ? '' : multilingualText(rng, 1, 12, extra);
    const d = rng();
    const document = d < 0.04 ? '' : d < 0.6 ? multilingualText(rng, 1, 40, extra) : multilingualText(rng, 40, maxWords, extra);
    pairs.push(rng() < 0.1 ? { query: document, document: query } : { query, document });
  }
  return pairs;
}
