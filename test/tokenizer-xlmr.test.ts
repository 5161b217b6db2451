// Parity of crossrank's native tokenizer with Hugging Face `tokenizers` (the npm oracle) on
// XLM-RoBERTa-family tokenizer.json files: Precompiled (nmt_nfkc) + Strip + Replace normalizers,
// Metaspace, Unigram (+ byte fallback), the XLM-R template; plus the regex engine and the other
// normalizers through a transparent byte-level Unigram model, and malformed files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Tokenizer } from '../lib/index';
import { type CorpusPair, generateMultilingualCorpus, MULTILINGUAL_FRAGMENTS } from './support/corpus';
import { checkParity as checkOracleParity, type ParityConfig, wellFormed, wellFormedPairs } from './support/parity';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as gen from './fixtures/generate.mjs';

const { writeXlmrTokenizer, haveNmtNfkc, NMT_NFKC_PATH, NMT_NFKC_MISSING_MESSAGE, XLMR_SAMPLE_TEXTS } = gen as any;

const HAVE_CHARSMAP: boolean = haveNmtNfkc();
if (!HAVE_CHARSMAP) console.warn(NMT_NFKC_MISSING_MESSAGE);

const CONFIGS: ParityConfig[] = [
  { name: 'pair', pair: true },
  { name: 'single', pair: false },
  { name: 'pair longest_first@128', pair: true, maxLength: 128, truncation: 'longest_first' },
  { name: 'pair longest_first@11', pair: true, maxLength: 11, truncation: 'longest_first', subset: 400 },
  { name: 'pair only_first@16', pair: true, maxLength: 16, truncation: 'only_first', subset: 400 },
  { name: 'pair only_second@24', pair: true, maxLength: 24, truncation: 'only_second', subset: 400 },
  { name: 'single longest_first@7', pair: false, maxLength: 7, truncation: 'longest_first', subset: 400 },
  { name: 'pair without special tokens', pair: true, addSpecialTokens: false, subset: 400 },
  { name: 'pair degenerate longest_first@3 (HF usize wrap)', pair: true, maxLength: 3, truncation: 'longest_first', subset: 200 },
  { name: 'pair offsets', pair: true, offsets: true, subset: 400 },
  { name: 'pair left longest_first@11 offsets', pair: true, maxLength: 11, truncation: 'longest_first', direction: 'left', offsets: true, subset: 400 },
  { name: 'pair left only_first@16', pair: true, maxLength: 16, truncation: 'only_first', direction: 'left', subset: 300 },
  { name: 'pair left only_second@24 offsets', pair: true, maxLength: 24, truncation: 'only_second', direction: 'left', offsets: true, subset: 300 },
  { name: 'single left longest_first@7', pair: false, maxLength: 7, truncation: 'longest_first', direction: 'left', subset: 300 },
];

/**
 * Compares every config on `pairs` (default CONFIGS); returns the number of encodings compared.
 * Without maxLength both sides keep the file's own truncation section, as HF does by default.
 */
async function checkParity(file: string, pairs: CorpusPair[], configs: ParityConfig[] = CONFIGS): Promise<number> {
  return (await checkOracleParity(file, pairs, configs, { previewChars: 200 })).total;
}

