import type { DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';

import { invalidArgument } from '../errors';
import { describe, optionsObject, signalOption } from '../validate';
import {
  type AdapterOptions,
  type DocumentShape,
  parseAdapterOptions,
  type PassThroughRerankOptions,
  rankDocuments,
  type SharedModel,
  topNOption,
} from './shared';

export { closeSharedRerankers, type ModelSource } from './shared';

/** `new CrossrankRerank(...)`'s options: the model, topN, and any load or rerank() option. */
export interface CrossrankRerankArgs extends AdapterOptions<DocumentInterface> {
  /** Documents compressDocuments keeps, best first. Default 3, as LangChain's CohereRerank. */
  topN?: number;
}

/** A document as `rerank()` takes it, as CohereRerank does: a LangChain document, a string or a record. */
export type RerankInput = DocumentInterface | string | Record<string, unknown>;

/** Per-call options of `rerank()`: topN (default: every document), a signal, and rerank() options. */
export interface CrossrankRerankCallOptions extends PassThroughRerankOptions<RerankInput> {
  topN?: number;
  signal?: AbortSignal;
}

const isDocument = (value: unknown): value is DocumentInterface =>
  typeof value === 'object' && value !== null && 'pageContent' in value && 'metadata' in value;

/** LangChain documents are ranked by `pageContent`; `fields` may also name `metadata` keys. */
const LANGCHAIN_DOCUMENTS: DocumentShape<unknown> = {
  content(document, index) {
    if (!isDocument(document)) return undefined;
    if (typeof document.pageContent !== 'string') {
      throw invalidArgument(`documents[${index}].pageContent must be a string, got ${describe(document.pageContent)}`);
    }
    return document.pageContent;
  },
  metadata: (document) => (document as DocumentInterface).metadata,
  contentKey: 'pageContent',
};

/**
 * A LangChain document compressor that reranks in process with crossrank: use it as the
 * `baseCompressor` of a `ContextualCompressionRetriever`, where CohereRerank would go.
 *
 * ```ts
 * const retriever = new ContextualCompressionRetriever({
 *   baseCompressor: new CrossrankRerank({ model: './ms-marco-MiniLM-L-6-v2', topN: 5 }),
 *   baseRetriever: vectorStore.asRetriever({ k: 50 }),
 * });
 * ```
 * The model loads on first use, once per process however many compressors name it.
 */
export class CrossrankRerank extends BaseDocumentCompressor {
  /** Documents compressDocuments keeps. */
  topN: number;
  /** The model folder or id (the Reranker's folder when one was passed in). */
  readonly model: string;
  readonly #model: SharedModel;
  readonly #options: PassThroughRerankOptions<DocumentInterface>;

  constructor(fields: CrossrankRerankArgs) {
    super();
    const parsed = parseAdapterOptions<DocumentInterface>(fields, 'fields', ['topN']);
    this.#model = parsed.model;
    this.#options = parsed.rerank;
    this.model = parsed.model.id;
    this.topN = topNOption(parsed.own.topN, 'fields.topN', 3) as number;
  }

  /**
   * The best `topN` documents for `query`, best first, each a copy with `metadata.relevanceScore`
   * set. The caller's documents are left as they were (CohereRerank writes the score into them).
   */
  async compressDocuments(documents: DocumentInterface[], query: string): Promise<DocumentInterface[]> {
    const ranking = await this.rerank(documents, query, { topN: this.topN });
    return ranking.map(({ index, relevanceScore }) => withScore(documents[index], relevanceScore));
  }

  /** Every document's rank for `query` (or the best `topN`), as CohereRerank's `rerank()` reports it. */
  async rerank(
    documents: RerankInput[],
    query: string,
    options?: CrossrankRerankCallOptions,
  ): Promise<Array<{ index: number; relevanceScore: number }>> {
    const { topN, signal, ...rerank } = optionsObject<CrossrankRerankCallOptions>(options, 'options');
    const results = await rankDocuments(
      this.#model,
      query,
      documents,
      LANGCHAIN_DOCUMENTS,
      { ...this.#options, ...rerank } as PassThroughRerankOptions<unknown>,
      { topK: topNOption(topN, 'options.topN'), signal: signalOption(signal, 'options.signal') },
    );
    return results.map(({ index, score }) => ({ index, relevanceScore: score }));
  }
}

/** A copy of the document, of its own class, with the score in a copy of its metadata. */
function withScore(document: DocumentInterface, relevanceScore: number): DocumentInterface {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(document)), document) as DocumentInterface;
  copy.metadata = { ...document.metadata, relevanceScore };
  return copy;
}
