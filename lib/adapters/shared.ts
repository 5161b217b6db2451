import fs from 'node:fs';
import path from 'node:path';

import { onAbort } from '../abort';
import { invalidArgument } from '../errors';
import { type LoadOptions, Reranker, type RerankOptions, type RerankResult } from '../reranker';
import { describe, integerOption, optionsObject } from '../validate';

/**
 * What the framework adapters share: which model they rank with, the options of `rerank()` they pass
 * through, and the one cache of models they load. No framework is imported here, so that this file
 * is safe to load from anywhere.
 */

/** A model folder or a Hub id (`org/name`), or a Reranker the caller owns. */
export type ModelSource = string | Reranker;

/** The options of `Reranker.rerank()` an adapter passes through unchanged. */
export type PassThroughRerankOptions<D> = Pick<
  RerankOptions<D>,
  'longDocuments' | 'chunkOverlap' | 'maxChunksPerDoc' | 'maxQueryLength' | 'maxDocumentLength' | 'fields' | 'text'
>;

/** Options every adapter's constructor takes: the model, how many results, and how to rank. */
export interface AdapterOptions<D> extends LoadOptions, PassThroughRerankOptions<D> {
  /** A model folder or Hub id (loaded once per process, on first use), or a loaded Reranker you own. */
  model: ModelSource;
}

/**
 * Every key of LoadOptions, checked by the compiler in both directions (`satisfies` a total record), so
 * that a load option added to Reranker reaches the adapters, and a misspelt key is refused, not ignored.
 */
const LOAD_OPTION_KEYS = Object.keys({
  device: true,
  deviceId: true,
  threads: true,
  maxLength: true,
  truncation: true,
  truncationDirection: true,
  activation: true,
  maxBatchTokens: true,
  maxBatchSize: true,
  calibrate: true,
  calibrationCacheDir: true,
  concurrency: true,
  maxQueuedPairs: true,
  modelFile: true,
  ortLibraryPath: true,
  logLevel: true,
  graphRewrite: true,
  revision: true,
  cacheDir: true,
  token: true,
  endpoint: true,
  localFilesOnly: true,
  dtype: true,
  onProgress: true,
  template: true,
  instruction: true,
} satisfies Record<keyof LoadOptions, true>);

const RERANK_OPTION_KEYS = Object.keys({
  longDocuments: true,
  chunkOverlap: true,
  maxChunksPerDoc: true,
  maxQueryLength: true,
  maxDocumentLength: true,
  fields: true,
  text: true,
} satisfies Record<keyof PassThroughRerankOptions<unknown>, true>);

/** An adapter's constructor options, sorted into the model, the load options and the rerank options. */
export interface ParsedAdapterOptions<D> {
  model: SharedModel;
  rerank: PassThroughRerankOptions<D>;
  /** The adapter's own keys (e.g. topN), still unchecked. */
  own: Record<string, unknown>;
}

/**
 * Splits `options` (named `name` in errors). `ownKeys` are the adapter's own options; any other key
 * that is neither a load nor a rerank option is refused, so that a typo does not pass silently.
 */
export function parseAdapterOptions<D>(
  options: unknown,
  name: string,
  ownKeys: readonly string[],
): ParsedAdapterOptions<D> {
  if (options === undefined || options === null) throw invalidArgument(`${name} must be an object with a model`);
  const opts = optionsObject<Record<string, unknown>>(options, name);
  const load: Record<string, unknown> = {};
  const rerank: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (key === 'model' || value === undefined) continue;
    if (LOAD_OPTION_KEYS.includes(key)) load[key] = value;
    else if (RERANK_OPTION_KEYS.includes(key)) rerank[key] = value;
    else if (ownKeys.includes(key)) own[key] = value;
    else {
      const valid = ['model', ...ownKeys, ...RERANK_OPTION_KEYS, ...LOAD_OPTION_KEYS];
      throw invalidArgument(`${name}.${key} is not an option; valid options are ${valid.join(', ')}`);
    }
  }
  return { model: new SharedModel(opts.model, load as LoadOptions, `${name}.model`), rerank, own };
}

/** `topN` as the frameworks spell it: how many results to keep, at least one. */
export function topNOption(value: unknown, name: string, fallback?: number): number | undefined {
  return integerOption(value, name, 1) ?? fallback;
}

/** Models this module loaded, by folder (or id) and load options; each loads once, on first use. */
const loaded = new Map<string, Promise<Reranker>>();

/**
 * An adapter's model. A Reranker passed in is used as is and never closed: its owner closes it. A
 * string is loaded on first use into the cache every adapter instance shares, so that ten retrievers
 * over one model hold one copy of it.
 */
