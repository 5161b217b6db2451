import type {
  NativeBatchBand,
  NativeCostModel,
  NativeCostSample,
  NativePairPolicy,
  NativeReranker,
  NativeStats,
  NativeTimings,
} from '../binding';
import { onAbort } from './abort';
import { native } from './binding';
import { calibrationFile, calibrationKey, defaultCalibrationCacheDir, readCalibration, writeCalibration } from './calibration-cache';
import { type DocumentTextOptions, documentTextOptions, documentTexts, type RerankDocument } from './documents';
import { type PromptTemplate, resolveTemplate, type ResolvedTemplate, type TemplateName } from './decoder-templates';
import { CrossrankError, fromNative, invalidArgument } from './errors';
import { checkDownloadOptions, downloadModel, type DownloadOptions, isHubId } from './hub';
import { type Activation, locateModel, readModelFolder } from './model-folder';
import { resolveOrtLibrary } from './ort';
import { TRUNCATION_DIRECTIONS, TRUNCATIONS, type Truncation, type TruncationDirection } from './tokenizer';
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
  /**
   * ONNX Runtime intra-op threads of a pool of this model's own. Default: the process-wide pool that
   * every model shares, one thread per physical core.
   */
  threads?: number;
  /** Tokens per pair, special tokens included. Default: the model's limit (tokenizer_config.json / config.json). */
  maxLength?: number;
  /** How a pair longer than maxLength is shortened. Default 'longest_first', as sentence-transformers does. */
  truncation?: Truncation;
  /** Which end truncation keeps: 'right' keeps the start (default, as Hugging Face), 'left' the end. */
  truncationDirection?: TruncationDirection;
  /** Score transform. Default: config.json's, else 'sigmoid' for one label and 'none' for several. */
  activation?: Activation;
  /**
   * Hard limit on padded tokens per inference batch (batch size x longest pair). Giving it (or
   * maxBatchSize) turns calibration off unless `calibrate: true`. Default: 4096 when calibrated
   * (a memory guard; the cost model sizes batches below it), else 512 on CPU and 16384 on CUDA.
   */
  maxBatchTokens?: number;
  /** Hard limit on pairs per inference batch. Default: 128 when calibrated, else 64 on CPU and 256 on CUDA. */
  maxBatchSize?: number;
  /**
   * Time a few batch shapes during the first load on this machine and size batches by the fitted
   * cost model (see info.batching). Default: true on CPU unless maxBatchTokens or maxBatchSize is
   * given, false on CUDA. With false, batches are packed greedily up to the limits.
   */
  calibrate?: boolean;
  /**
   * Where calibrations are kept, one small JSON file per model file, ONNX Runtime, device, threads and
   * CPU, so that later loads skip calibration; false: no cache. Default: $CROSSRANK_CACHE_DIR/calibration,
   * else $XDG_CACHE_HOME/crossrank/calibration, else ~/.cache/crossrank/calibration.
   */
  calibrationCacheDir?: string | false;
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
  /**
   * Decoder rerankers (causal LMs that answer yes or no): the prompt, by family name or as your own.
   * Default: the family config.json, the chat template or config_sentence_transformers.json names; none for encoders.
   */
  template?: TemplateName | PromptTemplate;
  /** Decoder rerankers whose template takes one: the task instruction. Default: the family's. */
  instruction?: string;
  /**
   * Rewrite the graph at load so that ONNX Runtime runs its fused kernels: each attention block as
   * one com.microsoft Attention (MultiHeadAttention in int8 graphs), each bias + residual + LayerNorm
   * as one SkipLayerNormalization (float graphs only). ORT's own optimizer misses these in torch's
   * exports. Scores stay within 1e-4 of the graph as it is (measured: at most 1.1e-5; int8 exactly
   * equal); a graph that does not match is loaded unchanged. `info.fusedOps` says what was fused.
   * Default false: on the 2-core development machine it measured no faster (Performance.md, "Where
   * the time goes"); try it on larger machines.
   */
  graphRewrite?: boolean;
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
  /** Which end of a too-long text truncation keeps for this call ('left': its end). Default: info.truncationDirection. */
  truncationDirection?: TruncationDirection;
  /** Decoder rerankers whose template takes one: the instruction for this call. Default: info.instruction. */
  instruction?: string;
}