const EXTRA_WORDS: string[] = (XLMR_SAMPLE_TEXTS as string[]).flatMap((s) => s.split(' '));
const multilingual = (count: number, seed: number, maxDocumentWords = 200): CorpusPair[] =>
  wellFormedPairs(generateMultilingualCorpus({ count, seed, extraWords: EXTRA_WORDS, maxDocumentWords }));

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-xlmr-parity-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!HAVE_CHARSMAP)('XLM-R-family tokenizer.json files: parity with HF tokenizers', () => {
  const files: Record<string, string> = {};
  beforeAll(() => {
    for (const variant of ['m3', 'legacy', 'byte-fallback']) {
      files[variant] = writeXlmrTokenizer(path.join(tmp, `${variant}.json`), { vocabSize: 'small', seed: 0, variant }).path;
    }
  });

  for (const [variant, seed] of [['m3', 11], ['legacy', 12], ['byte-fallback', 13]] as const) {
    it(`${variant}: multilingual pairs at every truncation strategy`, async () => {
      const total = await checkParity(files[variant], multilingual(500, seed));
      expect(total).toBeGreaterThan(3500);
    }, 60_000);
  }

  it('every fragment alone, and after <s>/</s>/<mask>, as a single sequence', async () => {
    const pairs: CorpusPair[] = [];
    for (const group of Object.values(MULTILINGUAL_FRAGMENTS)) {
      for (const f of group) {
        for (const q of [f, ` ${f}`, `${f} `, `<s>${f}`, `x</s>${f}`, `${f} <mask> ${f}`, `${f}  ${f}`]) {
          pairs.push({ query: wellFormed(q), document: wellFormed(`${f}${f}`) });
        }
      }
    }
    for (const variant of ['m3', 'legacy', 'byte-fallback']) {
      await checkParity(files[variant], pairs, [CONFIGS[0]]);
    }
  }, 60_000);

  it('keeps the XLM-R layout: <s> A </s> </s> B </s>, all type ids 0', () => {
    const tok = Tokenizer.fromFile(files.m3);
    const single = tok.encode('How are you doing?');
    expect(single.ids[0]).toBe(0);
    expect(single.ids[single.ids.length - 1]).toBe(2);
    const pair = tok.encode('How are you doing?', 'Fine.');
    const ids = Array.from(pair.ids);
    expect(ids.filter((x) => x === 2).length).toBe(3);
    const sep = ids.indexOf(2);
    expect(ids[sep + 1]).toBe(2);
    expect(ids[ids.length - 1]).toBe(2);
    expect(Array.from(pair.typeIds).every((x) => x === 0)).toBe(true);
    // transformers.js (Xenova/bge-reranker-base): "1\u00002\uFFFD3" -> NUL survives the charsmap
    // and becomes <unk> (3); U+FFFD becomes a space.
    const e = Array.from(tok.encode('1\u00002\uFFFD3').ids);
    expect(e).toContain(3);
    expect(e).toEqual(Array.from(tok.encode('1\u00002 3').ids));
    // A literal <mask> takes the whitespace before it (lstrip); text after </s> gets its own "▁".
    expect(Array.from(tok.encode('a <mask>').ids)).toEqual(Array.from(tok.encode('a<mask>').ids));
  });

  it('loads a 250k-piece vocabulary and matches HF on it', async () => {
    const large = writeXlmrTokenizer(path.join(tmp, 'large.json'), { vocabSize: 'large', seed: 0, variant: 'm3' }).path;
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = process.hrtime.bigint();
      Tokenizer.fromFile(large);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    // Reported, not asserted (speed belongs to bench/tokenizer.mjs): ~300 ms on an idle 2-core machine.
    console.log(`250,002-piece XLM-R tokenizer.json: Tokenizer.fromFile ${best.toFixed(0)} ms (best of 3)`);
    await checkParity(large, multilingual(150, 21), [CONFIGS[0], CONFIGS[2]]);
  }, 60_000);
});

// --------------------------------------------------------------------------- components
// A transparent model: a Unigram vocabulary of only <unk> and the 256 byte pieces with
// byte_fallback, so every normalized string comes out as its UTF-8 bytes. Normalizers and the
// regex engine are then compared through whole-tokenizer encodings.

function byteLevelTokenizer(normalizer: unknown, preTokenizer: unknown = null): string {
  const vocab: [string, number][] = [['<unk>', 0]];
  for (let b = 0; b < 256; b++) vocab.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, -1]);
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer,
    pre_tokenizer: preTokenizer,
    post_processor: null,
    decoder: null,
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: true },
  });
}

let fileCounter = 0;
async function compareNormalizer(normalizer: unknown, inputs: string[], preTokenizer: unknown = null): Promise<void> {
  const file = path.join(tmp, `component-${fileCounter++}.json`);
  fs.writeFileSync(file, byteLevelTokenizer(normalizer, preTokenizer));
  await checkParity(file, inputs.map((q) => ({ query: wellFormed(q), document: '' })), [{ name: 'single', pair: false }]);
}

