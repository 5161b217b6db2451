// Parity of crossrank's native tokenizer with Hugging Face `tokenizers` (the npm package, HF's own
// Rust code) on BPE pipelines: the real cohere-bpe.json (NFC + ByteLevel + 73,826 merges) and
// tokenizer files synthesized here (a small BPE trained deterministically on the corpus) in the
// layouts of RoBERTa, GPT-2, Llama-3/Qwen (Split regex + ByteLevel), char-level BPE with
// continuing_subword_prefix/end_of_word_suffix, byte_fallback, ignore_merges, and the
// Punctuation/Digits/Split/WhitespaceSplit pre-tokenizers, NFC/NFD/NFKC/NFKD normalizers,
// Roberta/ByteLevel/Sequence processors and added tokens with normalized/single_word/lstrip/rstrip.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { Tokenizer } from '../lib/index';
import { byteLevelAlphabet, trainBpe } from './fixtures/bpe-trainer.mjs';
import { type CorpusPair, generateBpeCorpus, generateCorpus } from './support/corpus';
import { checkParity as checkOracleParity, type ParityConfig, wellFormed, wellFormedPairs } from './support/parity';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'tokenizers');
const COHERE = path.join(SHARED, 'cohere-bpe.json');
const HAVE_COHERE = existsSync(COHERE);
const TMP = mkdtempSync(path.join(os.tmpdir(), 'crossrank-bpe-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const corpus = (count: number, seed: number): CorpusPair[] => wellFormedPairs(generateBpeCorpus({ count, seed }));

/**
 * Compares every config with no truncation unless a config asks for it (HF's disableTruncation),
 * and returns the number of encodings compared.
 */
async function checkParity(file: string, pairs: CorpusPair[], configs: ParityConfig[]): Promise<number> {
  const { total, errors } = await checkOracleParity(file, pairs, configs, {
    window: 256,
    disableFileTruncation: true,
    maxFailures: 4,
    previewChars: 120,
    entryChars: 2000,
    labelWithFile: true,
  });
  // HF errors (only_first/only_second that cannot fit) must stay the exception, not the rule.
  expect(errors, `${path.basename(file)}: HF failed on ${errors}/${total} encodings`).toBeLessThan(total / 4);
  return total;
}

// ---- A small BPE, trained deterministically ------------------------------------------------

const BYTE_CHARS = byteLevelAlphabet();
const byteLevel = (s: string): string => Array.from(Buffer.from(s, 'utf8'), (b) => BYTE_CHARS[b]).join('');

/** Word counts of the training text, split on whitespace. */
function trainingWords(map: (w: string) => string): Map<string, number> {
  const words = new Map<string, number>();
  for (const p of generateCorpus({ count: 160, seed: 77 })) {
    for (const w of wellFormed(p.query + ' ' + p.document).split(/\s+/)) {
      if (!w) continue;
      const k = map(w);
      words.set(k, (words.get(k) ?? 0) + 1);
    }
  }
  return words;
}

const BYTE_BPE = trainBpe(trainingWords((w) => byteLevel(' ' + w)), { merges: 1200, alphabet: BYTE_CHARS });
const CHAR_BPE = trainBpe(trainingWords((w) => w.toLowerCase()), { merges: 800, prefix: '##', suffix: '</w>', alphabet: ['[UNK]', '[CLS]', '[SEP]'] });
const FALLBACK_BPE = trainBpe(trainingWords((w) => w.replace(/[^a-zA-Z]/g, '')), {
  merges: 500,
  alphabet: [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'],
});

function bpeModel(bpe: { vocab: Record<string, number>; merges: [string, string][] }, extra: Record<string, unknown> = {}, stringMerges = false) {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab: bpe.vocab,
    merges: stringMerges ? bpe.merges.map(([a, b]) => `${a} ${b}`) : bpe.merges,
    ...extra,
  };
}

const special = (id: number, content: string, more: Record<string, unknown> = {}) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...more,
});

function tokenizerJson(parts: Record<string, unknown>) {
  return { version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...parts };
}

