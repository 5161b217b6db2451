import type { NativeReranker, NativeStats, NativeTimings } from '../binding';
import { onAbort } from './abort';
import { native } from './binding';
import { CrossrankError, fromNative, invalidArgument } from './errors';
import { checkDownloadOptions, downloadModel, type DownloadOptions, isHubId } from './hub';
import { type Activation, locateModel, readModelFolder } from './model-folder';
import { resolveOrtLibrary } from './ort';
import { TRUNCATIONS, type Truncation } from './tokenizer';
import {
  booleanOption,
  describe,
  enumOption,
  integerOption,
  optionsObject,
  pairsArgument,
  signalOption,
  stringOption,
} from './validate';

export type Device = 'cpu' | 'cuda';

/** Also takes DownloadOptions: `revision`, `cacheDir`, `token`, `dtype`, `onProgress`, ... */
export interface LoadOptions extends DownloadOptions {
  /** Where inference runs. Default 'cpu'. 'cuda' needs a GPU build of ONNX Runtime (see ortLibraryPath). */
  device?: Device;
  /** CUDA device ordinal. Default 0. */
  deviceId?: number;
  /** ONNX Runtime intra-op threads. Default: one per physical core. */
  threads?: number;
  /** Tokens per pair, special tokens included. Default: the model's limit (tokenizer_config.json / config.json). */
  maxLength?: number;
  /** How a pair longer than maxLength is shortened. Default 'longest_first', as sentence-transformers does. */
  truncation?: Truncation;
  /** Score transform. Default: config.json's, else 'sigmoid' for one label and 'none' for several. */
  activation?: Activation;
  /** Padded tokens per inference batch (batch size x longest pair). Default 512 on CPU, 16384 on CUDA. */
  maxBatchTokens?: number;
  /** Pairs per inference batch. Default 64 on CPU, 256 on CUDA. */
  maxBatchSize?: number;
  /** Inference batches run at once on the session, each with `threads` ORT threads. Default 1. */
  concurrency?: number;
  /** Pairs accepted but not yet scored, over all calls; beyond it calls reject with 'QUEUE_FULL'. Default 100000. */
  maxQueuedPairs?: number;
  /** libonnxruntime.so.1 to load. Default: $CROSSRANK_ORT_LIBRARY, else the one inside onnxruntime-node. */
  ortLibraryPath?: string;
  /**
   * Which of ONNX Runtime's own log lines for this model are written to stderr, prefixed `crossrank:`.
   * Default: $CROSSRANK_LOG_LEVEL, else 'off' (failures still reach callers as typed errors).
   */
  logLevel?: LogLevel;
}

export type LogLevel = 'off' | 'fatal' | 'error' | 'warning' | 'info' | 'verbose';
const LOG_LEVELS: readonly LogLevel[] = ['off', 'fatal', 'error', 'warning', 'info', 'verbose'];

function defaultLogLevel(): LogLevel {
  const fromEnv = process.env.CROSSRANK_LOG_LEVEL;
  if (fromEnv === undefined || fromEnv === '') return 'off';
  return enumOption(fromEnv, 'the CROSSRANK_LOG_LEVEL environment variable', LOG_LEVELS) as LogLevel;
}

export interface CallOptions {
  /** Aborting rejects the call with the signal's reason; its queued pairs are dropped. */
  signal?: AbortSignal;
}

export interface RerankOptions extends CallOptions {
  /** Return only the best topK results. Default: all. */
  topK?: number;
  /** Include each document's text in its result. Default false. */
  returnDocuments?: boolean;
}

export interface RerankResult {
  /** Position of the document in the input array. */
  index: number;
  score: number;
  document?: string;
}

/** Where one call's time went (`scoreDetailed`). */
export interface CallTimings extends NativeTimings {
  /** Share of the tokens computed for this call's pairs that were padding (0 = none). */
  paddingRatio: number;
}

/** Cumulative counters since load (`reranker.stats()`), plus the current queue. */
export interface RerankerStats extends NativeStats {
  /** Share of all computed tokens that were padding. */
  paddingRatio: number;
}

const paddingRatio = (tokens: number, paddedTokens: number): number => (paddedTokens > 0 ? 1 - tokens / paddedTokens : 0);

export interface DetailedScores {
  scores: Float32Array;
  timings: CallTimings;
}

export interface RerankerInfo {
  modelPath: string;
  /** The Hub id loaded, e.g. 'cross-encoder/ms-marco-MiniLM-L6-v2'; null for a folder loaded by path. */
  modelId: string | null;
  /** The revision asked for ('main' unless told); null for a folder loaded by path. */
  revision: string | null;
  /** The commit that revision resolved to; null for a folder loaded by path. */
  commit: string | null;
  numLabels: number;
  maxLength: number;
  truncation: Truncation;
  activation: Activation;
  inputNames: string[];
  outputName: string;
  ortVersion: string;
  ortLibraryPath: string;
  device: string;
  maxBatchTokens: number;
  maxBatchSize: number;
  concurrency: number;
  maxQueuedPairs: number;
  threads: number;
}