const COMPONENT_INPUTS: string[] = [
  ...Object.values(MULTILINGUAL_FRAGMENTS).flat(),
  ...generateMultilingualCorpus({ count: 400, seed: 5, maxDocumentWords: 30 }).map((p) => p.query + ' ' + p.document),
  'Hello world!  How\'s it   going? I\'M fine, you\'ll see.\n\nNew  line\r\n\tTabbed',
  'abcabc aab bbb ccc aaab abab c foo foobar barfoo', 'ÉCOLE école STRASSE Kelvin \u212A k K', '١٢٣ 123 ¹²³ ½ Ⅻ ٣ 三',
  'don\'t DON\'T I\'D we\'Ve', 'http://example.com/a/b?c=d&e=f#g', '', ' ', '  ', 'ab\n', 'x\ny\n', '▁a▁▁b',
];

describe('regex engine (Replace normalizer) matches Oniguruma', () => {
  const PATTERNS = [
    ' {2,}', '\\s+', '\\p{L}+', '\\d', '\\w+', '\\W', 'x*', '', 'a|ab', '(?i)k', '^a', 'a$', '.', '(?m).', '[[:alpha:]]+',
    '\\bfoo\\b', '(?<=a)b', '(?<!a)b', '\\Z', '[\\p{L}&&[^a]]', 'a{,2}', 'a{2,}?', 'a*?b', '(a|b)*c', '(?:ab)+?', '[^abc]',
    '[a-z0-9_]+', '\\p{P}', '\\p{S}+', '\\p{M}', '\\p{Z}', '\\p{C}', '\\p{Lu}\\p{Ll}*', '[\\u0600-\\u06FF]+', '\\x{1F600}',
    '(?x) a b # c', 'a++', '(?>a+)b', '\\R', '[\\s\\S]', '\\h+', '\\p{^L}', '\\P{N}+', '[.]', 'a.c', '(?i)[a-z]+', '(?i)é', '▁',
    '[-a]', '[a-]', '[\\]]', '\\t', '(a?)+', '(?=a)', '\\p{Nd}+', '\\p{No}',
    // GPT-2, Llama-3, Qwen2 and Llama-4-style split patterns.
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ];
  const inputs = COMPONENT_INPUTS.filter((_, k) => k % 3 === 0);
  it(`${PATTERNS.length} patterns over ${inputs.length} strings`, async () => {
    for (const pattern of PATTERNS) {
      await compareNormalizer({ type: 'Replace', pattern: { Regex: pattern }, content: '\u2063' }, inputs);
    }
  }, 60_000);

  it('String patterns are literal (an empty one matches between every character)', async () => {
    for (const s of ['.', 'a', '  ', '(', '\\', 'é', '']) {
      await compareNormalizer({ type: 'Replace', pattern: { String: s }, content: '<>' }, COMPONENT_INPUTS.slice(0, 200));
    }
  }, 60_000);
});