let fileCounter = 0;
function writeTokenizer(name: string, json: unknown): string {
  const file = path.join(TMP, `${String(fileCounter++).padStart(2, '0')}-${name}.json`);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const BYTE_N = Object.keys(BYTE_BPE.vocab).length;
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevelPre = (addPrefixSpace: boolean, useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: useRegex });
const split = (pattern: { String: string } | { Regex: string }, behavior: string, invert = false) => ({ type: 'Split', pattern, behavior, invert });
const template = (bos: number, eos: number) => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<|bos|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [
    { SpecialToken: { id: '<|bos|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
    { SpecialToken: { id: '<|eos|>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '<|eos|>', type_id: 1 } },
  ],
  special_tokens: { '<|bos|>': { id: '<|bos|>', ids: [bos], tokens: ['<|bos|>'] }, '<|eos|>': { id: '<|eos|>', ids: [eos], tokens: ['<|eos|>'] } },
});
const roberta = (cls: number, sep: number) => ({ type: 'RobertaProcessing', sep: ['</s>', sep], cls: ['<s>', cls], trim_offsets: true, add_prefix_space: true });
const llamaSpecials = [special(BYTE_N, '<|bos|>'), special(BYTE_N + 1, '<|eos|>'), special(BYTE_N + 2, '<|endoftext|>')];

/** The synthesized files: [name, tokenizer.json]. */
function synthesizedFiles(): [string, unknown][] {
  const robertaAdded = [
    special(BYTE_N, '<s>'), special(BYTE_N + 1, '<pad>'), special(BYTE_N + 2, '</s>'), special(BYTE_N + 3, '<unk>'),
    special(BYTE_N + 4, '<mask>', { lstrip: true }),
    special(BYTE_N + 5, 'fix', { normalized: true, special: false, single_word: true }),
    special(BYTE_N + 6, ' the ', { normalized: true, special: false, rstrip: true }),
    special(BYTE_N + 7, 'café', { normalized: true, special: false, lstrip: true }),
  ];
  const charN = Object.keys(CHAR_BPE.vocab).length;
  const fbVocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) if (b < 0x80 || b > 0x8f) fbVocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(fbVocab).length;
  const fbBase = Object.keys(fbVocab).length;
  for (const [t, id] of Object.entries(FALLBACK_BPE.vocab)) fbVocab[t] = fbBase + id;
  const fallback = { vocab: fbVocab, merges: FALLBACK_BPE.merges };
  const splitOnBytes = (pre: unknown) => ({ type: 'Sequence', pretokenizers: [pre, byteLevelPre(false, false)] });
  return [
    ['roberta', tokenizerJson({ added_tokens: robertaAdded, pre_tokenizer: byteLevelPre(true, true), post_processor: roberta(BYTE_N, BYTE_N + 2), model: bpeModel(BYTE_BPE, {}, true) })],
    ['roberta-nfkc-noprefix', tokenizerJson({ added_tokens: robertaAdded, normalizer: { type: 'NFKC' }, pre_tokenizer: byteLevelPre(false, true), post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }, roberta(BYTE_N, BYTE_N + 2)] }, model: bpeModel(BYTE_BPE) })],
    ['llama3-split', tokenizerJson({ added_tokens: llamaSpecials, normalizer: { type: 'NFC' }, pre_tokenizer: { type: 'Sequence', pretokenizers: [split({ Regex: LLAMA3_PATTERN }, 'Isolated'), byteLevelPre(false, false)] }, post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }, template(BYTE_N, BYTE_N + 1)] }, model: bpeModel(BYTE_BPE, { ignore_merges: true }) })],
    ['qwen2-split', tokenizerJson({ added_tokens: llamaSpecials, normalizer: { type: 'NFC' }, pre_tokenizer: { type: 'Sequence', pretokenizers: [split({ Regex: QWEN2_PATTERN }, 'Isolated'), byteLevelPre(false, false)] }, post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, model: bpeModel(BYTE_BPE) })],
    ['gpt2-nfd', tokenizerJson({ added_tokens: [special(BYTE_N, '<|endoftext|>')], normalizer: { type: 'NFD' }, pre_tokenizer: byteLevelPre(false, true), model: bpeModel(BYTE_BPE, {}, true) })],
    ['char-prefix-suffix', tokenizerJson({
      added_tokens: [special(0, '[UNK]'), special(1, '[CLS]'), special(2, '[SEP]'), special(charN, 'hello world', { normalized: true, special: false }), special(charN + 1, 'ing', { normalized: true, special: false, single_word: true })],
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Lowercase' }] },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Digits', individual_digits: false }] },
      post_processor: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
      model: bpeModel(CHAR_BPE, { continuing_subword_prefix: '##', end_of_word_suffix: '</w>', unk_token: '[UNK]' }, true),
    })],
    ['char-prefix-fuse-unk', tokenizerJson({
      added_tokens: [special(0, '[UNK]')],
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: true }, { type: 'Punctuation', behavior: 'Contiguous' }] },
      model: bpeModel(CHAR_BPE, { continuing_subword_prefix: '##', end_of_word_suffix: '</w>', unk_token: '[UNK]', fuse_unk: true }),
    })],
    ['byte-fallback', tokenizerJson({
      added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
      normalizer: { type: 'NFKC' },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Punctuation', behavior: 'MergedWithNext' }, { type: 'Digits', individual_digits: true }, { type: 'WhitespaceSplit' }] },
      post_processor: template(1, 2),
      model: bpeModel(fallback, { byte_fallback: true, unk_token: '<unk>', fuse_unk: true }),
    })],
    ['byte-fallback-no-unk', tokenizerJson({
      pre_tokenizer: { type: 'Punctuation', behavior: 'MergedWithPrevious' },
      model: bpeModel(fallback, { byte_fallback: true }),
    })],
    ['split-string-removed', tokenizerJson({ pre_tokenizer: splitOnBytes(split({ String: ' ' }, 'Removed')), model: bpeModel(BYTE_BPE) })],
    ['split-regex-merged-previous', tokenizerJson({ pre_tokenizer: splitOnBytes(split({ Regex: '[aeiou]+' }, 'MergedWithPrevious')), model: bpeModel(BYTE_BPE) })],
    ['split-regex-merged-next-invert', tokenizerJson({ pre_tokenizer: splitOnBytes(split({ Regex: '\\p{L}+' }, 'MergedWithNext', true)), model: bpeModel(BYTE_BPE) })],
    ['split-string-contiguous', tokenizerJson({ pre_tokenizer: splitOnBytes(split({ String: 'e' }, 'Contiguous')), model: bpeModel(BYTE_BPE) })],
    ['split-regex-isolated-invert', tokenizerJson({ pre_tokenizer: splitOnBytes(split({ Regex: '\\s+' }, 'Isolated', true)), model: bpeModel(BYTE_BPE) })],
  ];
}

