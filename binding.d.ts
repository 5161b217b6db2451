// Types of the native module (native/addon/). lib/ is its only caller and validates every argument
// before it gets here; users should import from 'crossrank' instead.

export interface NativeLoadOptions {
  modelPath: string;
  tokenizerPath: string;
  ortLibraryPath: string;
  device?: 'cpu' | 'cuda';
  deviceId?: number;
  threads?: number;
  numLabels?: number;
  /** config.json's vocab_size; the tokenizer's ids are checked against it at load. */
  vocabSize?: number;
  logLevel?: 'off' | 'fatal' | 'error' | 'warning' | 'info' | 'verbose';
  /** Fuse attention and residual+LayerNorm blocks into ORT's contrib kernels at load. Default false. */
  graphRewrite?: boolean;
  maxLength?: number;
  truncation?: 'longest_first' | 'only_first' | 'only_second';
  truncationDirection?: 'right' | 'left';
  /** Default: sigmoid for one label, none for several (sentence-transformers' rule). */
  activation?: 'sigmoid' | 'softmax' | 'none';
  /** Hard limits of every batch. */
  maxBatchTokens?: number;
  maxBatchSize?: number;
  /** A cost model to plan with (lib/'s calibration cache); no calibration runs then. */
  costModel?: NativeCostModel;
  /** Without costModel: measure one during load. Default false. */
  calibrate?: boolean;
  /** The limits instead of maxBatchTokens/maxBatchSize when calibration gives no usable model. */
  fallbackMaxBatchTokens?: number;
  fallbackMaxBatchSize?: number;
  tokenizerThreads?: number;
  concurrency?: number;
  maxQueuedPairs?: number;
  /** Decoder rerankers only: the prompt, resolved by lib/decoder-templates.ts (see native/engine/prompt_template.h). */
  template?: NativePromptTemplate;
}

export interface NativePromptTemplate {
  prefix: string;
  /** Holds {query} and {document}, and {instruction} where the family takes one. */
  body: string;
  suffix: string;
  /** The load's instruction, already in the family's form. */
  instruction?: string;
  yes: string;
  /** Absent: the score is logit(yes) alone. */
  no?: string;
}

/**
 * Predicted ms of one batch of `rows` pairs padded to `length` tokens:
 * perBatchMs + perRowMs·rows + perTokenMs·rows·length + perAttentionMs·rows·length².
 */
export interface NativeCostModel {
  perBatchMs: number;
  perRowMs: number;
  perTokenMs: number;
  perAttentionMs: number;
}

/** A calibration shape and its best time. */
export interface NativeCostSample {
  rows: number;
  length: number;
  ms: number;
}

/** What the planner does with many pairs of one length: rows per batch, and predicted ms per pair. */
export interface NativeBatchBand {
  length: number;
  rows: number;
  tokens: number;
  /** null without a cost model. */
  msPerPair: number | null;
}

export interface NativeBatching {
  /** 'given': the costModel option; 'calibrated': measured by this load; 'none': greedy within the limits. */
  costModelSource: 'given' | 'calibrated' | 'none';
  /** The hard limits in effect. */
  maxBatchTokens: number;
  maxBatchSize: number;
  costModel: NativeCostModel | null;
  /** Time the calibration took (0 when none ran). */
  calibrationMs: number;
  samples: NativeCostSample[];
  bands: NativeBatchBand[];
}

export interface NativeTimings {
  tokenizeMs: number;
  queueMs: number;
  inferenceMs: number;
  batches: number;
  tokens: number;
  paddedTokens: number;
}

/** How a call's pairs become model inputs (see native/engine/pair_builder.h). */
export interface NativePairPolicy {
  maxQueryLength?: number;
  chunk?: boolean;
  chunkOverlap?: number;
  maxChunksPerDoc?: number;
  /** 0 or absent: no limit of the document's own. */
  maxDocumentLength?: number;
  truncationDirection?: 'right' | 'left';
  /** Decoder rerankers: this call's instruction, in the template's form. */
  instruction?: string;
}

export interface NativeStats {
  callsCompleted: number;
  callsFailed: number;
  callsAborted: number;
  callsRejectedQueueFull: number;
  pairsScored: number;
  batches: number;
  tokens: number;
  paddedTokens: number;
  tokenizeMs: number;
  inferenceMs: number;
  /** The cost model's prediction for the batches it planned (0 without one), to set against inferenceMs. */
  predictedMs: number;
  /** Batches by rows: [i] counts batches of 2^i to 2^(i+1)−1 rows (the last entry takes the rest). */
  batchesByRows: number[];
  queuedPairs: number;
  activeCalls: number;
}

