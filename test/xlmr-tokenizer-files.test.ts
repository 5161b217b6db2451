import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as gen from './fixtures/generate.mjs';

const {
  writeXlmrTokenizer, generateXlmRobertaModel, ensureXlmrTokenizer, ensureXlmrFixture, haveNmtNfkc, NMT_NFKC_PATH,
  NMT_NFKC_MISSING_MESSAGE, XLMR_SAMPLE_TEXTS, PRESETS,
} = gen as any;

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { Tokenizer } = require('tokenizers');

const HAVE_CHARSMAP: boolean = haveNmtNfkc();
if (!HAVE_CHARSMAP) console.warn(NMT_NFKC_MISSING_MESSAGE);

const SIZE = 8000;

async function tokens(tok: any, a: string, b?: string) {
  const e = b === undefined ? await tok.encode(a) : await tok.encode(a, b);
  return { tokens: e.getTokens() as string[], ids: e.getIds() as number[], types: e.getTypeIds() as number[] };
}

describe('XLM-R tokenizer files without the charsmap', () => {
  it('fail with a clear error naming the missing file', () => {
    const missing = path.join(os.tmpdir(), 'crossrank-no-such-dir', 'nmt_nfkc.bin');
    let err: any;
    try {
      writeXlmrTokenizer(path.join(os.tmpdir(), 'crossrank-never-written.json'), { charsmapPath: missing });
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('CROSSRANK_NO_NMT_NFKC');
    expect(err.message).toContain(missing);
    expect(err.message).toContain('nmt_nfkc');
  });
});

describe.skipIf(!HAVE_CHARSMAP)(`XLM-R-shaped tokenizer.json files (need ${NMT_NFKC_PATH})`, () => {
  let tmp: string;
  const files: Record<string, any> = {};

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-xlmr-tok-'));
    for (const variant of ['m3', 'legacy', 'byte-fallback']) {
      files[variant] = writeXlmrTokenizer(path.join(tmp, `${variant}.json`), { vocabSize: SIZE, seed: 0, variant });
    }
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has the layout of bge-reranker-v2-m3 tokenizer.json', () => {
    const text = fs.readFileSync(files.m3.path, 'utf8');
    const j = JSON.parse(text);
    expect(Object.keys(j)).toEqual([
      'version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model',
    ]);
    const special = (id: number, content: string, lstrip = false) => ({
      id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true,
    });
    expect(j.added_tokens).toEqual([
      special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>'), special(SIZE - 1, '<mask>', true),
    ]);
    expect(j.normalizer).toEqual({
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: fs.readFileSync(NMT_NFKC_PATH).toString('base64') },
        { type: 'Strip', strip_left: false, strip_right: true },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: '▁' },
      ],
    });
    expect(j.pre_tokenizer).toEqual({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true });
    expect(j.decoder).toEqual(j.pre_tokenizer);
    const st = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
    const sq = (id: string) => ({ Sequence: { id, type_id: 0 } });
    expect(j.post_processor).toEqual({
      type: 'TemplateProcessing',
      single: [st('<s>'), sq('A'), st('</s>')],
      pair: [st('<s>'), sq('A'), st('</s>'), st('</s>'), sq('B'), st('</s>')],
      special_tokens: {
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
        '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
      },
    });
    expect(j.model.type).toBe('Unigram');
    expect(j.model.unk_id).toBe(3);
    expect(j.model.byte_fallback).toBe(false);
    const vocab: [string, number][] = j.model.vocab;
    expect(vocab.length).toBe(SIZE);
    expect(files.m3.vocabSize).toBe(SIZE);
    expect(vocab.slice(0, 4)).toEqual([['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0]]);
    expect(vocab[SIZE - 1]).toEqual(['<mask>', 0]);
    // Scores are written as the Rust library writes f64s ("0.0", not "0").
    expect(text).toContain('[\n        "<s>",\n        0.0\n      ]');
    // Normal pieces: unique, negative log-probability-like scores in descending order, with some exact ties.
    const normal = vocab.slice(4, -1);
    expect(new Set(vocab.map((v) => v[0])).size).toBe(SIZE);
    expect(normal.every(([p, s]) => s < 0 && p.length > 0 && !p.includes(' '))).toBe(true);
    for (let i = 1; i < normal.length; i++) expect(normal[i][1]).toBeLessThanOrEqual(normal[i - 1][1]);
    expect(new Set(normal.map((v) => v[1])).size).toBeLessThan(normal.length * 0.9);
    expect(normal.map((v) => v[1]).some((s) => s < -12)).toBe(true);
    // Word-start marks, single characters of many scripts, with and without the mark.
    const pieces = new Set(vocab.map((v) => v[0]));
    for (const p of ['▁', '▁How', '▁are', '▁you', '▁doing', '?', 'е', '▁м', 'α', 'ب', 'א', 'क', 'ก', '中', 'の', '한', '👍', '7', ',']) {
      expect(pieces.has(p), p).toBe(true);
    }
  });

  it('every variant loads in the tokenizers oracle and encodes multilingual text sensibly', async () => {
    for (const [variant, info] of Object.entries(files)) {
      const tok = Tokenizer.fromFile(info.path);
      const how = await tokens(tok, 'How are you doing?');
      expect(how.tokens, variant).toEqual(['<s>', '▁How', '▁are', '▁you', '▁doing', '?', '</s>']);
      let unk = 0;
      let n = 0;
      for (const t of XLMR_SAMPLE_TEXTS) {
        const e = await tokens(tok, t);
        expect(e.ids[0]).toBe(0);
        expect(e.ids[e.ids.length - 1]).toBe(2);
        unk += e.ids.filter((id) => id === 3).length;
        n += e.ids.length;
        // Real words of each script come out as whole pieces, not characters.
        expect(e.ids.length, t).toBeLessThan(Array.from(t).length + 2);
      }
      expect(unk, variant).toBe(0);
      expect(n).toBeGreaterThan(200);
      // Pair template: <s> A </s></s> B </s>, all type ids 0.
      const pair = await tokens(tok, 'what is the capital of france?', 'Paris is the capital of France.');
      const sep = pair.tokens.indexOf('</s>');
      expect(pair.tokens.slice(sep, sep + 2)).toEqual(['</s>', '</s>']);
      expect(pair.tokens.filter((t) => t === '</s>').length).toBe(3);
      expect(pair.types.every((t) => t === 0)).toBe(true);
      expect(pair.tokens).toContain('▁Paris');
      // <mask> is an added token with lstrip: the space before it goes with it (the oracle's token text is " <mask>").
      const mask = await tokens(tok, 'Paris is the <mask> of France.');
      const at = mask.ids.indexOf(SIZE - 1);
      expect(mask.tokens.slice(at - 1, at + 2)).toEqual(['▁the', ' <mask>', '▁of']);
    }
  });

  it('ambiguous words have two equal-score segmentations (a Viterbi tie)', async () => {
    const vocab = new Map<string, number>(JSON.parse(fs.readFileSync(files.m3.path, 'utf8')).model.vocab);
    const tok = Tokenizer.fromFile(files.m3.path);
    expect(files.m3.tieWords.length).toBe(8);
    for (const w of files.m3.tieWords) {
      const [A, B, C] = [w.slice(0, 2), w.slice(2, 4), w.slice(4, 6)];
      expect(vocab.get(`▁${A}`)! + vocab.get(B + C)!).toBe(vocab.get(`▁${A}${B}`)! + vocab.get(C)!);
      expect(vocab.has(`▁${w}`)).toBe(false);
      const e = await tokens(tok, w);
      expect([[`▁${A}`, B + C], [`▁${A}${B}`, C]]).toContainEqual(e.tokens.slice(1, -1));
    }
  });

  it('legacy variant: no Strip, Replace(" {2,}" -> " "), Metaspace add_prefix_space; trailing space gives a "▁" token', async () => {
    const j = JSON.parse(fs.readFileSync(files.legacy.path, 'utf8'));
    expect(j.normalizer.normalizers.map((n: any) => n.type)).toEqual(['Precompiled', 'Replace']);
    expect(j.normalizer.normalizers[1]).toEqual({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
    expect(j.pre_tokenizer).toEqual({ type: 'Metaspace', replacement: '▁', add_prefix_space: true });
    const legacy = await tokens(Tokenizer.fromFile(files.legacy.path), 'the city ');
    expect(legacy.tokens).toEqual(['<s>', '▁the', '▁city', '▁', '</s>']);
    const m3 = await tokens(Tokenizer.fromFile(files.m3.path), 'the city ');
    expect(m3.tokens).toEqual(['<s>', '▁the', '▁city', '</s>']);
    // Runs of spaces: m3 turns them into "▁" inside the word; both give the same pieces here.
    const runs = await tokens(Tokenizer.fromFile(files.m3.path), 'the   city');
    expect(runs.tokens).toEqual(['<s>', '▁the', '▁city', '</s>']);
  });

  it('byte-fallback variant: <0x00>…<0xFF> after the specials; unknown characters become bytes, not <unk>', async () => {
    const j = JSON.parse(fs.readFileSync(files['byte-fallback'].path, 'utf8'));
    expect(j.model.byte_fallback).toBe(true);
    expect(j.model.vocab[4]).toEqual(['<0x00>', 0]);
    expect(j.model.vocab[4 + 0xff]).toEqual(['<0xFF>', 0]);
    expect(j.model.vocab.length).toBe(SIZE);
    const text = 'ქართული 🦜';
    const fb = await tokens(Tokenizer.fromFile(files['byte-fallback'].path), text);
    expect(fb.ids).not.toContain(3);
    expect(fb.tokens.filter((t) => /^<0x[0-9A-F]{2}>$/.test(t)).length).toBe(Buffer.byteLength('ქართული🦜'));
    const plain = await tokens(Tokenizer.fromFile(files.m3.path), text);
    expect(plain.ids).toContain(3);
  });

  it('is deterministic per seed; the 250k "large" size is an option (not generated here)', () => {
    const again = writeXlmrTokenizer(path.join(tmp, 'again.json'), { vocabSize: SIZE, seed: 0 });
    expect(fs.readFileSync(again.path).equals(fs.readFileSync(files.m3.path))).toBe(true);
    const other = writeXlmrTokenizer(path.join(tmp, 'other.json'), { vocabSize: SIZE, seed: 1 });
    expect(fs.readFileSync(other.path).equals(fs.readFileSync(files.m3.path))).toBe(false);
    const bigger = writeXlmrTokenizer(path.join(tmp, 'medium.json'), { vocabSize: 'medium' });
    expect(bigger.vocabSize).toBe(32000);
  });

  it('XLM-R model folder: generated tokenizer, matching vocab_size, end-to-end scores in ORT', async () => {
    const m = generateXlmRobertaModel({ ...PRESETS.tinyXlmr, dir: path.join(tmp, 'model'), seed: 9 });
    expect(fs.readFileSync(m.tokenizerPath).equals(fs.readFileSync(files.m3.path))).toBe(true);
    const cfg = JSON.parse(fs.readFileSync(m.configPath, 'utf8'));
    expect(cfg.vocab_size).toBe(SIZE);
    expect(m.tokenizerInfo).toMatchObject({ vocabSize: SIZE, variant: 'm3', byteFallback: false });
    const tok = Tokenizer.fromFile(m.tokenizerPath);
    const sess = await ort.InferenceSession.create(m.modelPath, { intraOpNumThreads: 1 });
    const query = 'what is the capital of france?';
    const docs = XLMR_SAMPLE_TEXTS.slice(2, 16);
    const encs = await Promise.all(docs.map(async (d: string) => (await tokens(tok, query, d)).ids));
    const feeds = (rows: number[][]) => {
      const S = Math.max(...rows.map((r) => r.length));
      const ids = new BigInt64Array(rows.length * S).fill(1n); // <pad> = 1
      const mask = new BigInt64Array(rows.length * S);
      rows.forEach((r, b) => r.forEach((v, i) => {
        ids[b * S + i] = BigInt(v);
        mask[b * S + i] = 1n;
      }));
      const t = (a: BigInt64Array) => new ort.Tensor('int64', a, [rows.length, S]);
      return { input_ids: t(ids), attention_mask: t(mask) };
    };
    const batch = Array.from((await sess.run(feeds(encs))).logits.data as Float32Array);
    expect(batch.every(Number.isFinite)).toBe(true);
    expect(new Set(batch.map((v) => v.toFixed(4))).size).toBe(docs.length);
    for (let i = 0; i < encs.length; i += 4) {
      const alone = (await sess.run(feeds([encs[i]]))).logits.data[0] as number;
      expect(Math.abs(alone - batch[i])).toBeLessThan(1e-5);
    }
  });

  it('ensureXlmrTokenizer / ensureXlmrFixture cache by options and charsmap', () => {
    const baseDir = path.join(tmp, 'cache');
    const a = ensureXlmrTokenizer('small-m3', { baseDir, vocabSize: SIZE });
    expect(a.cached).toBe(false);
    expect(a.path).toBe(path.join(baseDir, 'xlmr-tokenizers', 'small-m3', 'tokenizer.json'));
    expect(fs.readFileSync(a.path).equals(fs.readFileSync(files.m3.path))).toBe(true);
    expect(ensureXlmrTokenizer('small-m3', { baseDir, vocabSize: SIZE }).cached).toBe(true);
    expect(ensureXlmrTokenizer('small-m3', { baseDir, vocabSize: SIZE, variant: 'legacy' }).cached).toBe(false);
    const f = ensureXlmrFixture('tiny-xlmr', { baseDir, seed: 1 });
    expect(f.cached).toBe(false);
    expect(JSON.parse(fs.readFileSync(f.configPath, 'utf8')).vocab_size).toBe(SIZE);
    expect(ensureXlmrFixture('tiny-xlmr', { baseDir, seed: 1 }).cached).toBe(true);
  });
});