const SYNTH_CONFIGS: ParityConfig[] = [
  { name: 'pair', pair: true },
  { name: 'pair longest_first@64', subset: 250, pair: true, maxLength: 64, truncation: 'longest_first' },
  { name: 'pair only_first@24', subset: 100, pair: true, maxLength: 24, truncation: 'only_first' },
  { name: 'pair only_second@24', subset: 100, pair: true, maxLength: 24, truncation: 'only_second' },
  { name: 'single', subset: 100, pair: false },
  { name: 'pair no special tokens longest_first@16', subset: 100, pair: true, maxLength: 16, truncation: 'longest_first', addSpecialTokens: false },
  { name: 'pair offsets', subset: 150, pair: true, offsets: true },
  { name: 'pair left longest_first@24 offsets', subset: 100, pair: true, maxLength: 24, truncation: 'longest_first', direction: 'left', offsets: true },
];

const COHERE_CONFIGS: ParityConfig[] = [
  { name: 'pair', pair: true },
  { name: 'pair longest_first@512', subset: 1000, pair: true, maxLength: 512, truncation: 'longest_first' },
  { name: 'pair longest_first@128', subset: 1000, pair: true, maxLength: 128, truncation: 'longest_first' },
  { name: 'pair longest_first@9', subset: 500, pair: true, maxLength: 9, truncation: 'longest_first' },
  { name: 'pair only_first@128', subset: 500, pair: true, maxLength: 128, truncation: 'only_first' },
  { name: 'pair only_first@9', subset: 300, pair: true, maxLength: 9, truncation: 'only_first' },
  { name: 'pair only_second@64', subset: 500, pair: true, maxLength: 64, truncation: 'only_second' },
  { name: 'single', subset: 500, pair: false },
  { name: 'single longest_first@9', subset: 300, pair: false, maxLength: 9, truncation: 'longest_first' },
  { name: 'pair without special tokens longest_first@32', subset: 300, pair: true, maxLength: 32, truncation: 'longest_first', addSpecialTokens: false },
  { name: 'pair offsets', subset: 400, pair: true, offsets: true },
  { name: 'single offsets', subset: 200, pair: false, offsets: true },
  { name: 'pair left longest_first@128', subset: 300, pair: true, maxLength: 128, truncation: 'longest_first', direction: 'left' },
  { name: 'pair left longest_first@9 offsets', subset: 200, pair: true, maxLength: 9, truncation: 'longest_first', direction: 'left', offsets: true },
  { name: 'pair left only_first@128', subset: 200, pair: true, maxLength: 128, truncation: 'only_first', direction: 'left' },
  { name: 'pair left only_second@64 offsets', subset: 200, pair: true, maxLength: 64, truncation: 'only_second', direction: 'left', offsets: true },
  { name: 'single left longest_first@9', subset: 200, pair: false, maxLength: 9, truncation: 'longest_first', direction: 'left' },
];