/** What the load-time graph rewrite fused (native/runtime/graph_fusion.h); zeros when off or nothing matched. */
export interface NativeFusedOps {
  attention: number;
  skipLayerNormalization: number;
}

export interface NativeModelInfo {
  inputNames: string[];
  outputName: string;
  numLabels: number;
  ortVersion: string;
  ortLibraryPath: string;
  device: string;
  threadPool: 'shared' | 'session';
  logitsType: 'float32' | 'float16';
  inputMemory: 'pinned' | 'host';
  fusedOps: NativeFusedOps;
  padId: number;
  activation: 'sigmoid' | 'softmax' | 'none';
  /** How the graph's logits are read: 'labels' (encoders) or a decoder export's form. */
  decoderOutput: 'labels' | 'lm-head' | 'yes-no' | 'seq-cls';
  /** Decoders only: the ids of the yes token and, where the template has one, the no token. */
  answerTokenIds?: number[];
  batching: NativeBatching;
}

export declare class NativeReranker {
  static load(options: NativeLoadOptions): Promise<NativeReranker>;
  info(): NativeModelInfo;
  /**
   * Scores in input order, pairs.length x numLabels; rejects with an Error carrying `code`. The bare
   * array unless timings are asked for or the policy chunks, then an object with what was asked.
   */
  score(
    pairs: ReadonlyArray<readonly [string, string]>,
    requestId: number,
    withTimings?: boolean,
    policy?: NativePairPolicy,
  ): Promise<Float32Array | { scores: Float32Array; timings?: NativeTimings; chunks?: Uint32Array }>;
  stats(): NativeStats;
  cancel(requestId: number): void;
  close(): Promise<void>;
}

export interface NativeEncodeOptions {
  maxLength?: number;
  truncation?: 'longest_first' | 'only_first' | 'only_second';
  /** Default 'right'. */
  truncationDirection?: 'right' | 'left';
  addSpecialTokens?: boolean;
  /** Also return offsets, sequenceIds and tokens (costs an alignment per byte; default false). */
  withOffsets?: boolean;
}

export interface NativeEncoding {
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
  /** withOffsets only: [start, end) JS string (UTF-16) indices into the token's own sequence; [0, 0] for special tokens. */
  offsets?: Array<[number, number]>;
  /** withOffsets only: 0, 1, or null for special tokens. */
  sequenceIds?: Array<number | null>;
  /** withOffsets only: Hugging Face's token strings. */
  tokens?: string[];
}

export interface NativeTokenizerInfo {
  vocabSize: number;
  padId: number;
  specialTokensPair: number;
  specialTokensSingle: number;
  fileTruncation: {
    maxLength: number;
    strategy: 'longest_first' | 'only_first' | 'only_second';
    stride: number;
    direction: 'right' | 'left';
  } | null;
  filePadding: {
    strategy: 'batch_longest' | 'fixed';
    length?: number;
    direction: 'right' | 'left';
    padToMultipleOf: number;
    padId: number;
    padTypeId: number;
    padToken: string;
  } | null;
}

export declare class NativeTokenizer {
  static fromFile(path: string): NativeTokenizer;
  encode(text: string, pair: string | null, options: NativeEncodeOptions): NativeEncoding;
  info(): NativeTokenizerInfo;
}

/** Native objects alive in the process, all environments together (for leak tests). */
export interface NativeLiveObjects {
  rerankers: number;
  engines: number;
  sessions: number;
  requests: number;
}

export interface NativeBinding {
  NativeReranker: typeof NativeReranker;
  NativeTokenizer: typeof NativeTokenizer;
  liveObjects(): NativeLiveObjects;
  /** Stops every engine in the process before exit() runs ORT's static destructors. */
  stopForExit(): void;
  /** For tests: every batch the real planner makes of these calls (token counts per pair), as [call, index] pairs. */
  planBatches(
    calls: number[][],
    options: { maxBatchTokens?: number; maxBatchSize?: number; costModel?: NativeCostModel },
  ): Array<Array<[number, number]>>;
  /** For tests: the cost model's fit on these samples. */
  fitCostModel(samples: NativeCostSample[]): NativeCostModel;
}
