import { afterAll, beforeAll } from 'vitest';

import { closeSharedRerankers } from '../../lib/adapters/shared';
import { Reranker } from '../../lib/index';
import { fixture } from './fixtures';

/** What the adapter tests rank: a query and passages a few of which are about it. */
export const QUERY = 'how does a cross-encoder rerank passages';
export const PASSAGES = [
  'A cross-encoder reads the query and the passage together and scores their relevance.',
  'Bananas are rich in potassium.',
  'Vector search returns candidates; a reranker orders them by relevance to the query.',
  'The tokenizer splits words into word pieces.',
  'Node.js runs JavaScript outside the browser.',
  'Rerank the passages before you send them to the language model.',
];

/**
 * The tiny model loaded directly, as the reference every adapter is compared with, for the whole
 * file; afterwards it and every model the adapters loaded are closed.
 */
export function referenceReranker(): () => Reranker {
  let reranker: Reranker | undefined;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('tiny'));
  });
  afterAll(async () => {
    await closeSharedRerankers();
    await reranker?.close();
  });
  return () => reranker!;
}
