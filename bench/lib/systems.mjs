// The systems under test. Each adapter loads the model folder and exposes
//   score(pairs: [query, doc][]) -> Promise<Float32Array of raw logits, input order>
// so every system does the same job on the same texts and the same ONNX file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { REPO_ROOT, INT8_FILE } from './models.mjs';

const require = createRequire(path.join(REPO_ROOT, 'package.json'));

export const SYSTEMS = ['crossrank', 'ort-naive', 'ort-tuned', 'transformersjs'];
export const TUNED_BUDGETS = [256, 512, 1024, 2048, 4096];
export const PEER_BATCH = 32;

const modelFileOf = (dir, precision) => path.join(dir, precision === 'int8' ? INT8_FILE : 'onnx/model.onnx');

// ------------------------------------------------------------------ crossrank

async function loadCrossrank({ dir, precision, threads, crossrank = {} }) {
  const entry = path.join(REPO_ROOT, 'dist', 'index.js');
  if (!fs.existsSync(entry)) throw new Error('dist/index.js is missing: run `npx tsc -p tsconfig.json` (and `npm run build:native`)');
  const { Reranker } = require(entry);
  const rr = await Reranker.load(dir, {
    // no `threads`: the process-wide pool every model shares (run.mjs passes it only when asked)
    ...(threads != null ? { threads } : {}),
    activation: 'none', // raw logits, as the peers return
    ...(precision === 'int8' ? { modelFile: INT8_FILE } : {}),
    ...crossrank,
  });
  return {
    info: { ...rr.info },
    get stats() {
      return rr.stats();
    },
    score: (pairs) => rr.score(pairs),
    close: () => rr.close(),
  };
}

// ------------------------------------------------------------------ onnxruntime-node + tokenizers

function ortPieces({ dir, precision, threads }) {
  const ort = require('onnxruntime-node');
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  tok.setTruncation(512); // LongestFirst, as sentence-transformers
  const create = () =>
    ort.InferenceSession.create(modelFileOf(dir, precision), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  return { ort, tok, create };
}

/** Pad encodings to their longest member and run one batch; returns the logits. */
async function runPadded(ort, session, encs) {
  const n = encs.length;
  const lens = encs.map((e) => e.ids.length);
  const T = Math.max(...lens);
  const ids = new BigInt64Array(n * T);
  const mask = new BigInt64Array(n * T);
  const types = new BigInt64Array(n * T);
  for (let i = 0; i < n; i++) {
    const e = encs[i];
    for (let j = 0; j < e.ids.length; j++) {
      ids[i * T + j] = BigInt(e.ids[j]);
      mask[i * T + j] = 1n;
      types[i * T + j] = BigInt(e.typeIds[j]);
    }
  }
  const dims = [n, T];
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', types, dims);
  const out = await session.run(feeds);
  return { logits: out.logits.data, padded: n * T };
}

const encodeAll = (tok, pairs) =>
  Promise.all(pairs.map(([q, d]) => tok.encode(q, d))).then((es) => es.map((e) => ({ ids: e.getIds(), typeIds: e.getTypeIds() })));

/** "As people usually write it": batches of 32 in input order, each padded to its longest pair. */
async function loadOrtNaive(o) {
  const { ort, tok, create } = ortPieces(o);
  const session = await create();
  const stats = { paddedTokens: 0 };
  return {
    info: { batch: PEER_BATCH },
    stats,
    async score(pairs) {
      const scores = new Float32Array(pairs.length);
      for (let i = 0; i < pairs.length; i += PEER_BATCH) {
        const encs = await encodeAll(tok, pairs.slice(i, i + PEER_BATCH));
        const { logits, padded } = await runPadded(ort, session, encs);
        stats.paddedTokens += padded;
        scores.set(logits, i);
      }
      return scores;
    },
    close: () => session.release(),
  };
}

/** "Tuned": tokenize all, sort by length, cut batches so that count x longest <= budget. */
async function loadOrtTuned(o) {
  const { ort, tok, create } = ortPieces(o);
  const session = await create();
  const state = { budget: o.budget ?? 512 };
  const stats = { paddedTokens: 0 };
  return {
    info: { budget: state.budget },
    stats,
    setBudget(b) {
      state.budget = b;
    },
    async score(pairs) {
      const encs = await encodeAll(tok, pairs);
      const order = encs.map((_, i) => i).sort((a, b) => encs[a].ids.length - encs[b].ids.length);
      const scores = new Float32Array(pairs.length);
      let start = 0;
      while (start < order.length) {
        let end = start + 1;
        // ascending lengths: the candidate's length is the batch max
        while (end < order.length && (end - start + 1) * encs[order[end]].ids.length <= state.budget) end++;
        const idx = order.slice(start, end);
        const { logits, padded } = await runPadded(ort, session, idx.map((i) => encs[i]));
        stats.paddedTokens += padded;
        idx.forEach((i, k) => (scores[i] = logits[k]));
        start = end;
      }
      return scores;
    },
    close: () => session.release(),
  };
}

// ------------------------------------------------------------------ transformers.js

async function loadTransformersJs({ dir, precision }) {
  const { env, AutoTokenizer, AutoModelForSequenceClassification } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(dir) + path.sep;
  const id = path.basename(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  // Default session options, as users write it (ORT then uses one thread per physical core).
  const model = await AutoModelForSequenceClassification.from_pretrained(id, {
    dtype: precision === 'int8' ? 'q8' : 'fp32',
    device: 'cpu',
  });
  const stats = { paddedTokens: 0 };
  return {
    info: { batch: PEER_BATCH },
    stats,
    async score(pairs) {
      const scores = new Float32Array(pairs.length);
      for (let i = 0; i < pairs.length; i += PEER_BATCH) {
        const batch = pairs.slice(i, i + PEER_BATCH);
        const inputs = tokenizer(
          batch.map((p) => p[0]),
          { text_pair: batch.map((p) => p[1]), padding: true, truncation: true },
        );
        stats.paddedTokens += inputs.input_ids.dims[0] * inputs.input_ids.dims[1];
        const { logits } = await model(inputs);
        scores.set(logits.data, i);
      }
      return scores;
    },
    close: () => model.dispose?.(),
  };
}

export async function loadSystem(name, o) {
  switch (name) {
    case 'crossrank':
      return loadCrossrank(o);
    case 'ort-naive':
      return loadOrtNaive(o);
    case 'ort-tuned':
      return loadOrtTuned(o);
    case 'transformersjs':
      return loadTransformersJs(o);
    default:
      throw new Error(`unknown system "${name}" (have: ${SYSTEMS.join(', ')})`);
  }
}