export type LongDocuments = 'truncate' | 'chunk';

export interface RerankOptions<D = RerankDocument> extends CallOptions, DocumentTextOptions<D> {
  /** Return only the best topK results. Default: all. */
  topK?: number;
  /** Include each document in its result: the caller's own string or object, unchanged. Default false. */
  returnDocuments?: boolean;
  /**
   * A document longer than fits beside the query: 'truncate' scores its beginning (default);
   * 'chunk' scores windows of it and keeps the best window's score (MaxP).
   */
  longDocuments?: LongDocuments;
  /** Tokens shared by consecutive windows with longDocuments 'chunk'. Default 80. */
  chunkOverlap?: number;
  /** Windows scored per document with longDocuments 'chunk'; later ones are dropped (and counted). Default 10. */
  maxChunksPerDoc?: number;
  /**
   * Tokens the query may take (no special tokens); a longer one is shortened, or rejected with
   * TRUNCATION_ERROR under truncation 'only_second'. Default: half of maxLength.
   */
  maxQueryLength?: number;
  /**
   * Tokens of each document kept (no special tokens), before it is paired with the query: the rest is
   * cut (which end, by truncationDirection), as Cohere's `max_tokens_per_doc` does; with longDocuments
   * 'chunk', the windows cover only what is kept. Default: no limit of its own (maxLength still applies).
   */
  maxDocumentLength?: number;
}

export interface RerankResult<D = RerankDocument> {
  /** Position of the document in the input array. */
  index: number;
  score: number;
  /** With returnDocuments: the document as given. */
  document?: D;
  /**
   * With longDocuments 'chunk': the window that gave the score — its position among the document's
   * windows, and where it is in the document's text: `text.slice(start, end)` (JavaScript string
   * indices, on token boundaries), e.g. to highlight the passage.
   */
  chunk?: { index: number; start: number; end: number };
  /** With longDocuments 'chunk': windows past maxChunksPerDoc that were not scored (0 when none). */
  droppedChunks?: number;
}

/** Where one call's time went (`scoreDetailed`). */
export interface CallTimings extends NativeTimings {
  /** Share of the tokens computed for this call's pairs that were padding (0 = none). */
  paddingRatio: number;
}

export type BatchingMode = 'calibrated' | 'cached' | 'explicit' | 'default';

