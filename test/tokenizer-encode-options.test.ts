// What Tokenizer adds over bare ids, at parity with Hugging Face `tokenizers` (the npm oracle):
// the file's own padding applied by default (BatchLongest with pad_to_multiple_of, Fixed, left),
// encodeBatch padding to the batch's longest, tokens and offsets, left truncation with padding,
// countTokens; and a typed INVALID_ARGUMENT naming the option for every bad one.
//
// The generated tokenizer files (test/.fixtures, written by the global setup) keep this file
// meaningful without ../shared; the real files add their pipelines when present.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { CrossrankError, Tokenizer } from '../lib/index';
import { type CorpusPair, generateCorpus, generateMultilingualCorpus } from './support/corpus';
import { fixture, HAVE_SHARED, SHARED_MISSING_MESSAGE, SHARED_TOKENIZERS } from './support/fixtures';
import { checkParity, type ParityConfig, wellFormedPairs } from './support/parity';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-encode-options-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** A copy of `file` with `padding` as its padding section. */
function withPadding(file: string, name: string, padding: unknown): string {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.padding = padding;
  const out = path.join(TMP, `${name}.json`);
  fs.writeFileSync(out, JSON.stringify(json));
  return out;
}

const hfPadding = (strategy: unknown, direction: 'Right' | 'Left', multiple: number | null, padId: number, padToken: string, padTypeId = 0) => ({
  strategy,
  direction,
  pad_to_multiple_of: multiple,
  pad_id: padId,
  pad_type_id: padTypeId,
  pad_token: padToken,
});

const BERT_FIXTURE = fixture('tiny/tokenizer.json');
const XLMR_FIXTURE = fixture('tiny-xlmr-plain/tokenizer.json');

/** With the file's own padding section (each config's default). */
const FILE_PADDING_CONFIGS: ParityConfig[] = [
  { name: 'pair', pair: true, offsets: true },
  { name: 'single', pair: false, offsets: true, subset: 200 },
  { name: 'pair batches of 16', pair: true, batch: 16, offsets: true },
  { name: 'single batches of 16', pair: false, batch: 16, subset: 200 },
  { name: 'pair left longest_first@32 batches of 8', pair: true, maxLength: 32, truncation: 'longest_first', direction: 'left', batch: 8, offsets: true, subset: 200 },
  { name: 'pair without padding', pair: true, padding: false, subset: 200 },
];

/** Padding given in the call (every field, as the harness requires). */
const EXPLICIT_PADDING_CONFIGS: ParityConfig[] = [
  {
    name: 'pair fixed 64 left, pad 3 / type 1 / [Z]',
    pair: true,
    subset: 200,
    offsets: true,
    padding: { strategy: 'fixed', length: 64, direction: 'left', padToMultipleOf: 0, padId: 3, padTypeId: 1, padToken: '[Z]' },
  },
  {
    name: 'pair batches of 8, longest, multiple of 16, left',
    pair: true,
    subset: 200,
    batch: 8,
    padding: { strategy: 'batch_longest', direction: 'left', padToMultipleOf: 16, padId: 0, padTypeId: 0, padToken: '[PAD]' },
  },
  {
    name: 'single fixed 24 with multiple of 10, right, truncated left to 20',
    pair: false,
    subset: 200,
    maxLength: 20,
    truncation: 'longest_first',
    direction: 'left',
    padding: { strategy: 'fixed', length: 24, direction: 'right', padToMultipleOf: 10, padId: 1, padTypeId: 0, padToken: '<pad>' },
  },
];

const plain = (count: number, seed: number): CorpusPair[] => wellFormedPairs(generateCorpus({ count, seed }));
const multilingual = (count: number, seed: number): CorpusPair[] =>
  wellFormedPairs(generateMultilingualCorpus({ count, seed, maxDocumentWords: 120 }));
const parity = (file: string, pairs: CorpusPair[], configs: ParityConfig[]) =>
  checkParity(file, pairs, configs, { labelWithFile: true, maxFailures: 3, entryChars: 1500 });