describe('other normalizers and Metaspace options match HF', () => {
  it('Strip, Prepend, StripAccents, Sequence', async () => {
    for (const n of [
      { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'Strip', strip_left: true, strip_right: false },
      { type: 'Prepend', prepend: '▁' },
      { type: 'StripAccents' },
      { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] },
    ]) {
      await compareNormalizer(n, COMPONENT_INPUTS);
    }
  }, 60_000);

  it.skipIf(!HAVE_CHARSMAP)('Precompiled nmt_nfkc, grapheme by grapheme', async () => {
    const charsmap = fs.readFileSync(NMT_NFKC_PATH).toString('base64');
    const inputs = [...COMPONENT_INPUTS, 'Ａ\u0301', 'A\u0301', 'ﬁ', 'Ⅻ', '①', '㍿', '\t\n\u3000\u200d', 'ｶﾞ', '\r\n', 'a\u0301\u0302', 'क्ष'];
    await compareNormalizer({ type: 'Precompiled', precompiled_charsmap: charsmap }, inputs);
  }, 60_000);

  it('Metaspace prepend_scheme always/first/never, split, legacy add_prefix_space', async () => {
    const inputs = [...COMPONENT_INPUTS.slice(0, 300), 'x<s> y', '<s>y', ' <s> y '];
    for (const m of [
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
      { type: 'Metaspace', replacement: '_', add_prefix_space: false, prepend_scheme: 'never' },
      { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'first' },
      { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    ]) {
      const file = path.join(tmp, `metaspace-${fileCounter++}.json`);
      const j = JSON.parse(byteLevelTokenizer(null, m));
      j.added_tokens = [{ id: 257, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
      fs.writeFileSync(file, JSON.stringify(j));
      await checkParity(file, inputs.map((q) => ({ query: wellFormed(q), document: wellFormed(q) })), [{ name: 'pair', pair: true }]);
    }
  }, 60_000);
});

// --------------------------------------------------------------------------- malformed files

describe('malformed XLM-R-style files fail with INVALID_TOKENIZER', () => {
  const base = (): any => JSON.parse(byteLevelTokenizer({ type: 'Strip', strip_left: false, strip_right: true }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' }));
  const cases: [string, (j: any) => unknown, RegExp][] = [
    ['invalid base64 charsmap', (j) => { j.normalizer = { type: 'Precompiled', precompiled_charsmap: 'not base64!' }; }, /base64/],
    ['truncated charsmap', (j) => { j.normalizer = { type: 'Precompiled', precompiled_charsmap: Buffer.from([255, 255, 0, 0, 1, 2]).toString('base64') }; }, /truncated/],
    ['charsmap of the wrong type', (j) => { j.normalizer = { type: 'Precompiled', precompiled_charsmap: 12 }; }, /base64 string/],
    ['unk_id out of range', (j) => { j.model.unk_id = 9999; }, /unk_id/],
    ['negative unk_id', (j) => { j.model.unk_id = -1; }, /unk_id/],
    ['vocab entry of the wrong shape', (j) => { j.model.vocab[3] = ['<0x02>']; }, /piece, score/],
    ['score that is a string', (j) => { j.model.vocab[3] = ['<0x02>', '-1']; }, /piece, score/],
    ['huge score', (j) => { j.model.vocab[3] = ['<0x02>', 1e300]; return JSON.stringify(j).replace('1e+300', '1e400'); }, /out of range/],
    ['invalid regex', (j) => { j.normalizer = { type: 'Replace', pattern: { Regex: '[a-' }, content: '' }; }, /regex/],
    ['unsupported regex property', (j) => { j.normalizer = { type: 'Replace', pattern: { Regex: '\\p{Foo}' }, content: '' }; }, /property/],
    ['Replace without a pattern kind', (j) => { j.normalizer = { type: 'Replace', pattern: 'x', content: '' }; }, /pattern/],
    ['Strip without its fields', (j) => { j.normalizer = { type: 'Strip' }; }, /strip_left/],
    ['Metaspace with a two-character replacement', (j) => { j.pre_tokenizer.replacement = '▁▁'; }, /single character/],
    ['Metaspace with an unknown prepend_scheme', (j) => { j.pre_tokenizer.prepend_scheme = 'sometimes'; }, /prepend_scheme/],
    ['Metaspace add_prefix_space false with prepend_scheme always (HF rejects it)', (j) => { j.pre_tokenizer.add_prefix_space = false; }, /add_prefix_space/],
    ['truncated JSON', (j) => JSON.stringify(j).slice(0, 2000), /JSON/],
  ];
  for (const [name, mutate, message] of cases) {
    it(name, () => {
      const j = base();
      const text = mutate(j);
      const file = path.join(tmp, `bad-${fileCounter++}.json`);
      fs.writeFileSync(file, typeof text === 'string' ? text : JSON.stringify(j));
      let err: any;
      try {
        Tokenizer.fromFile(file);
      } catch (e) {
        err = e;
      }
      expect(err, `${name} was accepted`).toBeDefined();
      expect(err.code).toBe('INVALID_TOKENIZER');
      expect(err.message).toMatch(message);
      // (Not compared with HF: for a bad charsmap HF panics and aborts the process.)
    });
  }
});
