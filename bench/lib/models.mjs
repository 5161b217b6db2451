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
 * Generate bench/.models/minilm-l6 if absent (cached by the generator's own stamp), and the int8
 * variant if the generator can write one. Returns { dir, parameterCount, int8: path|null, int8Note }.
 */
export async function ensureModels({ log = console.log, wantInt8 = true } = {}) {
  const g = await gen();
  const t0 = performance.now();
  const canQuantize = typeof g.writeQuantizedVariant === 'function';
  const r = g.ensureFixture(MODEL_NAME, { preset: 'minilmL6', baseDir: MODELS_DIR, ...(wantInt8 && canQuantize ? { quantize: 'int8' } : {}) });
  if (!r.cached) log(`generated ${path.relative(REPO_ROOT, r.modelPath)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const q = path.join(r.dir, INT8_FILE);
  let int8Note = null;
  if (wantInt8 && !fs.existsSync(q)) {
    const t1 = performance.now();
    try {
      if (typeof g.writeQuantizedVariant === 'function') {
        await g.writeQuantizedVariant(r.dir);
      } else if (typeof g.quantizeModel === 'function') {
        await g.quantizeModel(path.join(r.dir, 'onnx', 'model.onnx'), q);
      } else {
        int8Note = 'test/fixtures/generate.mjs has no int8 writer (writeQuantizedVariant) yet: int8 rows skipped';
      }
    } catch (e) {
      int8Note = `int8 variant could not be written: ${e.message}`;
    }
    if (fs.existsSync(q)) log(`wrote ${path.relative(REPO_ROOT, q)} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    else int8Note ??= `the generator did not write ${INT8_FILE}: int8 rows skipped`;
  }
  return { dir: r.dir, parameterCount: r.parameterCount, int8: fs.existsSync(q) ? q : null, int8Note };
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

/**
 * Write a one-node graph Y = A[n,n] x B[n,n] with B a constant initializer (so ORT prepacks it,
 * as it does model weights). precision 'fp32': MatMul; 'int8': com.microsoft DynamicQuantizeMatMul
 * (float A quantized on the fly, int8 B) - the op ORT fuses dynamically quantized models into.
 */
export async function gemmModel(n, precision) {
  const { encodeModel, DataType } = await import(path.join(REPO_ROOT, 'test', 'fixtures', 'onnx-proto.mjs'));
  const file = path.join(MODELS_DIR, `gemm-${precision}-${n}.onnx`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(MODELS_DIR, { recursive: true });
  const inputs = [{ name: 'A', elemType: DataType.FLOAT, shape: [n, n] }];
  const outputs = [{ name: 'Y', elemType: DataType.FLOAT, shape: [n, n] }];
  let nodes;
  let initializers;
  const opsetImports = [{ domain: '', version: 14 }];
  if (precision === 'fp32') {
    initializers = [{ name: 'B', dims: [n, n], dataType: DataType.FLOAT, raw: seededBytes(n * n, 7, 'float') }];
    nodes = [{ name: 'mm', opType: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }];
  } else {
    const scale = Buffer.alloc(4);
    scale.writeFloatLE(0.01);
    initializers = [
      { name: 'B', dims: [n, n], dataType: DataType.INT8, raw: seededBytes(n * n, 7, 'int8') },
      { name: 'B_scale', dims: [], dataType: DataType.FLOAT, raw: scale },
      { name: 'B_zp', dims: [], dataType: DataType.INT8, raw: Buffer.alloc(1) },
    ];
    nodes = [{ name: 'dqmm', opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', inputs: ['A', 'B', 'B_scale', 'B_zp'], outputs: ['Y'] }];
    opsetImports.push({ domain: 'com.microsoft', version: 1 });
  }
  const buf = encodeModel({
    irVersion: 8,
    producerName: 'crossrank-bench',
    opsetImports,
    graph: { name: `gemm_${precision}_${n}`, nodes, initializers, inputs, outputs },
  });
  fs.writeFileSync(file, buf);
  return file;
}