/** How batches are sized (`info.batching`). */
export interface BatchingInfo {
  /**
   * 'calibrated': cost model measured by this load; 'cached': read from calibrationCacheDir;
   * 'explicit': maxBatchTokens/maxBatchSize given, packed greedily up to them; 'default': no
   * calibration (calibrate false or CUDA), packed greedily up to the defaults. A calibration whose
   * samples the model does not fit (a machine too busy to measure) is not used nor cached: the mode is
   * then 'explicit' or 'default', with its samples and calibrationMs still shown.
   */
  mode: BatchingMode;
  /** Predicted ms of a batch: perBatchMs + perRowMs·rows + perTokenMs·rows·length + perAttentionMs·rows·length². */
  costModel: NativeCostModel | null;
  /** Time this load spent calibrating (0 when it did not calibrate). */
  calibrationMs: number;
  /** The shapes this load measured, best time of each (empty when it did not calibrate). */
  samples: NativeCostSample[];
  /** Batch size the planner uses for many pairs of one length, per length up to maxLength. */
  bands: NativeBatchBand[];
  /** The calibration's cache file, when it was read from or written to one; null otherwise. */
  cacheFile: string | null;
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

/** What rerankDetailed() resolves to. */
export interface DetailedRerank<D = RerankDocument> {
  results: RerankResult<D>[];
  /** The whole call's, every document (and window) included, not only the topK returned. */
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
  /** The tokenizer.json the model reads (e.g. to count tokens with `Tokenizer.fromFile`). */
  tokenizerPath: string;
  numLabels: number;
  /** Label names in output order: config.json's `id2label`, else `LABEL_0`, `LABEL_1`, … */
  labels: string[];
  maxLength: number;
  truncation: Truncation;
  /** Which end of a too-long text truncation keeps: 'right' keeps the start (default), 'left' the end. */
  truncationDirection: TruncationDirection;
  /** The score transform applied by this Reranker (the `activation` option, else modelActivation). */
  activation: Activation;
  /**
   * What the model itself asks for: config.json's activation, else sigmoid for one label and none
   * for several. Differs from `activation` when the option overrode it, e.g. to read raw logits.
   */
  modelActivation: Activation;
  inputNames: string[];
  outputName: string;
  ortVersion: string;
  ortLibraryPath: string;
  device: string;
  /**
   * 'shared': ONNX Runtime's one process-wide pool, which every model loaded without `threads` uses;
   * 'session': a pool of the model's own (`threads` given, or the process's ORT environment was
   * created by another library, such as onnxruntime-node, before crossrank's).
   */
  threadPool: 'shared' | 'session';
  /** The graph's logits type; float16 logits (fp16 exports) are converted to float32 scores. */
  logitsType: 'float32' | 'float16';
  /**
   * Where a batch's input tensors are bound: 'pinned' (page-locked host memory, copied to the GPU in
   * one transfer; CUDA, when the provider offers a pinned allocator) or 'host'.
   */
  inputMemory: 'pinned' | 'host';
  /** What `graphRewrite` fused: attention blocks and residual + LayerNorm blocks (0 and 0 when off). */
  fusedOps: { attention: number; skipLayerNormalization: number };
  /** The hard limits in effect (see batching for what the planner chose within them). */
  maxBatchTokens: number;
  maxBatchSize: number;
  batching: BatchingInfo;
  concurrency: number;
  maxQueuedPairs: number;
  threads: number;
  /** rerank()'s default query limit in tokens: half of maxLength. */
  maxQueryLength: number;
  /** rerank()'s defaults for long documents. */
  longDocuments: LongDocuments;
  chunkOverlap: number;
  maxChunksPerDoc: number;
  /** Decoder rerankers: the template's family name or 'custom'; null for encoders. */
  template: TemplateName | 'custom' | null;
  /** Decoder rerankers: the instruction calls use unless they give their own; null for encoders and templates without one. */
  instruction: string | null;
  /**
   * How the graph's logits are read: 'labels' for encoders; for decoders 'lm-head' ([batch, seq, vocab]),
   * 'yes-no' ([batch, 2], [no, yes] at the last position) or 'seq-cls' ([batch, 1]).
   */
  decoderOutput: 'labels' | 'lm-head' | 'yes-no' | 'seq-cls';
  /** Decoders: the token ids of the yes and (where the template has one) no answers. */
  answerTokenIds: number[] | null;
}

/** rerank()'s defaults for long documents, reported on `info`. */
const LONG_DOCUMENT_DEFAULTS = Object.freeze({ longDocuments: 'truncate' as LongDocuments, chunkOverlap: 80, maxChunksPerDoc: 10 });

const DEVICE_DEFAULTS: Record<Device, { maxBatchTokens: number; maxBatchSize: number }> = {
  // On CPU small length-homogeneous batches reach the cores' GEMM peak (see Performance notes);
  // a GPU needs large batches to fill.
  cpu: { maxBatchTokens: 512, maxBatchSize: 64 },
  cuda: { maxBatchTokens: 16384, maxBatchSize: 256 },
};
// With a cost model the limits only guard memory: ORT's arena grows to the largest batch, and the
// attention scores of 4096 tokens at length 512 already take 100 MB. The peers' budget sweeps never
// found a larger budget faster (issue 12).
const CALIBRATED_LIMITS = { maxBatchTokens: 4096, maxBatchSize: 128 };

let nextRequestId = 1;

/** Decoders' default maxLength at most, and where their files state no limit (the families' own code uses 8192). */
const DECODER_DEFAULT_MAX_LENGTH = 8192;

let warnedLmHead = false;
function warnLmHeadOnce(modelPath: string): void {
  if (warnedLmHead) return;
  warnedLmHead = true;
  process.emitWarning(
    `${modelPath} returns the whole LM head (logits [batch, seq, vocab]): every batch allocates batch x seq x vocab ` +
      'floats to read two of them. Export a trimmed graph instead: the [no, yes] columns at the last position ' +
      '(logits [batch, 2]), or a sequence-classification conversion (score = W[yes] - W[no], logits [batch, 1], e.g. ' +
      "vLLM's convert_model_to_seq_cls.py) exported with optimum.",
    { code: 'CROSSRANK_LM_HEAD_LOGITS' },
  );
}

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
  #template: ResolvedTemplate | undefined;
  #closing: Promise<void> | undefined;

