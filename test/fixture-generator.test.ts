import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as gen from './fixtures/generate.mjs';

// @ts-ignore -- plain ESM JavaScript without type declarations
import * as proto from './fixtures/onnx-proto.mjs';

const {
  generateBertModel, generateXlmRobertaModel, writeQuantizedVariant, writeSmallBertTokenizer, ensureFixture, ensureXlmrFixture,
  opHistogram, decodeModelSummary, PRESETS,
} = gen as any;
const { decodeModel, encodeModel } = proto as any;

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

// ---------------------------------------------------------------- int8 (quantize_dynamic) variant

/** Fraction of pairs (i, j) that two score lists order the same way. */
function orderAgreement(a: number[], b: number[]) {
  let agree = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      total++;
      if (Math.sign(a[i] - a[j]) === Math.sign(b[i] - b[j])) agree++;
    }
  }
  return agree / total;
}

function randomEncs(n: number, seqLen: number, vocab: number, clsId: number, seed: number): Enc[] {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const len = 4 + Math.floor(rnd() * (seqLen - 4));
    const ids = Array.from({ length: len }, (_, i) => (i === 0 ? clsId : 5 + Math.floor(rnd() * (vocab - 5))));
    return { ids, mask: ids.map(() => 1), types: ids.map((_, i) => (i > len / 2 ? 1 : 0)) };
  });
}

async function optimizedHistogram(modelPath: string) {
  const optimizedModelFilePath = `${modelPath}.optimized.onnx`;
  await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'extended', optimizedModelFilePath });
  return opHistogram(fs.readFileSync(optimizedModelFilePath));
}

