import { BERT_BASE_UNCASED_TOKENIZER, ensureFixture, ensureXlmrFixture, haveNmtNfkc } from '../fixtures/generate.mjs';
import { HAVE_SHARED, SHARED_MISSING_MESSAGE } from '../support/fixtures';

/** Model folders the suite shares, generated once and reused while the generator is unchanged. */
export default function setup(): void {
  ensureFixture('tiny', { preset: 'tiny', seed: 1, quantize: 'int8' });
  ensureFixture('tiny-3-labels', { preset: 'tiny', seed: 2, numLabels: 3 });
  // Big enough that scoring 100 documents takes a good fraction of a second on two cores.
  ensureFixture('medium', { preset: 'tiny', seed: 3, layers: 4, hidden: 256, heads: 4, intermediate: 1024 });
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