describe('padding, batches, offsets and left truncation match HF on generated files', () => {
  const bertFiles = () => ({
    'batch-longest-8': withPadding(BERT_FIXTURE, 'bert-bl8', hfPadding('BatchLongest', 'Right', 8, 0, '[PAD]')),
    'fixed-48-left': withPadding(BERT_FIXTURE, 'bert-fixed48-left', hfPadding({ Fixed: 48 }, 'Left', null, 4, '[MASK]', 1)),
  });

  it('BERT-shaped (BertNormalizer, WordPiece): the file padding and explicit padding', async () => {
    const pairs = plain(250, 0x9ad);
    for (const [name, file] of Object.entries(bertFiles())) {
      const stats = await parity(file, pairs, FILE_PADDING_CONFIGS);
      expect(stats.total, name).toBeGreaterThan(700);
    }
    await parity(BERT_FIXTURE, pairs, EXPLICIT_PADDING_CONFIGS);
  }, 120_000);

  it('XLM-R-shaped (Strip, Replace, Metaspace, Unigram): left padding with <pad>', async () => {
    const file = withPadding(XLMR_FIXTURE, 'xlmr-bl8-left', hfPadding('BatchLongest', 'Left', 8, 1, '<pad>'));
    await parity(file, multilingual(200, 0x7a), FILE_PADDING_CONFIGS);
  }, 120_000);

  it('a single encode pads only to the multiple under BatchLongest, and to the length under Fixed', () => {
    const files = bertFiles();
    const bl = Tokenizer.fromFile(files['batch-longest-8']);
    const e = bl.encode('hello world');
    expect(e.ids.length % 8).toBe(0);
    expect(e.attentionMask.filter((m) => m === 1).length).toBe(bl.encode('hello world', null, { padding: false }).ids.length);
    expect(e.tokens.at(-1)).toBe('[PAD]');
    expect(e.offsets.at(-1)).toEqual([0, 0]);
    expect(e.sequenceIds.at(-1)).toBeNull();
    const fixed = Tokenizer.fromFile(files['fixed-48-left']).encode('hello', 'world');
    expect(fixed.ids.length).toBe(48);
    expect(fixed.ids[0]).toBe(4);
    expect(fixed.typeIds[0]).toBe(1);
    // A longer encoding is never cut by padding.
    expect(Tokenizer.fromFile(files['fixed-48-left']).encode('word '.repeat(80)).ids.length).toBe(82);
  });

  it('encodeBatch pads every encoding to the longest of the batch', () => {
    const tok = Tokenizer.fromFile(bertFiles()['batch-longest-8']);
    const batch = tok.encodeBatch(['a', ['a question', 'a somewhat longer document than the question'], 'b c']);
    const longest = tok.encode('a question', 'a somewhat longer document than the question', { padding: false }).ids.length;
    const target = Math.ceil(longest / 8) * 8;
    expect(batch.map((e) => e.ids.length)).toEqual([target, target, target]);
    expect(tok.encodeBatch([])).toEqual([]);
    // Without a padding section and no option, encodeBatch does not pad (as HF's encode_batch).
    const bare = Tokenizer.fromFile(BERT_FIXTURE).encodeBatch(['a', 'b c d e']);
    expect(bare[0].ids.length).toBeLessThan(bare[1].ids.length);
  });

  it('offsets slice each token out of its own sequence, in JavaScript string indices', () => {
    const tok = Tokenizer.fromFile(BERT_FIXTURE);
    const query = 'Héllo 👍 [SEP] wörld';
    const doc = '北京 is big';
    const e = tok.encode(query, doc);
    const texts = [query, doc];
    const pieces = e.offsets.map(([s, t], i) => (e.sequenceIds[i] === null ? null : texts[e.sequenceIds[i]!].slice(s, t)));
    // 'he' comes from 'Hé' (accents stripped), the literal [SEP] is the special token, 👍 an [UNK].
    expect(e.tokens).toEqual(['[CLS]', 'he', '##ll', '##o', '[UNK]', '[SEP]', 'world', '[SEP]', '北', '京', 'is', 'big', '[SEP]']);
    expect(pieces).toEqual([null, 'Hé', 'll', 'o', '👍', '[SEP]', 'wörld', null, '北', '京', 'is', 'big', null]);
    // The details are plain enumerable data once read.
    expect(JSON.parse(JSON.stringify(e)).tokens).toEqual(e.tokens);
  });
});

describe('countTokens', () => {
  it('counts special tokens, ignores the file truncation and padding, and matches HF', async () => {
    const file = withPadding(BERT_FIXTURE, 'count', hfPadding('BatchLongest', 'Right', 8, 0, '[PAD]'));
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.truncation = { direction: 'Right', max_length: 16, strategy: 'LongestFirst', stride: 0 };
    fs.writeFileSync(file, JSON.stringify(json));
    const tok = Tokenizer.fromFile(file);
    const { Tokenizer: Hf } = createRequire(import.meta.url)('tokenizers');
    const hf = Hf.fromFile(file);
    hf.disableTruncation();
    hf.disablePadding();
    for (const p of plain(60, 5)) {
      const expected = (await hf.encode(p.query, p.document)).getIds().length;
      expect(tok.countTokens(p.query, p.document)).toBe(expected);
      expect(tok.countTokens(p.query)).toBe((await hf.encode(p.query)).getIds().length);
      expect(tok.countTokens(p.query, p.document, { addSpecialTokens: false })).toBe(expected - 3);
    }
    const long = 'the '.repeat(40);
    expect(tok.encode(long).ids.length).toBe(16);
    expect(tok.countTokens(long)).toBe((await hf.encode(long)).getIds().length);
    expect(tok.countTokens(long)).toBeGreaterThanOrEqual(42);
  });
});