describe('int8 variant (onnx/model_quantized.onnx)', () => {
  let tmp: string;
  let m: any;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-int8-'));
    m = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'q'), seed: 7, quantize: 'int8' });
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('decodeModel/encodeModel round-trips generated models byte for byte', () => {
    const buf = fs.readFileSync(m.modelPath);
    expect(encodeModel(decodeModel(buf)).equals(buf)).toBe(true);
    const qbuf = fs.readFileSync(m.quantizedModelPath);
    expect(encodeModel(decodeModel(qbuf)).equals(qbuf)).toBe(true);
  });

  it('has the graph quantize_dynamic writes (QInt8 weights, QUInt8 activations, per-tensor)', () => {
    expect(m.quantizedModelPath).toBe(path.join(m.dir, 'onnx', 'model_quantized.onnx'));
    // model.onnx is unchanged by the option.
    const plain = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'plain'), seed: 7 });
    expect(fs.readFileSync(plain.modelPath).equals(fs.readFileSync(m.modelPath))).toBe(true);
    expect(fs.existsSync(path.join(plain.dir, 'onnx', 'model_quantized.onnx'))).toBe(false);

    const qbuf = fs.readFileSync(m.quantizedModelPath);
    const h = opHistogram(qbuf);
    // 2 layers x (Q, K, V, attention output, FFN in, FFN out); one DynamicQuantizeLinear per distinct input
    // (Q/K/V share theirs); attention-score MatMuls stay float.
    expect(h.MatMulInteger).toBe(12);
    expect(h.DynamicQuantizeLinear).toBe(8);
    expect(h.MatMul).toBe(4);
    expect(h.Gemm).toBe(2);
    expect(h.Cast).toBe(12 + 1);
    const model = decodeModel(qbuf);
    expect(model.opsetImports).toEqual([{ domain: '', version: 14 }, { domain: 'com.microsoft', version: 1 }]);
    expect(model.producerName).toBe('onnx.quantize');
    const inits = new Map<string, any>(model.graph.initializers.map((t: any) => [t.name, t]));
    const w = 'bert.encoder.layer.0.attention.self.query.weight';
    expect(inits.has(w)).toBe(false);
    expect(inits.get(`${w}_quantized`)).toMatchObject({ dataType: 3, dims: [32, 32] });
    expect(inits.get(`${w}_scale`)).toMatchObject({ dataType: 1, dims: [] });
    expect(inits.get(`${w}_zero_point`)).toMatchObject({ dataType: 3, dims: [] });
    expect(inits.get(`${w}_zero_point`).raw[0]).toBe(0);
    // Embeddings and the Gemm heads stay float.
    expect(inits.get('bert.embeddings.word_embeddings.weight').dataType).toBe(1);
    expect(inits.get('classifier.weight').dataType).toBe(1);
    const raw: Buffer = inits.get(`${w}_quantized`).raw;
    const q = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    expect(q.length).toBe(32 * 32);
    expect(Math.max(...Array.from(q).map(Math.abs))).toBe(127);
    // MatMulInteger(x_quantized, W_quantized, x_zero_point, W_zero_point) -> Cast -> Mul(., Mul(x_scale, W_scale))
    const mmi = model.graph.nodes.find((n: any) => n.opType === 'MatMulInteger' && n.inputs[1] === `${w}_quantized`);
    expect(mmi.inputs[0]).toMatch(/_quantized$/);
    expect(mmi.inputs[2]).toMatch(/_zero_point$/);
    expect(mmi.inputs[3]).toBe(`${w}_zero_point`);
    const cast = model.graph.nodes.find((n: any) => n.inputs[0] === mmi.outputs[0]);
    expect(cast.opType).toBe('Cast');
    const mul = model.graph.nodes.find((n: any) => n.inputs[0] === cast.outputs[0]);
    expect(mul.opType).toBe('Mul');
    const scales = model.graph.nodes.find((n: any) => n.outputs[0] === mul.inputs[1]);
    expect(scales.opType).toBe('Mul');
    expect(scales.inputs[1]).toBe(`${w}_scale`);
  });

  it('writeQuantizedVariant(dir) writes the same bytes beside an existing model.onnx', () => {
    const plain = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, 'later'), seed: 7 });
    const r = writeQuantizedVariant(plain.dir);
    expect(r.path).toBe(path.join(plain.dir, 'onnx', 'model_quantized.onnx'));
    expect(r.quantizedMatMuls).toBe(12);
    expect(fs.readFileSync(r.path).equals(fs.readFileSync(m.quantizedModelPath))).toBe(true);
    const named = writeQuantizedVariant(plain.dir, { fileName: 'model_int8.onnx' });
    expect(fs.existsSync(path.join(plain.dir, 'onnx', 'model_int8.onnx'))).toBe(true);
    expect(named.bytes).toBe(r.bytes);
  });

  it('runs in onnxruntime-node, tracks the fp32 logits, and ORT fuses it into DynamicQuantizeMatMul', async () => {
    const fp = await ort.InferenceSession.create(m.modelPath, { intraOpNumThreads: 1 });
    const q8 = await ort.InferenceSession.create(m.quantizedModelPath, { intraOpNumThreads: 1 });
    expect(q8.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    const encs = randomEncs(48, 64, 3000, 2, 11);
    const feeds = batchFeeds(encs);
    const a = Array.from((await fp.run(feeds)).logits.data as Float32Array);
    const b = Array.from((await q8.run(feeds)).logits.data as Float32Array);
    expect(b.every(Number.isFinite)).toBe(true);
    const diffs = a.map((v, i) => Math.abs(v - b[i]));
    const spread = Math.max(...a) - Math.min(...a);
    // Random-weight fixtures amplify rounding more than trained models; still a small share of the spread
    // (tiny, seed 7: max 0.16, mean 0.04 over a spread of 4.5).
    expect(Math.max(...diffs)).toBeLessThan(0.08 * spread);
    expect(diffs.reduce((x, y) => x + y, 0) / diffs.length).toBeLessThan(0.02 * spread);
    expect(Math.max(...diffs)).toBeGreaterThan(1e-4); // it really is quantized
    expect(orderAgreement(a, b)).toBeGreaterThan(0.9);
    // DynamicQuantizeLinear takes one (min, max) over the whole batch tensor, so int8 scores depend on the
    // batch's other rows a little: unlike fp32, "alone == in a batch" holds only to about 1e-2, not 1e-5.
    const alone = (await q8.run(batchFeeds([encs[0]]))).logits.data[0] as number;
    expect(Math.abs(alone - b[0])).toBeLessThan(0.03 * spread);

    const h = await optimizedHistogram(m.quantizedModelPath);
    expect(h['com.microsoft:DynamicQuantizeMatMul']).toBe(6); // single-consumer inputs: attention output, FFN in/out
    expect(h['com.microsoft:MatMulIntegerToFloat']).toBe(6); // Q/K/V share one DynamicQuantizeLinear
    expect(h.DynamicQuantizeLinear).toBe(2);
    expect(h.MatMulInteger).toBeUndefined();
    expect(h.LayerNormalization).toBe(5);
  });
});

