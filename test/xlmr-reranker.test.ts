import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { Reranker, Tokenizer } from '../lib/index';
import { haveNmtNfkc, NMT_NFKC_MISSING_MESSAGE } from './fixtures/generate.mjs';
import { fixture } from './support/fixtures';
import { ReferencePipeline } from './support/reference';

const PAIRS: Array<[string, string]> = [
  ['How are you doing?', 'I am doing fine, thank you.'],
  ['¿Dónde está la estación?', 'La estación está a dos calles.   Muy cerca.'],
  ['Как дела?', 'Всё хорошо, спасибо!'],
  ['東京の天気は？', '今日は晴れです。'],
  ['query with </s> inside', 'a document with <s> and <mask> tokens'],
  ['', 'an empty query'],
  ['long', 'word '.repeat(600)],
];

async function expectXlmrParity(dir: string): Promise<void> {
  const reranker = await Reranker.load(dir, { activation: 'none' });
  const reference = await ReferencePipeline.load(path.join(dir, 'tokenizer.json'), reranker.info.modelPath, reranker.info.maxLength);
  try {
    expect(reranker.info.inputNames.sort()).toEqual(['attention_mask', 'input_ids']);
    expect(reranker.info.maxLength).toBe(512);
    expect(Tokenizer.fromFile(path.join(dir, 'tokenizer.json')).padId).toBe(1);
    // Batched (padded with id 1 beside longer pairs) and one at a time must agree with the reference.
    const batched = await reranker.score(PAIRS);
    let worst = 0;
    for (let i = 0; i < PAIRS.length; i++) {
      const [expected] = await reference.logits(PAIRS[i][0], PAIRS[i][1]);
      worst = Math.max(worst, Math.abs(batched[i] - expected));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.pad_token_id).toBe(1);
  } finally {
    await reranker.close();
    await reference.release();
  }
}

describe('XLM-RoBERTa cross-encoder end to end', () => {
  it('without a charsmap: two inputs, <pad> = 1, logits within 1e-4 of onnxruntime-node', () =>
    expectXlmrParity(fixture('tiny-xlmr-plain')));

  it.skipIf(!haveNmtNfkc())(
    `with bge-reranker-v2-m3's full layout (${haveNmtNfkc() ? 'nmt_nfkc charsmap present' : NMT_NFKC_MISSING_MESSAGE})`,
    () => expectXlmrParity(fixture('tiny-xlmr')),
  );
});