const DEVICE_DEFAULTS: Record<Device, { maxBatchTokens: number; maxBatchSize: number }> = {
  // On CPU small length-homogeneous batches reach the cores' GEMM peak (see Performance notes);
  // a GPU needs large batches to fill.
  cpu: { maxBatchTokens: 512, maxBatchSize: 64 },
  cuda: { maxBatchTokens: 16384, maxBatchSize: 256 },
};

let nextRequestId = 1;

const NO_WORK: CallTimings = Object.freeze({
  tokenizeMs: 0,
  queueMs: 0,
  inferenceMs: 0,
  batches: 0,
  tokens: 0,
  paddedTokens: 0,
  paddingRatio: 0,
});

/**
 * A cross-encoder loaded from a Hugging Face model folder. Tokenization and inference run on native
 * threads; the event loop only hands strings over and receives scores.
 */
export class Reranker {
  readonly info: Readonly<RerankerInfo>;
  #native: NativeReranker | undefined;
  #closing: Promise<void> | undefined;

  private constructor(handle: NativeReranker, info: RerankerInfo) {
    this.#native = handle;
    this.info = Object.freeze(info);
  }

  /**
   * Loads a model folder (config.json, tokenizer.json, an ONNX graph) by path, or, when no such path
   * exists, the Hub model `org/name`: downloaded into the Hugging Face cache on first use (see
   * DownloadOptions), from the cache afterwards.
   */
  static async load(idOrPath: string, options?: LoadOptions): Promise<Reranker> {
    if (typeof idOrPath !== 'string' || idOrPath === '') {
      throw invalidArgument(`idOrPath must be a non-empty string (a model folder or a Hub id), got ${describe(idOrPath)}`);
    }
    const opts = optionsObject<LoadOptions>(options, 'options');
    const download = checkDownloadOptions(opts);
    const device = enumOption(opts.device, 'options.device', ['cpu', 'cuda'] as const) ?? 'cpu';
    const deviceId = integerOption(opts.deviceId, 'options.deviceId', 0) ?? 0;
    const threads = integerOption(opts.threads, 'options.threads', 0, 1024) ?? 0;
    const requestedMaxLength = integerOption(opts.maxLength, 'options.maxLength', 2);
    const truncation = enumOption(opts.truncation, 'options.truncation', TRUNCATIONS) ?? 'longest_first';
    const requestedActivation = enumOption(opts.activation, 'options.activation', ['sigmoid', 'softmax', 'none'] as const);
    const maxBatchTokens = integerOption(opts.maxBatchTokens, 'options.maxBatchTokens', 1) ?? DEVICE_DEFAULTS[device].maxBatchTokens;
    const maxBatchSize = integerOption(opts.maxBatchSize, 'options.maxBatchSize', 1) ?? DEVICE_DEFAULTS[device].maxBatchSize;
    const concurrency = integerOption(opts.concurrency, 'options.concurrency', 1, 256) ?? 1;
    const maxQueuedPairs = integerOption(opts.maxQueuedPairs, 'options.maxQueuedPairs', 1) ?? 100_000;
    const ortLibraryPath = resolveOrtLibrary(stringOption(opts.ortLibraryPath, 'options.ortLibraryPath'));
    const logLevel = enumOption(opts.logLevel, 'options.logLevel', LOG_LEVELS) ?? defaultLogLevel();

    const source = await locateModel(idOrPath, download);
    const folder = readModelFolder(source.dir, source.choice);
    if (requestedMaxLength !== undefined && requestedMaxLength > folder.maxLength) {
      throw invalidArgument(
        `options.maxLength is ${requestedMaxLength}, beyond the model's limit of ${folder.maxLength} tokens`,
      );
    }
    const maxLength = requestedMaxLength ?? folder.maxLength;

    let handle: NativeReranker;
    try {
      handle = await native().NativeReranker.load({
        modelPath: folder.modelPath,
        tokenizerPath: folder.tokenizerPath,
        ortLibraryPath,
        device,
        deviceId,
        threads,
        numLabels: folder.numLabels,
        vocabSize: folder.vocabSize,
        logLevel,
        maxLength,
        truncation,
        activation: requestedActivation ?? folder.activation,
        maxBatchTokens,
        maxBatchSize,
        concurrency,
        maxQueuedPairs,
      });
    } catch (error) {
      throw fromNative(error);
    }
    const nativeInfo = handle.info();
    return new Reranker(handle, {
      modelPath: folder.modelPath,
      modelId: source.hub?.modelId ?? null,
      revision: source.hub?.revision ?? null,
      commit: source.hub?.commit ?? null,
      numLabels: nativeInfo.numLabels,
      maxLength,
      truncation,
      activation: nativeInfo.activation,
      inputNames: nativeInfo.inputNames,
      outputName: nativeInfo.outputName,
      ortVersion: nativeInfo.ortVersion,
      ortLibraryPath: nativeInfo.ortLibraryPath,
      device: nativeInfo.device,
      maxBatchTokens,
      maxBatchSize,
      concurrency,
      maxQueuedPairs,
      threads,
    });
  }