export class SharedModel {
  /** The folder or id, as the caller named it (frameworks report it as the model's id). */
  readonly id: string;
  readonly #owned: Reranker | undefined;
  readonly #load: LoadOptions;
  #key: string | undefined;

  constructor(source: unknown, loadOptions: LoadOptions, name: string) {
    if (source instanceof Reranker) {
      if (Object.keys(loadOptions).length > 0) {
        throw invalidArgument(
          `${name} is a loaded Reranker, so load options (${Object.keys(loadOptions).join(', ')}) cannot apply; ` +
            `pass them to Reranker.load, or pass a model folder here`,
        );
      }
      this.#owned = source;
      this.id = source.info.modelPath;
    } else if (typeof source === 'string' && source !== '') {
      this.id = source;
    } else {
      throw invalidArgument(`${name} must be a model folder, a Hub id or a Reranker, got ${describe(source)}`);
    }
    this.#load = loadOptions;
  }

  /** The Reranker to call: the caller's, or the shared one for this folder and these load options. */
  get(): Promise<Reranker> {
    if (this.#owned) return Promise.resolve(this.#owned);
    // Keyed once: the folder's absolute path does not change, and a stat per call is not free.
    const key = (this.#key ??= cacheKey(this.id, this.#load));
    let model = loaded.get(key);
    if (!model) {
      model = Reranker.load(this.id, this.#load);
      loaded.set(key, model);
      // A failed load is not cached: the next call tries again (the folder may have appeared since).
      model.catch(() => {
        if (loaded.get(key) === model) loaded.delete(key);
      });
    }
    return model;
  }
}

/**
 * One folder named two ways (relative, absolute) is one model; options are keyed in sorted order so
 * that `{ threads, device }` and `{ device, threads }` share too.
 */
function cacheKey(id: string, options: LoadOptions): string {
  const where = fs.existsSync(id) ? path.resolve(id) : id;
  const sorted = Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([where, sorted]);
}

/**
 * Closes every model the adapters loaded (never a Reranker you passed in) and empties the cache; an
 * adapter used afterwards loads its model again. For shutdown, and for tests.
 */
export async function closeSharedRerankers(): Promise<void> {
  const models = [...loaded.values()];
  loaded.clear();
  const settled = await Promise.allSettled(models);
  await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
}

/** How a framework's own document type holds its text, so that `fields` can reach its metadata. */
export interface DocumentShape<D> {
  /** Its content, ranked by default; undefined for an item that is not this framework's document. */
  content(document: D, index: number): string | undefined;
  metadata(document: D): unknown;
  /** The framework's name for the content, which `fields` may list beside metadata keys. */
  contentKey: string;
}

/** Per call: how many results, and a signal where the framework gives one. */
export interface RankCall {
  topK?: number;
  signal?: AbortSignal;
}

/**
 * Ranks `documents` with the shared model, best first. A document of the framework's own type is
 * ranked by its content, or with `fields`, by its metadata and content (as `fieldsView` arranges);
 * `text` receives the document itself; anything else goes to `Reranker.rerank()` as it is. Empty input
 * resolves to [] without loading the model.
 */
export async function rankDocuments<D>(
  model: SharedModel,
  query: string,
  documents: readonly D[],
  shape: DocumentShape<D> | undefined,
  options: PassThroughRerankOptions<D>,
  call: RankCall,
): Promise<RerankResult[]> {
  if (!Array.isArray(documents)) throw invalidArgument(`documents must be an array, got ${describe(documents)}`);
  if (documents.length === 0) return [];
  const reranker = await untilAborted(model.get(), call.signal);
  const { text, fields } = options;
  const ranked: readonly unknown[] =
    text || !shape
      ? documents
      : documents.map((document, index) => {
          const content = shape.content(document, index);
          if (content === undefined) return document;
          return fields ? fieldsView(content, shape.metadata(document), shape.contentKey) : content;
        });
  return reranker.rerank(query, ranked as readonly object[], {
    ...(options as RerankOptions<object>),
    topK: call.topK,
    signal: call.signal,
  });
}

/**
 * `loading`, or the signal's reason as soon as it aborts: a first call need not wait out a model's
 * load to be cancelled. The load itself goes on, and stays cached for the next call.
 */
function untilAborted<T>(loading: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return loading;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(signal.reason));
    loading.then(resolve, reject).finally(unsubscribe);
  });
}

/**
 * A document's metadata entries plus its content under the framework's own name for it
 * (`pageContent`, `text`), so that fields can name either.
 */
function fieldsView(content: string, metadata: unknown, contentKey: string): Record<string, unknown> {
  const entries = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  return { ...entries, [contentKey]: content };
}
