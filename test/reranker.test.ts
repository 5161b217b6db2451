import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker } from '../lib/index';
import { fixture, HAVE_SHARED, SHARED_MISSING_MESSAGE } from './support/fixtures';
import { ReferencePipeline } from './support/reference';

const QUERY = 'how do cross encoders rank passages?';
const DOCS = [
  'A cross-encoder reads the query and the passage together and outputs a relevance score.',
  'Bananas are rich in potassium.',
  'Rerankers [SEP] re-score the candidates that a fast retriever returned.',
  '',
  'Ünïcödé àccents, 中文字符, emoji 👍🏽 and a very long word ' + 'x'.repeat(150),
  'the quick brown fox jumps over the lazy dog '.repeat(80), // longer than maxLength: truncated
];

async function expectLogitParity(
  modelDir: string,
  pairs: Array<[string, string]>,
  options: { modelFile?: string; maxBatchSize?: number } = {},
): Promise<void> {
  const reranker = await Reranker.load(modelDir, { activation: 'none', ...options });
  const reference = await ReferencePipeline.load(
    path.join(modelDir, 'tokenizer.json'),
    reranker.info.modelPath,
    reranker.info.maxLength,
  );
  try {
    const scores = await reranker.score(pairs);
    const labels = reranker.info.numLabels;
    let worst = 0;
    for (let i = 0; i < pairs.length; i++) {
      const expected = await reference.logits(pairs[i][0], pairs[i][1]);
      for (let j = 0; j < labels; j++) worst = Math.max(worst, Math.abs(scores[i * labels + j] - expected[j]));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
  } finally {
    await reranker.close();
    await reference.release();
  }
}

describe('Reranker on a generated BERT cross-encoder', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('tiny'));
  });
  afterAll(() => reranker.close());

  it('describes the model it loaded', () => {
    expect(reranker.info).toMatchObject({
      numLabels: 1,
      maxLength: 512,
      activation: 'sigmoid',
      truncation: 'longest_first',
      outputName: 'logits',
      device: 'cpu',
      // rerank()'s effective defaults
      maxQueryLength: 256,
      longDocuments: 'truncate',
      chunkOverlap: 80,
      maxChunksPerDoc: 10,
    });
    expect(reranker.info.inputNames.sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
    expect(reranker.info.ortVersion).toMatch(/^1\.\d+\.\d+/);
    expect(reranker.info.modelPath).toBe(path.join(fixture('tiny'), 'onnx', 'model.onnx'));
  });

  it('returns a Float32Array of sigmoid scores in input order', async () => {
    const pairs = DOCS.map((d) => [QUERY, d] as [string, string]);
    const scores = await reranker.score(pairs);
    expect(scores).toBeInstanceOf(Float32Array);
    expect(scores.length).toBe(DOCS.length);
    for (const s of scores) expect(s > 0 && s < 1).toBe(true);
    // Input order: each pair scored alone gives the same value at the same position.
    for (let i = 0; i < pairs.length; i++) {
      const [alone] = await reranker.score([pairs[i]]);
      expect(Math.abs(alone - scores[i])).toBeLessThan(1e-5);
    }
  });

  it('gives an empty array for no pairs', async () => {
    const scores = await reranker.score([]);
    expect(scores).toBeInstanceOf(Float32Array);
    expect(scores.length).toBe(0);
  });

  it('reranks best first, with topK and returnDocuments', async () => {
    const scores = await reranker.score(DOCS.map((d) => [QUERY, d]));
    const ranked = await reranker.rerank(QUERY, DOCS);
    expect(ranked.map((r) => r.index).sort()).toEqual(DOCS.map((_, i) => i));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].score).toBeGreaterThanOrEqual(ranked[i].score);
    for (const r of ranked) {
      expect(r.score).toBeCloseTo(scores[r.index], 6);
      expect(r).not.toHaveProperty('document');
    }
    const top = await reranker.rerank(QUERY, DOCS, { topK: 2, returnDocuments: true });
    expect(top).toEqual(ranked.slice(0, 2).map((r) => ({ ...r, document: DOCS[r.index] })));
    expect(await reranker.rerank(QUERY, [])).toEqual([]);
  });
});

