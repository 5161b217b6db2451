import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as gen from './fixtures/generate.mjs';

const { generateBertModel, writeSmallBertTokenizer, ensureFixture, opHistogram, decodeModelSummary, PRESETS } = gen as any;

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { Tokenizer } = require('tokenizers');

type Enc = { ids: number[]; mask: number[]; types: number[] };

function batchFeeds(encs: Enc[], padId = 0) {
  const B = encs.length;
  const S = Math.max(...encs.map((e) => e.ids.length));
  const ids = new BigInt64Array(B * S).fill(BigInt(padId));
  const mask = new BigInt64Array(B * S);
  const types = new BigInt64Array(B * S);
  encs.forEach((e, b) => {
    e.ids.forEach((v, i) => {
      ids[b * S + i] = BigInt(v);
      mask[b * S + i] = BigInt(e.mask[i]);
      types[b * S + i] = BigInt(e.types[i]);
    });
  });
  const t = (a: BigInt64Array) => new ort.Tensor('int64', a, [B, S]);
  return { input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(types) };
}

async function encodePair(tok: any, a: string, b: string): Promise<Enc> {
  const e = await tok.encode(a, b);
  return { ids: e.getIds(), mask: e.getAttentionMask(), types: e.getTypeIds() };
}

const QUERY = 'what is the capital of france?';
const DOCS = [
  'Paris is the capital and most populous city of France.',
  'The quick brown fox jumps over the lazy dog.',
  'Berlin is the capital of Germany.',
  'Bananas are yellow fruits rich in potassium.',
  'In 1889 the Eiffel Tower was completed for the World Fair in Paris, France.',
  'I like turtles',
];