  /**
   * Puts the Hub model `id` (`org/name`) in the cache, as load() would, without loading it; resolves
   * to its snapshot folder, which load() also takes as a path. For deployments that fetch at build time.
   */
  static async download(id: string, options?: DownloadOptions): Promise<string> {
    if (typeof id !== 'string' || !isHubId(id)) {
      throw invalidArgument(`id must be a Hub model id of the form org/name, got ${describe(id)}`);
    }
    return (await downloadModel(id, checkDownloadOptions(optionsObject<DownloadOptions>(options, 'options')))).dir;
  }

  /**
   * Scores each [query, document] pair. Resolves to `pairs.length * info.numLabels` scores in input
   * order (row-major), in a Float32Array over memory the native side filled.
   */
  async score(pairs: ReadonlyArray<readonly [string, string]>, options?: CallOptions): Promise<Float32Array> {
    return (await this.#score(pairs, options, false)).scores;
  }

  /** Like score(), with where the call's time went: tokenizing, queueing, inference, and padding. */
  async scoreDetailed(pairs: ReadonlyArray<readonly [string, string]>, options?: CallOptions): Promise<DetailedScores> {
    return this.#score(pairs, options, true);
  }

  /** Cumulative counters since load, and the current queue. */
  stats(): RerankerStats {
    const stats = this.#open().stats();
    return { ...stats, paddingRatio: paddingRatio(stats.tokens, stats.paddedTokens) };
  }

  async #score(
    pairs: ReadonlyArray<readonly [string, string]>,
    options: CallOptions | undefined,
    withTimings: boolean,
  ): Promise<DetailedScores> {
    const handle = this.#open();
    const checked = pairsArgument(pairs);
    const signal = signalOption(optionsObject<CallOptions>(options, 'options').signal, 'options.signal');
    signal?.throwIfAborted();
    if (checked.length === 0) return { scores: new Float32Array(0), timings: NO_WORK };

    const id = nextRequestId++;
    let call: Promise<DetailedScores>;
    try {
      call = withTimings
        ? handle.score(checked, id, true).then(({ scores, timings }) => ({
            scores,
            timings: { ...timings, paddingRatio: paddingRatio(timings.tokens, timings.paddedTokens) },
          }))
        : handle.score(checked, id).then((scores) => ({ scores, timings: NO_WORK }));
    } catch (error) {
      throw fromNative(error);
    }
    if (!signal) return call.catch((error: unknown) => Promise.reject(fromNative(error)));
    // A call still pending when the signal fires rejects right then, with the signal's reason, whatever
    // the native side was doing; its queued pairs are dropped and a late result is discarded.
    return new Promise<DetailedScores>((resolve, reject) => {
      const unsubscribe = onAbort(signal, () => {
        handle.cancel(id);
        reject(signal.reason);
      });
      call.then(
        (result) => {
          unsubscribe();
          resolve(result);
        },
        (error: unknown) => {
          unsubscribe();
          reject(fromNative(error));
        },
      );
    });
  }

  /** Scores every document against `query` and returns them best first. */
  async rerank(query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]> {
    this.#open();
    if (typeof query !== 'string') throw invalidArgument(`query must be a string, got ${describe(query)}`);
    if (!Array.isArray(documents)) throw invalidArgument(`documents must be an array of strings, got ${describe(documents)}`);
    documents.forEach((doc, i) => {
      if (typeof doc !== 'string') throw invalidArgument(`documents[${i}] must be a string, got ${describe(doc)}`);
    });
    const opts = optionsObject<RerankOptions>(options, 'options');
    const topK = integerOption(opts.topK, 'options.topK', 1);
    const returnDocuments = booleanOption(opts.returnDocuments, 'options.returnDocuments') ?? false;
    if (this.info.numLabels !== 1) {
      throw invalidArgument(`rerank() needs a model with one output label; this one has ${this.info.numLabels}. Use score()`);
    }
    const scores = await this.score(
      documents.map((doc) => [query, doc] as const),
      { signal: opts.signal },
    );
    const results: RerankResult[] = Array.from(scores, (score, index) =>
      returnDocuments ? { index, score, document: documents[index] } : { index, score },
    );
    // Array.prototype.sort is stable: equal scores keep input order.
    results.sort((a, b) => b.score - a.score);
    return topK !== undefined ? results.slice(0, topK) : results;
  }

  /** Frees the model. Pending and later calls reject with code 'CLOSED'. Safe to call more than once. */
  close(): Promise<void> {
    if (!this.#closing) {
      const handle = this.#native;
      this.#native = undefined;
      this.#closing = handle ? handle.close() : Promise.resolve();
    }
    return this.#closing;
  }

  #open(): NativeReranker {
    if (!this.#native) throw new CrossrankError('CLOSED', 'the reranker is closed');
    return this.#native;
  }
}
