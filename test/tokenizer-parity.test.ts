// Parity of crossrank's native tokenizer with Hugging Face `tokenizers` (the npm package is
// HF's own Rust implementation, used here as the oracle) on real tokenizer.json files.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { Tokenizer } from '../lib/index';
import { type CorpusPair, generateCorpus } from './support/corpus';
import { checkParity as checkOracleParity, type ParityConfig, wellFormedPairs } from './support/parity';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'tokenizers');
const HAVE_SHARED = existsSync(SHARED);
const BERT = path.join(SHARED, 'bert-base-uncased.json');
const MINILM = path.join(SHARED, 'all-minilm-l6-v2.json');

const CONFIGS: ParityConfig[] = [
  { name: 'pair', pair: true },
  { name: 'pair longest_first@512', pair: true, maxLength: 512, truncation: 'longest_first' },
  { name: 'pair longest_first@128', pair: true, maxLength: 128, truncation: 'longest_first' },
  { name: 'pair longest_first@32', pair: true, maxLength: 32, truncation: 'longest_first' },
  { name: 'pair longest_first@9', pair: true, maxLength: 9, truncation: 'longest_first' },
  { name: 'pair only_first@128', subset: 300, pair: true, maxLength: 128, truncation: 'only_first' },
  { name: 'pair only_first@9', subset: 300, pair: true, maxLength: 9, truncation: 'only_first' },
  { name: 'pair only_second@32', subset: 300, pair: true, maxLength: 32, truncation: 'only_second' },
  { name: 'pair only_second@9', subset: 300, pair: true, maxLength: 9, truncation: 'only_second' },
  { name: 'single', subset: 300, pair: false },
  { name: 'single longest_first@9', subset: 300, pair: false, maxLength: 9, truncation: 'longest_first' },
  { name: 'single only_second@32 (HF errors when it must truncate)', subset: 300, pair: false, maxLength: 32, truncation: 'only_second' },
  { name: 'pair without special tokens', subset: 300, pair: true, addSpecialTokens: false },
  { name: 'pair without special tokens longest_first@32', subset: 300, pair: true, maxLength: 32, truncation: 'longest_first', addSpecialTokens: false },
  { name: 'pair offsets', pair: true, offsets: true },
  { name: 'single offsets', subset: 300, pair: false, offsets: true },
  { name: 'pair left longest_first@128', pair: true, maxLength: 128, truncation: 'longest_first', direction: 'left' },
  { name: 'pair left longest_first@9 offsets', subset: 300, pair: true, maxLength: 9, truncation: 'longest_first', direction: 'left', offsets: true },
  { name: 'pair left only_first@128', subset: 300, pair: true, maxLength: 128, truncation: 'only_first', direction: 'left' },
  { name: 'pair left only_first@9', subset: 300, pair: true, maxLength: 9, truncation: 'only_first', direction: 'left' },
  { name: 'pair left only_second@32 offsets', subset: 300, pair: true, maxLength: 32, truncation: 'only_second', direction: 'left', offsets: true },
  { name: 'single left longest_first@9', subset: 300, pair: false, maxLength: 9, truncation: 'longest_first', direction: 'left' },
  { name: 'pair left without special tokens longest_first@32', subset: 300, pair: true, maxLength: 32, truncation: 'longest_first', direction: 'left', addSpecialTokens: false },
];

const corpus = (count: number, seed?: number): CorpusPair[] => wellFormedPairs(generateCorpus({ count, seed }));

// Both sides keep the file's own truncation section when a config sets no maxLength (HF's default).
const checkParity = (file: string, pairs: CorpusPair[]) => checkOracleParity(file, pairs, CONFIGS, { previewChars: 160 });