describe('BPE tokenizer parity with HF tokenizers', () => {
  it.skipIf(!HAVE_COHERE)(`cohere-bpe.json (needs ${SHARED}): 3,000 corpus pairs and every truncation strategy match HF exactly`, async () => {
    const n = await checkParity(COHERE, corpus(3000, 0xc0e), COHERE_CONFIGS);
    expect(n).toBeGreaterThanOrEqual(7000);
  }, 120_000);

  it('synthesized RoBERTa/GPT-2/Llama-3/Qwen/char-level/byte-fallback/Split files match HF exactly', async () => {
    const pairs = corpus(400, 0xb9e).map((p) => ({ query: p.query, document: p.document.slice(0, 1500) }));
    let total = 0;
    for (const [name, json] of synthesizedFiles()) total += await checkParity(writeTokenizer(name, json), pairs, SYNTH_CONFIGS);
    expect(total).toBeGreaterThanOrEqual(5000);
  }, 120_000);
});

describe('BPE spec examples', () => {
  it('merges by rank, leftmost first, and keeps <0xNN> byte fallback for unknown chars', () => {
    const vocab: Record<string, number> = { a: 0, b: 1, ab: 2, bb: 3, abb: 4, '<0xC3>': 5, '<0xA9>': 6, '<unk>': 7 };
    const file = writeTokenizer('tiny', tokenizerJson({ model: bpeModel({ vocab, merges: [['b', 'b'], ['a', 'b'], ['a', 'bb']] }, { byte_fallback: true, unk_token: '<unk>' }) }));
    const tok = Tokenizer.fromFile(file);
    // "abb": b+b (rank 0) first, then a+bb (rank 2) -> abb; "abab" -> ab ab; "é" -> <0xC3> <0xA9>; "ü" -> <unk>
    expect(Array.from(tok.encode('abb').ids)).toEqual([4]);
    expect(Array.from(tok.encode('abab').ids)).toEqual([2, 2]);
    expect(Array.from(tok.encode('é').ids)).toEqual([5, 6]);
    expect(Array.from(tok.encode('ü').ids)).toEqual([7]);
  });

  it('gives RoBERTa pairs <s> A </s></s> B </s>, all type ids 0', () => {
    const file = writeTokenizer('roberta-spec', synthesizedFiles()[0][1]);
    const e = Tokenizer.fromFile(file).encode('a', 'b');
    expect(e.ids[0]).toBe(BYTE_N);
    expect(e.ids.filter((id) => id === BYTE_N + 2).length).toBe(3);
    expect(Array.from(e.typeIds).every((t) => t === 0)).toBe(true);
  });
});

describe('malformed BPE files fail with a TokenizerError naming the file', () => {
  const base = () => tokenizerJson({ model: bpeModel({ vocab: { a: 0, b: 1, ab: 2 }, merges: [['a', 'b']] }) }) as any;
  const cases: [string, (j: any) => void, RegExp][] = [
    ['a merge names an unknown token', (j) => (j.model.merges = [['a', 'zz']]), /merges\[0\].*"zz" is not in the vocabulary/],
    ['a merged token is missing', (j) => (j.model.merges = [['b', 'a']]), /merged token "ba" is not in the vocabulary/],
    ['a merge string has no space', (j) => (j.model.merges = ['ab']), /two tokens separated by one space/],
    ['a merge is a number', (j) => (j.model.merges = [42]), /merges\[0\].*expected/],
    ['merges is not an array', (j) => (j.model.merges = 'a b'), /merges.*expected an array/],
    ['vocab is an array', (j) => (j.model.vocab = ['a']), /vocab.*expected an object/],
    ['an id is negative', (j) => (j.model.vocab.a = -1), /expected a token id/],
    ['byte_fallback is a string', (j) => (j.model.byte_fallback = 'yes'), /byte_fallback.*expected a boolean/],
    ['dropout is set', (j) => (j.model.dropout = 0.1), /dropout.*not supported/],
    ['unk_token is a number', (j) => (j.model.unk_token = 3), /unk_token.*expected a string/],
    ['unknown split behavior', (j) => (j.pre_tokenizer = { type: 'Split', pattern: { String: 'x' }, behavior: 'Sideways', invert: false }), /unknown split behavior "Sideways"/],
    ['bad split pattern', (j) => (j.pre_tokenizer = { type: 'Split', pattern: 'x', behavior: 'Isolated', invert: false }), /pattern.*String.*Regex/],
    ['two id-adding processors in a Sequence', (j) => (j.post_processor = { type: 'Sequence', processors: [roberta(0, 1), roberta(0, 1)] }), /more than one processor that adds tokens/],
  ];
  for (const [name, mutate, message] of cases) {
    it(name, () => {
      const j = base();
      mutate(j);
      const file = writeTokenizer('bad', j);
      expect(() => Tokenizer.fromFile(file)).toThrow(message);
      expect(() => Tokenizer.fromFile(file)).toThrow(path.basename(file));
    });
  }
});
