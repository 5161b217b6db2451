// Model files for the benchmark: the MiniLM-L6-shaped cross-encoder (fp32 + int8 when the
// project's generator can write it), the GEMM-ceiling graphs, and the FLOP model.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const MODELS_DIR = path.join(REPO_ROOT, 'bench', '.models');
export const MODEL_NAME = 'minilm-l6';
export const MODEL_DIR = path.join(MODELS_DIR, MODEL_NAME);
export const INT8_FILE = 'onnx/model_quantized.onnx';

const gen = () => import(path.join(REPO_ROOT, 'test', 'fixtures', 'generate.mjs'));

/**
 * The multi-model rows' second model: cross-encoder/ms-marco-TinyBERT-L-4-shaped (4 layers, hidden
 * 312, 12 heads, FFN 1200, the same bert-base-uncased vocabulary), so that both models have
 * different shapes and costs.
 */
export const SECOND_MODEL_NAME = 'tinybert-l4';
const secondModelOptions = (g) => ({
  layers: 4, hidden: 312, heads: 12, intermediate: 1200, vocabSize: 30522, maxPosition: 512, tokenizer: g.BERT_BASE_UNCASED_TOKENIZER,
});

/**
 * Generate one model folder under bench/.models, int8 variant included (cached by the generator's
 * own stamp, which includes the options: asking for int8 only sometimes would regenerate it).
 */
