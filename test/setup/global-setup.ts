import fs from 'node:fs';
import path from 'node:path';

import {
  BERT_BASE_UNCASED_TOKENIZER,
  ensureFixture,
  ensureXlmrFixture,
  haveNmtNfkc,
  writeXlmrTokenizer,
} from '../fixtures/generate.mjs';
import { HAVE_SHARED, SHARED_MISSING_MESSAGE } from '../support/fixtures';

/** Model folders the suite shares, generated once and reused while the generator is unchanged. */
export default function setup(): void {
  ensureFixture('tiny', { preset: 'tiny', seed: 1, quantize: 'int8' });
  ensureFixture('tiny-3-labels', { preset: 'tiny', seed: 2, numLabels: 3 });
  // The tiny model's weights with float16 logits, as fp16 exports end.
  ensureFixture('tiny-fp16-logits', { preset: 'tiny', seed: 1, logitsType: 'float16' });
  // Big enough that scoring 100 documents takes a good fraction of a second on two cores.
  ensureFixture('medium', { preset: 'tiny', seed: 3, layers: 4, hidden: 256, heads: 4, intermediate: 1024 });
  // A Qwen3-Reranker-shaped decoder in each export form (onnx/model.onnx, model_yesno, model_seq_cls, model_past).
  ensureFixture('qwen3-reranker', { architecture: 'qwen3', seed: 7 });
  // An XLM-RoBERTa cross-encoder that needs nothing from ../shared: bge-reranker-v2-m3's tokenizer
  // layout minus the Precompiled charsmap (Strip + Replace, Metaspace, Unigram, <s> A </s></s> B </s>).
  const plain = ensureXlmrFixture('tiny-xlmr-plain', { seed: 6, tokenizer: false, vocabSize: 8000 });
  const tokenizerFile = path.join(plain.dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerFile)) {
    writeXlmrTokenizer(tokenizerFile, { vocabSize: 'small', seed: 6, variant: 'm3', charsmap: Buffer.alloc(0) });
    const json = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
    json.normalizer.normalizers = json.normalizer.normalizers.filter((n: { type: string }) => n.type !== 'Precompiled');
    fs.writeFileSync(tokenizerFile, JSON.stringify(json));
  }
  if (haveNmtNfkc()) {
    // XLM-RoBERTa cross-encoder with a bge-reranker-v2-m3-shaped tokenizer (its charsmap is a shared file).
    ensureXlmrFixture('tiny-xlmr', { seed: 5 });
  }
  if (HAVE_SHARED) {
    ensureFixture('tiny-bert-vocab', { preset: 'tinyBertVocab', seed: 4, tokenizer: BERT_BASE_UNCASED_TOKENIZER });
  } else {
    console.warn(SHARED_MISSING_MESSAGE);
  }
}
