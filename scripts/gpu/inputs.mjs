// Step 1 on the GPU machine: the pairs every scorer reads (crossrank here, sentence-transformers in
// reference.py) and the generator's MiniLM-L6-shaped fixture with its float16 twin (onnx/model_fp16.onnx).
import fs from 'node:fs';
import path from 'node:path';

import { ragSet } from '../../bench/lib/corpus.mjs';
import { ensureFixture } from '../../test/fixtures/generate.mjs';
import { convertToFloat16 } from './fp16.mjs';
import { BERT_TOKENIZER, MINILM, PAIRS, WORK } from './paths.mjs';

const pairsOf = (seed, count, minWords, maxWords) => {
  const { query, docs } = ragSet(seed, count, minWords, maxWords);
  return docs.map((d) => [query, d]);
};

fs.mkdirSync(WORK, { recursive: true });
const rerank = ragSet(5, 100, 30, 250);
const pairs = {
  short: pairsOf(11, 1000, 80, 120), // ~150 tokens per pair
  long: pairsOf(12, 256, 450, 500), // past the 512-token limit: truncated to 512
  rerank: { query: rerank.query, docs: rerank.docs },
};
fs.writeFileSync(PAIRS, JSON.stringify(pairs));

let t = performance.now();
const r = ensureFixture(path.basename(MINILM), { preset: 'minilmL6', baseDir: path.dirname(MINILM), tokenizer: BERT_TOKENIZER });
console.log(`${r.modelPath}: ${r.cached ? 'cached' : 'generated'} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const fp16 = path.join(MINILM, 'onnx', 'model_fp16.onnx');
if (!r.cached || !fs.existsSync(fp16)) {
  t = performance.now();
  fs.writeFileSync(fp16, convertToFloat16(fs.readFileSync(r.modelPath)));
  console.log(`${fp16}: converted in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
console.log(`${PAIRS}: ${pairs.short.length} short, ${pairs.long.length} long pairs, ${pairs.rerank.docs.length} documents to rerank`);