describe('logit parity with onnxruntime-node + Hugging Face tokenizers', () => {
  const pairs = DOCS.flatMap((d) => [[QUERY, d] as [string, string], [d, QUERY] as [string, string]]);

  it('matches within 1e-4 on the project tokenizer', () => expectLogitParity(fixture('tiny'), pairs));

  it('matches within 1e-4 for a three-label model', () => expectLogitParity(fixture('tiny-3-labels'), pairs));

  // Dynamic int8 quantization picks one scale per batch, so pairs run one at a time, as the reference does.
  it('matches within 1e-4 on the int8 variant chosen with modelFile', () =>
    expectLogitParity(fixture('tiny'), pairs, { modelFile: 'model_quantized.onnx', maxBatchSize: 1 }));

  it('matches within 1e-4 on a graph with float16 logits (as fp16 exports have), close to its float32 twin', async () => {
    await expectLogitParity(fixture('tiny-fp16-logits'), pairs);
    const half = await Reranker.load(fixture('tiny-fp16-logits'), { activation: 'none' });
    const full = await Reranker.load(fixture('tiny'), { activation: 'none' });
    try {
      expect(half.info.logitsType).toBe('float16');
      expect(full.info.logitsType).toBe('float32');
      expect(full.info.inputMemory).toBe('host'); // pinned staging is for CUDA only
      const [a, b] = await Promise.all([half.score(pairs), full.score(pairs)]);
      // float16 keeps 11 significant bits: a relative error of at most 2^-11.
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(Math.abs(b[i]) * 2 ** -11 + 1e-7);
    } finally {
      await Promise.all([half.close(), full.close()]);
    }
  });

  it("matches within 1e-4 with truncationDirection 'left' (Hugging Face's direction Left)", async () => {
    const reranker = await Reranker.load(fixture('tiny'), { activation: 'none', truncationDirection: 'left' });
    const reference = await ReferencePipeline.load(
      path.join(fixture('tiny'), 'tokenizer.json'),
      reranker.info.modelPath,
      reranker.info.maxLength,
      'left',
    );
    try {
      const scores = await reranker.score(pairs);
      let worst = 0;
      for (let i = 0; i < pairs.length; i++) {
        worst = Math.max(worst, Math.abs(scores[i] - (await reference.logits(pairs[i][0], pairs[i][1]))[0]));
      }
      expect(worst).toBeLessThanOrEqual(1e-4);
    } finally {
      await Promise.all([reranker.close(), reference.release()]);
    }
  });

  it.skipIf(!HAVE_SHARED)(`matches within 1e-4 with bert-base-uncased's tokenizer (${HAVE_SHARED ? 'shared files present' : SHARED_MISSING_MESSAGE})`, () =>
    expectLogitParity(fixture('tiny-bert-vocab'), pairs),
  );
});

describe('activation', () => {
  const pairs: Array<[string, string]> = [[QUERY, DOCS[0]], [QUERY, DOCS[1]]];

  it('applies softmax per row on a multi-label model when asked, identity by default', async () => {
    const plain = await Reranker.load(fixture('tiny-3-labels'));
    const soft = await Reranker.load(fixture('tiny-3-labels'), { activation: 'softmax' });
    try {
      expect(plain.info.activation).toBe('none');
      expect(plain.info.numLabels).toBe(3);
      const logits = await plain.score(pairs);
      const probs = await soft.score(pairs);
      expect(probs.length).toBe(6);
      for (let row = 0; row < 2; row++) {
        const l = Array.from(logits.subarray(row * 3, row * 3 + 3));
        const max = Math.max(...l);
        const e = l.map((x) => Math.exp(x - max));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < 3; j++) expect(probs[row * 3 + j]).toBeCloseTo(e[j] / sum, 6);
      }
      await expect(plain.rerank(QUERY, DOCS)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await plain.close();
      await soft.close();
    }
  });

  it("follows config.json's sentence-transformers activation, and the option overrides it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-activation-'));
    try {
      fs.cpSync(fixture('tiny'), dir, { recursive: true });
      const configPath = path.join(dir, 'config.json');
      const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
      config.sentence_transformers = { activation_fn: 'torch.nn.modules.linear.Identity' };
      fs.writeFileSync(configPath, JSON.stringify(config));

      const identity = await Reranker.load(dir);
      const sigmoid = await Reranker.load(dir, { activation: 'sigmoid' });
      expect(identity.info.activation).toBe('none');
      const [logit] = await identity.score([pairs[0]]);
      const [prob] = await sigmoid.score([pairs[0]]);
      expect(prob).toBeCloseTo(1 / (1 + Math.exp(-logit)), 6);
      await identity.close();
      await sigmoid.close();

      delete config.sentence_transformers;
      config.sbert_ce_default_activation_function = 'torch.nn.modules.linear.Identity';
      fs.writeFileSync(configPath, JSON.stringify(config));
      const legacy = await Reranker.load(dir);
      expect(legacy.info.activation).toBe('none');
      await legacy.close();

      config.sbert_ce_default_activation_function = 'torch.nn.modules.activation.Tanhshrink';
      fs.writeFileSync(configPath, JSON.stringify(config));
      await expect(Reranker.load(dir)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('maxLength and truncation', () => {
  it('truncates long pairs to maxLength the way Hugging Face does', async () => {
    const long = 'the quick brown fox jumps over the lazy dog '.repeat(40);
    const short = await Reranker.load(fixture('tiny'), { maxLength: 32, activation: 'none' });
    const reference = await ReferencePipeline.load(
      path.join(fixture('tiny'), 'tokenizer.json'),
      path.join(fixture('tiny'), 'onnx', 'model.onnx'),
      32,
    );
    try {
      expect(short.info.maxLength).toBe(32);
      const [score] = await short.score([[long, long + ' tail']]);
      const [expected] = await reference.logits(long, long + ' tail');
      expect(Math.abs(score - expected)).toBeLessThanOrEqual(1e-4);
    } finally {
      await short.close();
      await reference.release();
    }
  });

  it('rejects a maxLength beyond the model limit', async () => {
    await expect(Reranker.load(fixture('tiny'), { maxLength: 4096 })).rejects.toSatisfy(
      (e: unknown) => e instanceof CrossrankError && e.code === 'INVALID_ARGUMENT' && /maxLength/.test(e.message),
    );
  });

  it('rejects only_first when the query is too short to truncate, without disturbing the reranker', async () => {
    const onlyFirst = await Reranker.load(fixture('tiny'), { maxLength: 16, truncation: 'only_first' });
    try {
      const long = 'word '.repeat(100);
      await expect(onlyFirst.score([['short query', long]])).rejects.toMatchObject({ code: 'TRUNCATION_ERROR' });
      const [ok] = await onlyFirst.score([[long, 'short document']]);
      expect(Number.isFinite(ok)).toBe(true);
    } finally {
      await onlyFirst.close();
    }
  });
});