  private constructor(handle: NativeReranker, info: RerankerInfo, template: ResolvedTemplate | undefined) {
    this.#native = handle;
    this.#template = template;
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
    const truncationDirection =
      enumOption(opts.truncationDirection, 'options.truncationDirection', TRUNCATION_DIRECTIONS) ?? 'right';
    const requestedActivation = enumOption(opts.activation, 'options.activation', ['sigmoid', 'softmax', 'none'] as const);
    const explicitMaxBatchTokens = integerOption(opts.maxBatchTokens, 'options.maxBatchTokens', 1);
    const explicitMaxBatchSize = integerOption(opts.maxBatchSize, 'options.maxBatchSize', 1);
    const explicitLimits = explicitMaxBatchTokens !== undefined || explicitMaxBatchSize !== undefined;
    const calibrate = booleanOption(opts.calibrate, 'options.calibrate') ?? (device === 'cpu' && !explicitLimits);
    const limitDefaults = calibrate ? CALIBRATED_LIMITS : DEVICE_DEFAULTS[device];
    const calibrationCacheDir =
      opts.calibrationCacheDir === false
        ? undefined
        : (stringOption(opts.calibrationCacheDir, 'options.calibrationCacheDir') ?? defaultCalibrationCacheDir());
    const concurrency = integerOption(opts.concurrency, 'options.concurrency', 1, 256) ?? 1;
    const maxQueuedPairs = integerOption(opts.maxQueuedPairs, 'options.maxQueuedPairs', 1) ?? 100_000;
    const ortLibraryPath = resolveOrtLibrary(stringOption(opts.ortLibraryPath, 'options.ortLibraryPath'));
    const logLevel = enumOption(opts.logLevel, 'options.logLevel', LOG_LEVELS) ?? defaultLogLevel();
    const instruction = stringOption(opts.instruction, 'options.instruction');
    const graphRewrite = booleanOption(opts.graphRewrite, 'options.graphRewrite') ?? false;

    const source = await locateModel(idOrPath, download);
    const folder = readModelFolder(source.dir, source.choice);
    const template = resolveTemplate(opts.template, folder.family, instruction);
    // Decoders' configs give 32k-128k positions, or nothing; their own code defaults to 8192.
    const limit = template ? (folder.declaredMaxLength ?? DECODER_DEFAULT_MAX_LENGTH) : folder.maxLength;
    if (requestedMaxLength !== undefined && requestedMaxLength > limit) {
      throw invalidArgument(`options.maxLength is ${requestedMaxLength}, beyond the model's limit of ${limit} tokens`);
    }
    const maxLength = requestedMaxLength ?? (template ? Math.min(limit, DECODER_DEFAULT_MAX_LENGTH) : limit);

    // The cache never fails a load: an unreadable model file or ORT library only means no cache.
    let cache: { file: string; key: string } | undefined;
    if (calibrate && calibrationCacheDir !== undefined) {
      try {
        const key = await calibrationKey({ modelPath: folder.modelPath, ortLibraryPath, device, threads, maxLength });
        cache = { file: calibrationFile(calibrationCacheDir, key), key };
      } catch {
        cache = undefined;
      }
    }
    const cachedModel = cache && (await readCalibration(cache.file, cache.key));

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
        graphRewrite,
        maxLength,
        truncation,
        truncationDirection,
        activation: requestedActivation ?? folder.activation,
        maxBatchTokens: explicitMaxBatchTokens ?? limitDefaults.maxBatchTokens,
        maxBatchSize: explicitMaxBatchSize ?? limitDefaults.maxBatchSize,
        costModel: cachedModel,
        calibrate,
        // A calibration the machine was too busy for leaves today's greedy packing.
        fallbackMaxBatchTokens: explicitMaxBatchTokens ?? DEVICE_DEFAULTS[device].maxBatchTokens,
        fallbackMaxBatchSize: explicitMaxBatchSize ?? DEVICE_DEFAULTS[device].maxBatchSize,
        concurrency,
        maxQueuedPairs,
        ...(template ? { template: template.native } : {}),
      });
    } catch (error) {
      throw fromNative(error);
    }
    const nativeInfo = handle.info();
    const numLabels = nativeInfo.numLabels;
    if (nativeInfo.decoderOutput === 'lm-head') warnLmHeadOnce(folder.modelPath);
    const { costModelSource, costModel, calibrationMs, samples, bands, maxBatchTokens, maxBatchSize } = nativeInfo.batching;
    let cacheFile: string | null = cachedModel && cache ? cache.file : null;
    if (costModelSource === 'calibrated' && costModel && cache) {
      const written = await writeCalibration(cache.file, cache.key, {
        costModel,
        samples,
        calibrationMs,
        ortVersion: nativeInfo.ortVersion,
        modelPath: folder.modelPath,
        createdAt: new Date().toISOString(),
      });
      if (written) cacheFile = cache.file;
    }
    const mode: BatchingMode =
      costModelSource === 'given' ? 'cached' : costModelSource === 'calibrated' ? 'calibrated' : explicitLimits ? 'explicit' : 'default';
    return new Reranker(handle, {
      modelPath: folder.modelPath,
      modelId: source.hub?.modelId ?? null,
      revision: source.hub?.revision ?? null,
      commit: source.hub?.commit ?? null,
      tokenizerPath: folder.tokenizerPath,
      numLabels,
      labels:
        folder.labels?.length === numLabels ? folder.labels : Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`),
      maxLength,
      truncation,
      truncationDirection,
      activation: nativeInfo.activation,
      // The native side's rule when no activation is given (sentence-transformers' default).
      modelActivation: folder.activation ?? (numLabels === 1 ? 'sigmoid' : 'none'),
      inputNames: nativeInfo.inputNames,
      outputName: nativeInfo.outputName,
      ortVersion: nativeInfo.ortVersion,
      ortLibraryPath: nativeInfo.ortLibraryPath,
      device: nativeInfo.device,
      threadPool: nativeInfo.threadPool,
      logitsType: nativeInfo.logitsType,
      inputMemory: nativeInfo.inputMemory,
      fusedOps: Object.freeze({ ...nativeInfo.fusedOps }),
      maxBatchTokens,
      maxBatchSize,
      batching: { mode, costModel, calibrationMs, samples, bands, cacheFile },
      concurrency,
      maxQueuedPairs,
      threads,
      maxQueryLength: Math.floor(maxLength / 2),
      ...LONG_DOCUMENT_DEFAULTS,
      template: template?.name ?? null,
      instruction: template?.takesInstruction ? template.instruction : null,
      decoderOutput: nativeInfo.decoderOutput,
      answerTokenIds: nativeInfo.answerTokenIds ?? null,
    }, template);
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
    policy?: NativePairPolicy,
  ): Promise<DetailedScores & { chunks?: Uint32Array }> {
    const handle = this.#open();
    const checked = pairsArgument(pairs);
    const callOptions = optionsObject<CallOptions>(options, 'options');
    const signal = signalOption(callOptions.signal, 'options.signal');
    const truncationDirection = enumOption(callOptions.truncationDirection, 'options.truncationDirection', TRUNCATION_DIRECTIONS);
    if (truncationDirection !== undefined) policy = { ...policy, truncationDirection };
    const instruction = stringOption(callOptions.instruction, 'options.instruction');
    if (instruction !== undefined) {
      if (!this.#template?.takesInstruction) {
        throw invalidArgument(
          this.#template
            ? `options.instruction: the '${this.#template.name}' template has no {instruction} in its body`
            : 'options.instruction applies to decoder rerankers only; this model is an encoder',
        );
      }
      policy = { ...policy, instruction: this.#template.formatInstruction(instruction) };
    }
    signal?.throwIfAborted();
    if (checked.length === 0) return { scores: new Float32Array(0), timings: NO_WORK };

    const id = nextRequestId++;
    let call: Promise<DetailedScores & { chunks?: Uint32Array }>;
    try {
      call = handle.score(checked, id, withTimings, policy).then((result) => {
        if (result instanceof Float32Array) return { scores: result, timings: NO_WORK };
        const { scores, timings, chunks } = result;
        return {
          scores,
          timings: timings ? { ...timings, paddingRatio: paddingRatio(timings.tokens, timings.paddedTokens) } : NO_WORK,
          chunks,
        };
      });
    } catch (error) {
      throw fromNative(error);
    }
    if (!signal) return call.catch((error: unknown) => Promise.reject(fromNative(error)));
    // A call still pending when the signal fires rejects right then, with the signal's reason, whatever
    // the native side was doing; its queued pairs are dropped and a late result is discarded.
    return new Promise<DetailedScores & { chunks?: Uint32Array }>((resolve, reject) => {
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

  /**
   * Scores every document against `query` and returns them best first. Documents are strings or
   * objects (their text from `fields`, `text`, else a `text`, `content` or `pageContent` key).
   */
  async rerank<D extends RerankDocument>(
    query: string,
    documents: readonly D[],
    options?: RerankOptions<D>,
  ): Promise<RerankResult<D>[]> {
    return (await this.#rerank(query, documents, options, false)).results;
  }

  /** Like rerank(), with where the call's time went (as scoreDetailed() reports it). */
  async rerankDetailed<D extends RerankDocument>(
    query: string,
    documents: readonly D[],
    options?: RerankOptions<D>,
  ): Promise<DetailedRerank<D>> {
    return this.#rerank(query, documents, options, true);
  }

  async #rerank<D extends RerankDocument>(
    query: string,
    documents: readonly D[],
    options: RerankOptions<D> | undefined,
    withTimings: boolean,
  ): Promise<DetailedRerank<D>> {
    this.#open();
    if (typeof query !== 'string') throw invalidArgument(`query must be a string, got ${describe(query)}`);
    if (!Array.isArray(documents)) throw invalidArgument(`documents must be an array, got ${describe(documents)}`);
    const opts = optionsObject<RerankOptions<D>>(options, 'options');
    const topK = integerOption(opts.topK, 'options.topK', 1);
    const returnDocuments = booleanOption(opts.returnDocuments, 'options.returnDocuments') ?? false;
    const defaults = this.info;
    const chunk = (enumOption(opts.longDocuments, 'options.longDocuments', ['truncate', 'chunk'] as const) ?? defaults.longDocuments) === 'chunk';
    // An overlap can never reach maxLength (a window is shorter); the native side's own bounds match.
    const chunkOverlap = integerOption(opts.chunkOverlap, 'options.chunkOverlap', 0, defaults.maxLength - 1) ?? defaults.chunkOverlap;
    const maxChunksPerDoc = integerOption(opts.maxChunksPerDoc, 'options.maxChunksPerDoc', 1, 1 << 20) ?? defaults.maxChunksPerDoc;
    const maxQueryLength =
      integerOption(opts.maxQueryLength, 'options.maxQueryLength', 1, defaults.maxLength - 1) ?? defaults.maxQueryLength;
    const maxDocumentLength = integerOption(opts.maxDocumentLength, 'options.maxDocumentLength', 1, 1 << 30);
    const texts = documentTexts(documents, documentTextOptions<D>(opts));
    if (this.info.numLabels !== 1) {
      throw invalidArgument(`rerank() needs a model with one output label; this one has ${this.info.numLabels}. Use score()`);
    }
    if (this.#template && (chunk || opts.maxQueryLength !== undefined || maxDocumentLength !== undefined)) {
      throw invalidArgument(
        "options.longDocuments 'chunk', options.maxQueryLength and options.maxDocumentLength are not available for decoder rerankers: " +
          "their prompt is cut from the end of the document to fit maxLength",
      );
    }
    const { scores, chunks, timings } = await this.#score(
      texts.map((text) => [query, text] as const),
      { signal: opts.signal, truncationDirection: opts.truncationDirection, instruction: opts.instruction },
      withTimings,
      this.#template ? undefined : { maxQueryLength, chunk, chunkOverlap, maxChunksPerDoc, maxDocumentLength },
    );
    const results: RerankResult<D>[] = Array.from(scores, (score, index) => {
      const result: RerankResult<D> = { index, score };
      if (returnDocuments) result.document = documents[index];
      if (chunks) {
        result.chunk = { index: chunks[index * 4], start: chunks[index * 4 + 1], end: chunks[index * 4 + 2] };
        result.droppedChunks = chunks[index * 4 + 3];
      }
      return result;
    });
    // Array.prototype.sort is stable: equal scores keep input order.
    results.sort((a, b) => b.score - a.score);
    return { results: topK !== undefined ? results.slice(0, topK) : results, timings };
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
