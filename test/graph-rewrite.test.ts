// The load-time graph rewrite (native/runtime/graph_fusion.cc, option graphRewrite): what it fuses on
// the fixture graphs, that scores stay within 1e-4 of the graph as exported (the same file loaded with
// graphRewrite: false), and that what it does not recognise is loaded as it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker } from '../lib/index';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as gen from './fixtures/generate.mjs';
// @ts-ignore -- plain ESM JavaScript without type declarations
import * as proto from './fixtures/onnx-proto.mjs';
import { fixture } from './support/fixtures';

const { generateBertModel, writeMarkerModel, PRESETS } = gen as any;
const { decodeModel, encodeModel } = proto as any;

const QUERY = 'how do cross encoders rank passages?';
// Lengths from a few tokens to past maxLength, so that batches are padded and the mask matters.
const DOCS = [
  'A cross-encoder reads the query and the passage together.',
  'Bananas are rich in potassium.',
  '',
  'the quick brown fox jumps over the lazy dog '.repeat(3),
  'rerankers re-score the candidates that a fast retriever returned '.repeat(9),
  'x',
  'the quick brown fox jumps over the lazy dog '.repeat(80),
];
const PAIRS = DOCS.map((d) => [QUERY, d] as [string, string]);

async function logits(dir: string, options: Record<string, unknown>) {
  const reranker = await Reranker.load(dir, { activation: 'none', maxLength: 128, ...options });
  try {
    return { scores: await reranker.score(PAIRS), fusedOps: reranker.info.fusedOps };
  } finally {
    await reranker.close();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Loads `dir` with and without the rewrite; returns what was fused and the largest logit difference. */
async function compare(dir: string, options: Record<string, unknown> = {}) {
  const plain = await logits(dir, { ...options, graphRewrite: false });
  const fused = await logits(dir, { ...options, graphRewrite: true });
  expect(plain.fusedOps).toEqual({ attention: 0, skipLayerNormalization: 0 });
  return { fusedOps: fused.fusedOps, diff: maxDiff(fused.scores, plain.scores), plain: plain.scores };
}

/** A model folder: the tiny fixture's tokenizer files beside `modelBuf`. */
function folderWith(modelBuf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-rewrite-'));
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    fs.copyFileSync(path.join(fixture('tiny'), file), path.join(dir, file));
  }
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), modelBuf);
  return dir;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('graphRewrite on the fixture graphs', () => {
  it('fuses every attention block and every residual LayerNorm of the BERT fixture, within 1e-4', async () => {
    const { fusedOps, diff } = await compare(fixture('tiny'));
    expect(fusedOps).toEqual({ attention: 2, skipLayerNormalization: 4 });
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('does the same on a wider BERT (hidden 256, 4 layers)', async () => {
    const { fusedOps, diff } = await compare(fixture('medium'));
    expect(fusedOps).toEqual({ attention: 4, skipLayerNormalization: 8 });
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('fuses the XLM-R fixture (two inputs, no token_type_ids), within 1e-4', async () => {
    const { fusedOps, diff } = await compare(fixture('tiny-xlmr-plain')); // the XLM-R fixture that needs nothing from ../shared
    expect(fusedOps).toEqual({ attention: 2, skipLayerNormalization: 4 });
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('int8 graphs get MultiHeadAttention only, whose scores equal the unfused graph', async () => {
    const { fusedOps, diff } = await compare(fixture('tiny'), { modelFile: 'onnx/model_quantized.onnx' });
    // No SkipLayerNormalization: its last-bit differences would flip the next layer's int8 roundings.
    expect(fusedOps).toEqual({ attention: 2, skipLayerNormalization: 0 });
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  it('matches opset-11 exports (Unsqueeze axes as an attribute) and the finfo.min mask of newer transformers', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-rewrite-'));
    made.push(tmp);
    for (const [name, extra] of [
      ['opset11', { opset: 11 }],
      ['finfo-min', { maskValue: -3.4028234663852886e38 }],
    ] as const) {
      const model = generateBertModel({ ...PRESETS.tiny, dir: path.join(tmp, name), seed: 11, ...extra });
      const { fusedOps, diff } = await compare(model.dir);
      expect(fusedOps, name).toEqual({ attention: 2, skipLayerNormalization: 4 });
      expect(diff, name).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('graphRewrite leaves what it does not recognise', () => {
  let tinyModel: any;
  beforeAll(() => {
    tinyModel = decodeModel(fs.readFileSync(path.join(fixture('tiny'), 'onnx', 'model.onnx')));
  });

  /** Loads the edited graph with and without the rewrite: what was fused, and the scores within 1e-4. */
  async function expectFused(model: unknown, expected: { attention: number; skipLayerNormalization: number }) {
    const dir = folderWith(encodeModel(model));
    made.push(dir);
    const { fusedOps, diff } = await compare(dir);
    expect(fusedOps).toEqual(expected);
    expect(diff).toBeLessThanOrEqual(1e-4);
  }

  it('keeps a block that deviates from the pattern and fuses the others', async () => {
    // An Identity between layer 0's Softmax and its MatMul: same function, no longer the pattern.
    const model = structuredClone(tinyModel);
    const nodes = model.graph.nodes;
    const softmax = nodes.findIndex((n: any) => n.opType === 'Softmax');
    const probs = nodes[softmax].outputs[0];
    const consumer = nodes.find((n: any) => n.inputs.includes(probs) && n.opType === 'MatMul');
    consumer.inputs = consumer.inputs.map((i: string) => (i === probs ? `${probs}_identity` : i));
    nodes.splice(softmax + 1, 0, { name: 'probs_identity', opType: 'Identity', domain: '', inputs: [probs], outputs: [`${probs}_identity`], attributes: [] });
    await expectFused(model, { attention: 1, skipLayerNormalization: 4 });
  });

  it('keeps attention whose additive mask is not (1 - attention_mask) * value', async () => {
    // (2 - mask) * -10000: a graph the Attention kernel's own masking would compute differently.
    const model = structuredClone(tinyModel);
    const nodes = model.graph.nodes;
    const cast = nodes.find((n: any) => n.opType === 'Cast');
    const sub = nodes.find((n: any) => n.opType === 'Sub' && n.inputs[1] === cast.outputs[0]);
    const two = Buffer.alloc(4);
    two.writeFloatLE(2);
    model.graph.initializers.push({ name: 'two', dims: [], dataType: 1, raw: two });
    sub.inputs[0] = 'two';
    await expectFused(model, { attention: 0, skipLayerNormalization: 4 });
  });

  it('loads a graph with nothing to fuse as it is', async () => {
    const dir = folderWith(Buffer.alloc(0));
    made.push(dir);
    writeMarkerModel(path.join(dir, 'onnx', 'model.onnx'), 7);
    const { fusedOps, diff, plain } = await compare(dir);
    expect(fusedOps).toEqual({ attention: 0, skipLayerNormalization: 0 });
    expect(diff).toBe(0);
    expect(plain.length).toBe(PAIRS.length);
  });
});

describe('the graphRewrite option', () => {
  it('is off by default (no measured win on 2 cores) and reported on info', async () => {
    for (const [options, expected] of [
      [{}, { attention: 0, skipLayerNormalization: 0 }],
      [{ graphRewrite: true }, { attention: 2, skipLayerNormalization: 4 }],
    ] as const) {
      const reranker = await Reranker.load(fixture('tiny'), options);
      try {
        expect(reranker.info.fusedOps).toEqual(expected);
      } finally {
        await reranker.close();
      }
    }
  });

  it('must be a boolean', async () => {
    const error = await Reranker.load(fixture('tiny'), { graphRewrite: 'yes' as never }).catch((e) => e);
    expect(error).toBeInstanceOf(CrossrankError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/options\.graphRewrite/);
  });
});
