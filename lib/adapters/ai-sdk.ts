import type { JSONObject, RerankingModelV3, RerankingModelV3CallOptions } from '@ai-sdk/provider';

import type { LoadOptions } from '../reranker';
import { optionsObject } from '../validate';
import {
  type AdapterOptions,
  type ModelSource,
  parseAdapterOptions,
  type PassThroughRerankOptions,
  rankDocuments,
  topNOption,
} from './shared';

export { closeSharedRerankers, type ModelSource } from './shared';

/** A document as the AI SDK hands it over: a string, or a JSON object (read as `rerank()` reads objects). */
export type CrossrankDocument = string | JSONObject;

/** `crossrank.reranking(model, options)`'s options: any load or rerank() option. */
export type CrossrankRerankingOptions = Omit<AdapterOptions<CrossrankDocument>, 'model'>;

/**
 * Per call, through `rerank({ providerOptions: { crossrank: { ... } } })`: the rerank() options that
 * JSON can carry, over the model's own.
 */
export type CrossrankProviderOptions = Omit<PassThroughRerankOptions<CrossrankDocument>, 'text'>;

/** `createCrossrank()`'s settings: load options every model of this provider starts from. */
export type CrossrankProviderSettings = LoadOptions;

/** A provider in the AI SDK's style, with reranking models only (crossrank ranks; it does not generate). */
export interface CrossrankProvider {
  /** A reranking model for `rerank()` from 'ai'; the model loads on first use, once per process. */
  reranking(model: ModelSource, options?: CrossrankRerankingOptions): RerankingModelV3;
  /** The same as `reranking`, under the name the SDK's provider interface uses. */
  rerankingModel(model: ModelSource, options?: CrossrankRerankingOptions): RerankingModelV3;
}

/**
 * A crossrank provider whose models start from `settings` (e.g. `{ device: 'cuda' }`); per-model
 * options win over them.
 */
export function createCrossrank(settings: CrossrankProviderSettings = {}): CrossrankProvider {
  const defaults = optionsObject<LoadOptions>(settings, 'settings');
  const reranking = (model: ModelSource, options?: CrossrankRerankingOptions): RerankingModelV3 =>
    rerankingModel(model, { ...defaults, ...optionsObject<CrossrankRerankingOptions>(options, 'options') });
  return { reranking, rerankingModel: reranking };
}

/** The default provider: `rerank({ model: crossrank.reranking('./model'), query, documents })`. */
export const crossrank: CrossrankProvider = createCrossrank();

function rerankingModel(source: ModelSource, options: CrossrankRerankingOptions): RerankingModelV3 {
  const { model, rerank } = parseAdapterOptions<CrossrankDocument>({ ...options, model: source }, 'options', []);
  // A plain object, not a class with #private fields: the SDK wraps models in a Proxy, and a method
  // called through a Proxy cannot reach its target's private fields.
  return {
    specificationVersion: 'v3',
    provider: 'crossrank',
    modelId: model.id,
    async doRerank({ documents, query, topN, abortSignal, providerOptions }: RerankingModelV3CallOptions) {
      const perCall = optionsObject<CrossrankProviderOptions>(providerOptions?.crossrank, 'providerOptions.crossrank');
      const results = await rankDocuments<CrossrankDocument>(
        model,
        query,
        documents.values,
        undefined,
        { ...rerank, ...perCall },
        { topK: topNOption(topN, 'topN'), signal: abortSignal },
      );
      return { ranking: results.map(({ index, score }) => ({ index, relevanceScore: score })) };
    },
  };
}
