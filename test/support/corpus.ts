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