describe.skipIf(!HAVE_SHARED)(`padding and offsets on real tokenizer files (${SHARED_TOKENIZERS})`, () => {
  const shared = (name: string) => path.join(SHARED_TOKENIZERS, name);

  it('all-minilm-l6-v2 (its own BatchLongest / multiple of 8), bert-base-uncased and cohere-bpe with explicit padding', async () => {
    await parity(shared('all-minilm-l6-v2.json'), plain(150, 0x51), FILE_PADDING_CONFIGS);
    await parity(shared('bert-base-uncased.json'), plain(150, 0x52), EXPLICIT_PADDING_CONFIGS);
    await parity(shared('cohere-bpe.json'), plain(150, 0x53), [...EXPLICIT_PADDING_CONFIGS, FILE_PADDING_CONFIGS[2]]);
  }, 180_000);
});
if (!HAVE_SHARED) console.warn(SHARED_MISSING_MESSAGE);

describe('every bad option is an INVALID_ARGUMENT naming it', () => {
  const tok = Tokenizer.fromFile(BERT_FIXTURE);
  const invalid = (fn: () => unknown, name: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught, String(name)).toBeInstanceOf(CrossrankError);
    expect((caught as CrossrankError).code).toBe('INVALID_ARGUMENT');
    expect((caught as CrossrankError).message).toMatch(name);
  };

  it('encode and encodeBatch options', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ truncationDirection: 'up' }, /options\.truncationDirection must be one of 'right', 'left'/],
      [{ truncationDirection: 1 }, /options\.truncationDirection/],
      [{ padding: true }, /options\.padding must be false or an object/],
      [{ padding: 'max_length' }, /options\.padding must be false or an object/],
      [{ padding: null }, /options\.padding must be false or an object/],
      [{ padding: { strategy: 'longest' } }, /options\.padding\.strategy must be one of 'batch_longest', 'fixed'/],
      [{ padding: { strategy: 'fixed' } }, /options\.padding\.length is required with strategy 'fixed'/],
      [{ padding: { strategy: 'fixed', length: 0 } }, /options\.padding\.length must be an integer >= 1/],
      [{ padding: { length: 8 } }, /options\.padding\.length applies only to strategy 'fixed'/],
      [{ padding: { direction: 'up' } }, /options\.padding\.direction must be one of 'right', 'left'/],
      [{ padding: { padToMultipleOf: -1 } }, /options\.padding\.padToMultipleOf must be an integer >= 0/],
      [{ padding: { padId: 1.5 } }, /options\.padding\.padId must be an integer/],
      [{ padding: { padTypeId: -1 } }, /options\.padding\.padTypeId must be an integer/],
      [{ padding: { padToken: '' } }, /options\.padding\.padToken must be a non-empty string/],
      [{ padding: { maxLength: 8 } }, /options\.padding\.maxLength is not a padding option/],
      [{ maxLength: 1.5 }, /options\.maxLength/],
      [{ truncation: 'left' }, /options\.truncation/],
      [{ addSpecialTokens: 'yes' }, /options\.addSpecialTokens/],
      ['fast', /options must be an object/],
    ];
    for (const [options, name] of bad) {
      invalid(() => tok.encode('a', 'b', options as never), name);
      invalid(() => tok.encodeBatch(['a'], options as never), name);
    }
  });

  it('encodeBatch inputs and countTokens arguments', () => {
    invalid(() => tok.encodeBatch('a' as never), /inputs must be an array of strings or \[text, pair\]/);
    invalid(() => tok.encodeBatch(['a', 5] as never), /inputs\[1\] must be a string or a \[text, pair\] array of two strings, got 5/);
    invalid(() => tok.encodeBatch([['a']] as never), /inputs\[0\] must be a string or a \[text, pair\]/);
    invalid(() => tok.encodeBatch([['a', 3]] as never), /inputs\[0\]/);
    invalid(() => tok.countTokens(3 as never), /text must be a string/);
    invalid(() => tok.countTokens('a', 3 as never), /pair must be a string/);
    invalid(() => tok.countTokens('a', null, { addSpecialTokens: 1 } as never), /options\.addSpecialTokens must be a boolean/);
    invalid(() => tok.countTokens('a', null, [] as never), /options must be an object/);
  });
});