describe.skipIf(!HAVE_SHARED)(`tokenizer parity with HF tokenizers (needs ${SHARED})`, () => {
  it('bert-base-uncased: 1,000 corpus pairs x 23 truncation/offsets configs match HF exactly', async () => {
    await checkParity(BERT, corpus(1000));
  }, 300_000); // 23,000 encodings on each side: ~20 s idle, far more on a loaded or sanitized build

  it('all-minilm-l6-v2: a second file with the same pipeline matches too', async () => {
    await checkParity(MINILM, corpus(100, 12345));
  }, 60_000);

  it("exposes all-minilm-l6-v2's own truncation and padding sections", () => {
    const tok = Tokenizer.fromFile(MINILM) as any;
    expect(tok.fileTruncation).toEqual({ maxLength: 256, strategy: 'longest_first', stride: 0, direction: 'right' });
    expect(tok.filePadding).toMatchObject({ strategy: 'batch_longest', direction: 'right', padToMultipleOf: 8, padId: 0, padTypeId: 0, padToken: '[PAD]' });
    const bert = Tokenizer.fromFile(BERT) as any;
    expect(bert.fileTruncation).toBeNull();
    expect(bert.filePadding).toBeNull();
    // encode() without options applies the file's truncation (256) and padding (BatchLongest, so a
    // single encoding only rounds up to a multiple of 8), as HF does.
    const long = 'word '.repeat(400);
    expect(tok.encode(long, long).ids.length).toBe(256);
    expect(tok.encode('short').ids.length).toBe(8);
    expect(tok.encode('short', null, { padding: false }).ids.length).toBe(3);
  });
});

describe.skipIf(!HAVE_SHARED)('tokenizer spec examples (bert-base-uncased)', () => {
  const tok = HAVE_SHARED ? Tokenizer.fromFile(BERT) : (null as unknown as Tokenizer);
  const ids = (a: string, b?: string | null, opts?: Parameters<Tokenizer['encode']>[2]) =>
    Array.from(tok.encode(a, b ?? null, opts).ids);

  it('lowercases, strips accents and splits punctuation', () => {
    // [CLS] hello , world ! [SEP]
    expect(ids('Héllo, WORLD!')).toEqual([101, 7592, 1010, 2088, 999, 102]);
  });

  it('matches a literal [SEP] in the raw text as the special token, but not [sep]', () => {
    // [CLS] a [SEP] [ sep ] [SEP]
    expect(ids('a [SEP] [sep]')).toEqual([101, 1037, 102, 1031, 19802, 1033, 102]);
  });

  it('gives type id 1 to the second sequence and its [SEP]', () => {
    const e = tok.encode('query', 'document');
    expect(Array.from(e.typeIds)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(e.attentionMask)).toEqual([1, 1, 1, 1, 1]);
  });

  it('keeps [CLS] A [SEP] [SEP] for an empty second sequence', () => {
    expect(ids('a', '')).toEqual([101, 1037, 102, 102]);
  });

  it('splits the longest_first budget like HF (A=6, B=10, max 12 -> 4 + 5)', () => {
    const e = tok.encode('one two three four five six', 'a b c d e f g h i j', { maxLength: 12, truncation: 'longest_first' });
    expect(Array.from(e.ids)).toEqual([101, 2028, 2048, 2093, 2176, 102, 1037, 1038, 1039, 1040, 1041, 102]);
  });

  it('fails like HF when only_first cannot fit', () => {
    expect(() => tok.encode('hello world foo', 'a b c d', { maxLength: 4, truncation: 'only_first' })).toThrow(/truncat/i);
    expect(() => tok.encode('hello world foo', null, { maxLength: 4, truncation: 'only_second' })).toThrow(/truncat/i);
  });

  it('turns a word longer than 100 characters into one [UNK]', () => {
    expect(ids('a'.repeat(101))).toEqual([101, 100, 102]);
  });

  it('pads CJK ideographs with spaces (but not the U+2B820..2B91F gap)', () => {
    expect(ids('北京')).toEqual([101, 1781, 1755, 102]);
  });

  it('drops control and format characters', () => {
    expect(ids('a\u0000\u200b\ufeff\u00adb')).toEqual(ids('ab'));
  });

  it('encodes without special tokens when asked', () => {
    const e = tok.encode('hello', 'world', { addSpecialTokens: false });
    expect(Array.from(e.ids)).toEqual([7592, 2088]);
    expect(Array.from(e.typeIds)).toEqual([0, 1]);
  });
});