async function ensureModel(name, options, { log }) {
  const g = await gen();
  const t0 = performance.now();
  const r = g.ensureFixture(name, { ...options(g), baseDir: MODELS_DIR, quantize: 'int8' });
  if (!r.cached) log(`generated ${path.relative(REPO_ROOT, r.dir)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const q = path.join(r.dir, INT8_FILE);
  return { dir: r.dir, parameterCount: r.parameterCount, int8: fs.existsSync(q) ? q : null };
}

/**
 * Generate bench/.models/minilm-l6 (and, with `second`, bench/.models/tinybert-l4) if absent, with
 * their int8 `quantize_dynamic` variants. Returns { dir, parameterCount, int8, second }.
 */
export async function ensureModels({ log = console.log, second = false } = {}) {
  const main = await ensureModel(MODEL_NAME, () => ({ preset: 'minilmL6' }), { log });
  return { ...main, second: second ? await ensureModel(SECOND_MODEL_NAME, secondModelOptions, { log }) : null };
}

/** Model dimensions read from config.json. */
export function modelDims(dir = MODEL_DIR) {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  return {
    layers: c.num_hidden_layers,
    hidden: c.hidden_size,
    intermediate: c.intermediate_size,
    heads: c.num_attention_heads,
    numLabels: Object.keys(c.id2label ?? { 0: 0 }).length,
  };
}

/**
 * Useful FLOPs of one pair of `t` real tokens (no padding):
 *   2 x (per-token weight MACs of all layers) x t   -- Q,K,V,O projections 4H^2, FFN 2HI
 * + 4 x layers x hidden x t^2                       -- QK^T and attention x V
 * + pooler/classifier on [CLS] (2H^2 + 2H*labels).
 * Embedding lookups, LayerNorm, softmax and GELU are not counted (memory-bound, small).
 */
export function pairFlops(dims, t) {
  const { layers: L, hidden: H, intermediate: I, numLabels } = dims;
  const perTokenMacs = L * (4 * H * H + 2 * H * I);
  return 2 * perTokenMacs * t + 4 * L * H * t * t + 2 * H * H + 2 * H * numLabels;
}

/** Non-embedding weight parameters that enter the per-token GEMMs (for the report). */
export function gemmParams(dims) {
  const { layers: L, hidden: H, intermediate: I } = dims;
  return L * (4 * H * H + 2 * H * I);
}

// ------------------------------------------------------------------ GEMM ceiling graphs

/**
 * The model's own weight GEMMs, per token: Q, K and V (three [H x H] products of one input, as the
 * export has them), the same fused into one [H x 3H] (what a fused export would run), the attention
 * output [H x H], FFN up [H x I] and down [I x H]. `outs` are the output widths of GEMMs that share
 * one input (and, in int8, one DynamicQuantizeLinear).
 */
export function gemmShapes(dims) {
  const { hidden: H, intermediate: I } = dims;
  return [
    { name: 'qkv', k: H, outs: [H, H, H] },
    { name: 'qkv-fused', k: H, outs: [3 * H] },
    { name: 'attn-out', k: H, outs: [H] },
    { name: 'ffn-up', k: H, outs: [I] },
    { name: 'ffn-down', k: I, outs: [H] },
  ];
}

/** FLOPs of one run of a gemmShapes() entry over `rows` tokens. */
export const gemmFlops = (shape, rows) => 2 * rows * shape.k * shape.outs.reduce((a, b) => a + b, 0);

/**
 * The ceiling graphs' variants. 'fp32': MatMul with constant weights (ORT prepacks them, as it does
 * the model's). 'int8': the model's own int8 pattern, written by the same quantize_dynamic rewrite
 * (test/fixtures/quantize.mjs: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul, which ORT
 * fuses as it does in the model). 'int8-kernel': MatMulInteger alone on an already-quantized uint8
 * input, int32 out: the bare u8s8 kernel, without the quantize/dequantize work the model also does,
 * so an upper bound even where the model shares one quantization among several GEMMs.
 */
export const GEMM_VARIANTS = { fp32: ['fp32'], int8: ['int8', 'int8-kernel'] };

/**
 * Write (once) the graph of one gemmShapes() entry in one variant: input X [rows, k] (rows
 * symbolic), one output per GEMM, weights as initializers.
 */
export async function gemmModel(shape, variant) {
  const { encodeModel, DataType } = await import(path.join(REPO_ROOT, 'test', 'fixtures', 'onnx-proto.mjs'));
  const file = path.join(MODELS_DIR, 'gemm', `${variant}-${shape.name}-${shape.k}x${shape.outs.join('+')}.onnx`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const kernelOnly = variant === 'int8-kernel';
  const inputs = [{ name: 'X', elemType: kernelOnly ? DataType.UINT8 : DataType.FLOAT, shape: ['rows', shape.k] }];
  const outputs = shape.outs.map((n, i) => ({ name: `Y${i}`, elemType: kernelOnly ? DataType.INT32 : DataType.FLOAT, shape: ['rows', n] }));
  const initializers = [];
  const nodes = [];
  shape.outs.forEach((n, i) => {
    if (kernelOnly) {
      initializers.push({ name: `W${i}`, dims: [shape.k, n], dataType: DataType.INT8, raw: seededBytes(shape.k * n, 7 + i, 'int8') });
      nodes.push({ name: `mm${i}`, opType: 'MatMulInteger', domain: '', inputs: ['X', `W${i}`, 'X_zp', `W${i}_zp`], outputs: [`Y${i}`], attributes: [] });
      initializers.push({ name: `W${i}_zp`, dims: [], dataType: DataType.INT8, raw: Buffer.alloc(1) });
    } else {
      initializers.push({ name: `W${i}`, dims: [shape.k, n], dataType: DataType.FLOAT, raw: seededBytes(shape.k * n, 7 + i, 'float') });
      nodes.push({ name: `mm${i}`, opType: 'MatMul', domain: '', inputs: ['X', `W${i}`], outputs: [`Y${i}`], attributes: [] });
    }
  });
  if (kernelOnly) initializers.push({ name: 'X_zp', dims: [], dataType: DataType.UINT8, raw: Buffer.from([128]) });
  const model = {
    irVersion: 8,
    producerName: 'crossrank-bench',
    opsetImports: [{ domain: '', version: 14 }],
    graph: { name: `gemm_${variant}_${shape.name}`, nodes, initializers, inputs, outputs },
  };
  let buf = encodeModel(model);
  if (variant === 'int8') {
    const { quantizeDynamicBuffer } = await import(path.join(REPO_ROOT, 'test', 'fixtures', 'quantize.mjs'));
    buf = quantizeDynamicBuffer(buf).buffer;
  }
  fs.writeFileSync(file, buf);
  return file;
}

function seededBytes(n, seed, kind) {
  let a = seed >>> 0;
  if (kind === 'float') {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
      f[i] = (a / 4294967296 - 0.5) * 0.1;
    }
    return Buffer.from(f.buffer);
  }
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    b[i] = (a >>> 24) & 0xff;
  }
  return b;
}