// ---------------------------------------------------------------- XLMRobertaForSequenceClassification

function xlmrFeeds(rows: number[][], opts: { pad?: number; extra?: number; maskedAt?: number } = {}) {
  const { pad = 1, extra = 0 } = opts;
  const B = rows.length;
  const S = Math.max(...rows.map((r) => r.length)) + extra;
  const ids = new BigInt64Array(B * S).fill(BigInt(pad));
  const mask = new BigInt64Array(B * S);
  rows.forEach((r, b) => r.forEach((v, i) => {
    ids[b * S + i] = BigInt(v);
    mask[b * S + i] = i === opts.maskedAt ? 0n : 1n;
  }));
  const t = (a: BigInt64Array) => new ort.Tensor('int64', a, [B, S]);
  return { input_ids: t(ids), attention_mask: t(mask) };
}

describe('XLMRobertaForSequenceClassification variant', () => {
  let tmp: string;
  let x: any;
  let rows: number[][];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-xlmr-'));
    // tokenizer: false -> model only (never needs ../shared); the tokenizer files have their own test file.
    x = generateXlmRobertaModel({ ...PRESETS.tinyXlmr, dir: path.join(tmp, 'x'), seed: 5, tokenizer: false, vocabSize: 8000 });
    rows = randomEncs(6, 40, 8000, 0, 3).map((e) => [...e.ids, 2]);
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes config.json / tokenizer_config.json as HF does for XLM-R', () => {
    expect(x.architecture).toBe('xlm-roberta');
    expect(x.tokenizerPath).toBeNull();
    const cfg = JSON.parse(fs.readFileSync(x.configPath, 'utf8'));
    expect(cfg).toMatchObject({
      architectures: ['XLMRobertaForSequenceClassification'], model_type: 'xlm-roberta',
      pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, max_position_embeddings: 514, type_vocab_size: 1,
      vocab_size: 8000, layer_norm_eps: 1e-5, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4,
      intermediate_size: 64, position_embedding_type: 'absolute',
    });
    const tc = JSON.parse(fs.readFileSync(x.tokenizerConfigPath, 'utf8'));
    expect(tc).toMatchObject({
      model_max_length: 512, tokenizer_class: 'XLMRobertaTokenizer', bos_token: '<s>', cls_token: '<s>',
      eos_token: '</s>', sep_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', mask_token: '<mask>',
    });
    expect(tc.added_tokens_decoder['7999']).toMatchObject({ content: '<mask>', lstrip: true, special: true });
    const stm = JSON.parse(fs.readFileSync(x.specialTokensMapPath, 'utf8'));
    expect(stm.mask_token).toMatchObject({ content: '<mask>', lstrip: true });
    expect(x.specialIds).toEqual({ '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, '<mask>': 7999 });
  });

  it('has only input_ids and attention_mask; positions from a CumSum over input_ids != 1', () => {
    const s = decodeModelSummary(fs.readFileSync(x.modelPath));
    expect(s.graph.inputs).toEqual(['input_ids', 'attention_mask']);
    expect(s.graph.outputs).toEqual(['logits']);
    const h = opHistogram(fs.readFileSync(x.modelPath));
    expect(h).toMatchObject({ CumSum: 1, Equal: 1, Not: 1, Slice: 1, Tanh: 1, Gemm: 2 });
    expect(h.Range).toBeUndefined();
    const dims = Object.fromEntries(s.graph.initializers.map((t: any) => [t.name, t.dims]));
    expect(dims['roberta.embeddings.position_embeddings.weight']).toEqual([514, 32]);
    expect(dims['roberta.embeddings.token_type_embeddings.weight']).toEqual([1, 32]);
    expect(dims['classifier.dense.weight']).toEqual([32, 32]);
    expect(dims['classifier.out_proj.weight']).toEqual([1, 32]);
    expect(dims['bert.pooler.dense.weight']).toBeUndefined();
  });

  it('runs in onnxruntime-node; padding with id 1 (and masked id-1 tokens anywhere) change nothing', async () => {
    const sess = await ort.InferenceSession.create(x.modelPath, { intraOpNumThreads: 1 });
    expect(sess.inputNames).toEqual(['input_ids', 'attention_mask']);
    expect(sess.outputNames).toEqual(['logits']);
    const run = async (f: any) => Array.from((await sess.run(f)).logits.data as Float32Array);
    const batch = await run(xlmrFeeds(rows));
    expect(batch.every(Number.isFinite)).toBe(true);
    const sorted = [...batch].sort((p, q) => p - q);
    expect(sorted[sorted.length - 1] - sorted[0]).toBeGreaterThan(0.3);
    for (let i = 0; i < rows.length; i++) {
      const alone = (await run(xlmrFeeds([rows[i]])))[0];
      expect(Math.abs(alone - batch[i])).toBeLessThan(1e-5);
    }
    const padded = await run(xlmrFeeds(rows, { extra: 9 }));
    padded.forEach((v, i) => expect(Math.abs(v - batch[i])).toBeLessThan(1e-5));
    // The positions come from input_ids: a masked <pad> (id 1) inside a sequence does not advance them,
    // so it is invisible; a masked non-pad id does advance them, so it changes the score.
    const insert = (id: number) => rows.map((r) => [...r.slice(0, 5), id, ...r.slice(5)]);
    const withPad = await run(xlmrFeeds(insert(1), { maskedAt: 5 }));
    withPad.forEach((v, i) => expect(Math.abs(v - batch[i])).toBeLessThan(1e-5));
    const withOther = await run(xlmrFeeds(insert(7), { maskedAt: 5 }));
    expect(Math.max(...withOther.map((v, i) => Math.abs(v - batch[i])))).toBeGreaterThan(1e-3);
    // Lengths up to max_position_embeddings - 2 = 512.
    const long = await run(xlmrFeeds([Array.from({ length: 512 }, (_, i) => (i === 0 ? 0 : 10 + (i % 500)))]));
    expect(Number.isFinite(long[0])).toBe(true);
  });

  it('is deterministic, supports several labels and an int8 variant', async () => {
    const again = generateXlmRobertaModel({ ...PRESETS.tinyXlmr, dir: path.join(tmp, 'x2'), seed: 5, tokenizer: false, vocabSize: 8000 });
    expect(fs.readFileSync(again.modelPath).equals(fs.readFileSync(x.modelPath))).toBe(true);
    // generateBertModel({ architecture: 'xlm-roberta' }) is the same generator.
    const viaBert = generateBertModel({
      ...PRESETS.tinyXlmr, dir: path.join(tmp, 'x3'), seed: 5, tokenizer: false, vocabSize: 8000, numLabels: 3, quantize: 'int8',
    });
    expect(viaBert.architecture).toBe('xlm-roberta');
    const s3 = await ort.InferenceSession.create(viaBert.modelPath, { intraOpNumThreads: 1 });
    const out = (await s3.run(xlmrFeeds(rows))).logits;
    expect(out.dims).toEqual([rows.length, 3]);
    const q8 = await ort.InferenceSession.create(viaBert.quantizedModelPath, { intraOpNumThreads: 1 });
    expect(q8.inputNames).toEqual(['input_ids', 'attention_mask']);
    const qo = (await q8.run(xlmrFeeds(rows))).logits;
    expect(Array.from(qo.data as Float32Array).every(Number.isFinite)).toBe(true);
    const h = await optimizedHistogram(viaBert.quantizedModelPath);
    expect(h['com.microsoft:DynamicQuantizeMatMul']).toBe(6);
  });

  it('ensureXlmrFixture caches model-only folders like ensureFixture', () => {
    const baseDir = path.join(tmp, 'ensure');
    const a = ensureXlmrFixture('tiny-xlmr', { baseDir, tokenizer: false, vocabSize: 8000, seed: 2 });
    expect(a.cached).toBe(false);
    expect(a.architecture).toBe('xlm-roberta');
    expect(a.modelPath).toBe(path.join(baseDir, 'tiny-xlmr', 'onnx', 'model.onnx'));
    const b = ensureXlmrFixture('tiny-xlmr', { baseDir, tokenizer: false, vocabSize: 8000, seed: 2 });
    expect(b.cached).toBe(true);
    const c = ensureFixture('tiny-xlmr', { baseDir, preset: 'tinyXlmr', tokenizer: false, vocabSize: 8000, seed: 2, quantize: 'int8' });
    expect(c.cached).toBe(false);
    expect(c.quantizedModelPath).toBe(path.join(baseDir, 'tiny-xlmr', 'onnx', 'model_quantized.onnx'));
    expect(fs.existsSync(c.quantizedModelPath)).toBe(true);
  });
});