describe('fixture generator', () => {
  let tmp: string;
  let tiny: any;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-fixture-'));
    tiny = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'a'), seed: 7 });
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes a Hugging Face-style folder', () => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) {
      expect(fs.existsSync(path.join(tiny.dir, f)), f).toBe(true);
    }
    const cfg = JSON.parse(fs.readFileSync(tiny.configPath, 'utf8'));
    expect(cfg.architectures).toEqual(['BertForSequenceClassification']);
    expect(cfg.model_type).toBe('bert');
    expect(cfg).toMatchObject({
      hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64,
      max_position_embeddings: 512, type_vocab_size: 2, pad_token_id: 0, layer_norm_eps: 1e-12, hidden_act: 'gelu',
    });
    expect(cfg.id2label).toEqual({ 0: 'LABEL_0' });
    const tc = JSON.parse(fs.readFileSync(tiny.tokenizerConfigPath, 'utf8'));
    expect(tc).toMatchObject({ model_max_length: 512, do_lower_case: true, tokenizer_class: 'BertTokenizer' });
    const summary = decodeModelSummary(fs.readFileSync(tiny.modelPath));
    expect(summary.opsetImports).toEqual([{ domain: '', version: 14 }]);
    expect(summary.graph.inputs).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(summary.graph.outputs).toEqual(['logits']);
    expect(tiny.parameterCount).toBeGreaterThan(0);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'b'), seed: 7 });
    const other = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'c'), seed: 8 });
    const bytes = fs.readFileSync(tiny.modelPath);
    expect(fs.readFileSync(again.modelPath).equals(bytes)).toBe(true);
    expect(fs.readFileSync(again.tokenizerPath).equals(fs.readFileSync(tiny.tokenizerPath))).toBe(true);
    expect(fs.readFileSync(other.modelPath).equals(bytes)).toBe(false);
  });

  it('small tokenizer loads in the tokenizers oracle and encodes pairs sensibly', async () => {
    const file = path.join(tmp, 'tok', 'tokenizer.json');
    const info = writeSmallBertTokenizer(file);
    expect(info.vocabSize).toBeGreaterThan(2000);
    expect(info.specialIds).toEqual({ '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4 });
    const tok = Tokenizer.fromFile(file);
    const e = await tok.encode('What is the Capital of FRANCE?', 'Paris is the capital of France.');
    const tokens: string[] = e.getTokens();
    expect(tokens[0]).toBe('[CLS]');
    expect(tokens).toContain('capital');
    expect(tokens).toContain('france');
    expect(tokens.filter((t) => t === '[SEP]').length).toBe(2);
    expect(tokens).not.toContain('[UNK]');
    const sep = tokens.indexOf('[SEP]');
    const types: number[] = e.getTypeIds();
    expect(types.slice(0, sep + 1).every((t) => t === 0)).toBe(true);
    expect(types.slice(sep + 1).every((t) => t === 1)).toBe(true);
    // Unknown-ish words split into word pieces rather than [UNK]; CJK is split per char.
    const e2 = await tok.encode('Zyxomorphic tokenization 東京 café');
    expect(e2.getTokens()).not.toContain('[UNK]');
    expect(e2.getTokens().some((t: string) => t.startsWith('##'))).toBe(true);
    expect(e2.getTokens()).toContain('東');
  });

  it('runs in onnxruntime-node: shapes, finite logits, useful spread, padding invariance', async () => {
    const tok = Tokenizer.fromFile(tiny.tokenizerPath);
    const sess = await ort.InferenceSession.create(tiny.modelPath, { intraOpNumThreads: 1 });
    expect(sess.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(sess.outputNames).toEqual(['logits']);

    const encs = await Promise.all(DOCS.map((d) => encodePair(tok, QUERY, d)));
    const batched = (await sess.run(batchFeeds(encs))).logits;
    expect(batched.dims).toEqual([DOCS.length, 1]);
    const logits = Array.from(batched.data as Float32Array);
    expect(logits.every(Number.isFinite)).toBe(true);
    // Distinct inputs give clearly distinct scores (ordering tests are meaningful).
    const sorted = [...logits].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThan(1e-4);
    expect(sorted[sorted.length - 1] - sorted[0]).toBeGreaterThan(0.3);
    expect(Math.max(...logits.map(Math.abs))).toBeLessThan(20);

    // Each sequence alone (no padding) == its row in the padded batch.
    for (let i = 0; i < encs.length; i++) {
      const alone = (await sess.run(batchFeeds([encs[i]]))).logits.data[0];
      expect(Math.abs(alone - logits[i])).toBeLessThan(1e-5);
    }
    // Extra right padding with garbage ids under mask 0 changes nothing.
    const padded = encs.map((e) => ({
      ids: [...e.ids, ...Array(7).fill(5)],
      mask: [...e.mask, ...Array(7).fill(0)],
      types: [...e.types, ...Array(7).fill(1)],
    }));
    const p = Array.from((await sess.run(batchFeeds(padded))).logits.data as Float32Array);
    p.forEach((v, i) => expect(Math.abs(v - logits[i])).toBeLessThan(1e-5));
    // Inputs matter: token types and word order change the score.
    const swapped = (await sess.run(batchFeeds([{ ...encs[0], types: encs[0].types.map(() => 0) }]))).logits.data[0];
    expect(Math.abs(swapped - logits[0])).toBeGreaterThan(1e-4);

    // Varying batch sizes / sequence lengths, multi-label head.
    const multi = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'multi'), numLabels: 3, seed: 3 });
    const s3 = await ort.InferenceSession.create(multi.modelPath, { intraOpNumThreads: 1 });
    for (const [B, S] of [[1, 3], [4, 17], [9, 128], [2, 512]]) {
      const enc: Enc[] = Array.from({ length: B }, (_, b) => ({
        ids: Array.from({ length: S }, (_, i) => (i === 0 ? 2 : 5 + ((b * 31 + i * 7) % 2000))),
        mask: Array(S).fill(1),
        types: Array.from({ length: S }, (_, i) => (i < S / 2 ? 0 : 1)),
      }));
      const out = (await s3.run(batchFeeds(enc))).logits;
      expect(out.dims).toEqual([B, 3]);
      expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it('ORT applies its BERT fusions (LayerNorm, BiasGelu at opset 14; Attention etc. at opset 12)', async () => {
    const hist = async (modelPath: string) => {
      const optimizedModelFilePath = path.join(path.dirname(modelPath), 'optimized.onnx');
      await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'extended', optimizedModelFilePath });
      return opHistogram(fs.readFileSync(optimizedModelFilePath));
    };
    const h14 = await hist(tiny.modelPath);
    expect(h14.LayerNormalization).toBe(5);
    expect(h14['com.microsoft:BiasGelu']).toBe(2);
    expect(h14.Erf).toBeUndefined();
    const m12 = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'o12'), opset: 12 });
    const h12 = await hist(m12.modelPath);
    expect(h12['com.microsoft:Attention']).toBe(2);
    expect(h12['com.microsoft:EmbedLayerNormalization']).toBe(1);
    expect(h12['com.microsoft:SkipLayerNormalization']).toBe(4);
    expect(h12['com.microsoft:BiasGelu']).toBe(2);
  });

  it('ensureFixture generates once and reuses while the stamp matches', () => {
    const baseDir = path.join(tmp, 'ensure');
    const a = ensureFixture('tiny', { preset: 'tiny', baseDir });
    expect(a.cached).toBe(false);
    const mtime = fs.statSync(a.modelPath).mtimeMs;
    const b = ensureFixture('tiny', { preset: 'tiny', baseDir });
    expect(b.cached).toBe(true);
    expect(b.modelPath).toBe(a.modelPath);
    expect(fs.statSync(b.modelPath).mtimeMs).toBe(mtime);
    const c = ensureFixture('tiny', { preset: 'tiny', baseDir, seed: 99 });
    expect(c.cached).toBe(false);
    expect(fs.readdirSync(baseDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
