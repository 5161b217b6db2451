import type { Activation } from '../model-folder';
import { type CallTimings, type LoadOptions, Reranker, type RerankerStats } from '../reranker';
import { Tokenizer } from '../tokenizer';
import { ApiError } from './errors';
import type { RerankJob } from './wire';

/** Load options as the CLI passes them (`dtype`, `revision`: for a Hub id). */
export type ModelLoadOptions = LoadOptions;

/** One model to serve: what to load, and the extra name clients may call it by. */
export interface ModelSpec {
  /** A model folder or a Hub id, passed to `Reranker.load` as is. */
  id: string;
  /** --served-model-name: the name /info reports and `model` fields may use. Default: `id`. */
  servedName?: string;
  options?: ModelLoadOptions;
}

/** What one rerank job produced, in input-index terms, scores already in the API's scale. */
export interface JobOutcome {
  results: Array<{ index: number; score: number }>;
  timings: CallTimings;
  pairs: number;
  characters: number;
}

export interface JobLimits {
  maxClientBatchSize: number;
  autoTruncate: boolean;
  signal: AbortSignal;
}

const ACTIVATIONS: Record<Activation, (logit: number) => number> = {
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  // Softmax over a single label is always 1; kept so that a config that asks for it is honoured.
  softmax: () => 1,
  none: (x) => x,
};

/** The native tokenizer's largest maxLength: counting with it is counting without truncation. */
const UNLIMITED_TOKENS = 1 << 30;

export class ServedModel {
  readonly id: string;
  readonly name: string;
  readonly reranker: Reranker;
  readonly dtype: string;
  #tokenizer: Tokenizer | undefined;

  constructor(spec: ModelSpec, reranker: Reranker) {
    this.id = spec.id;
    this.name = spec.servedName ?? spec.id;
    this.reranker = reranker;
    this.dtype = spec.options?.dtype ?? 'float32';
  }

  /** Undefined once closed (a scrape during shutdown must not throw). */
  stats(): RerankerStats | undefined {
    try {
      return this.reranker.stats();
    } catch {
      return undefined;
    }
  }

  async run(job: RerankJob, limits: JobLimits): Promise<JobOutcome> {
    const { info } = this.reranker;
    if (info.numLabels !== 1) {
      throw new ApiError('backend', `Backend error: model is not a re-ranker model (it has ${info.numLabels} labels)`);
    }
    const count = job.documents.length;
    if (count > limits.maxClientBatchSize) {
      throw new ApiError(
        'batchSize',
        `Input validation error: batch size ${count} > maximum allowed batch size ${limits.maxClientBatchSize}`,
      );
    }
    if (!(job.truncate ?? limits.autoTruncate)) this.#checkFits(job);

    const { results, timings } = await this.reranker.rerankDetailed(job.query, job.documents, {
      topK: job.topN,
      fields: job.rankFields,
      longDocuments: job.maxChunksPerDoc !== undefined ? 'chunk' : 'truncate',
      maxChunksPerDoc: job.maxChunksPerDoc,
      maxDocumentLength: job.maxTokensPerDoc,
      truncationDirection: job.truncationDirection === 'Left' ? 'left' : 'right',
      signal: limits.signal,
    });
    // Loaded with activation 'none' (see ModelSet.load): raw_scores reads the logit, everything
    // else gets the activation the model asks for, as Reranker.rerank() would have applied it.
    const activate = job.rawScores ? ACTIVATIONS.none : ACTIVATIONS[info.modelActivation];
    return {
      results: results.map(({ index, score }) => ({ index, score: activate(score) })),
      timings,
      pairs: count,
      characters: job.documents.reduce<number>((sum, d) => sum + (typeof d === 'string' ? d.length : 0), job.query.length * count),
    };
  }

  /**
   * truncate: false — TEI refuses a text that does not fit instead of shortening it. Counting needs
   * the tokenizer on the main thread, so it is done only when a request asks for it.
   */
  #checkFits(job: RerankJob): void {
    const { maxLength, tokenizerPath } = this.reranker.info;
    this.#tokenizer ??= Tokenizer.fromFile(tokenizerPath);
    job.documents.forEach((doc, i) => {
      if (typeof doc !== 'string') return;
      const tokens = this.#tokenizer!.encode(job.query, doc, { maxLength: UNLIMITED_TOKENS }).ids.length;
      if (tokens > maxLength) {
        throw new ApiError(
          'validation',
          `Input validation error: \`inputs\` must have less than ${maxLength} tokens. Given: ${tokens} (texts[${i}]); ` +
            'send truncate: true to shorten it instead',
        );
      }
    });
  }
}

/** The models one server serves, in --model order; the first is the default. */
export class ModelSet {
  readonly models: readonly ServedModel[];

  private constructor(models: ServedModel[]) {
    this.models = models;
  }

  /** Loads every model, or none: a failure closes those already loaded. */
  static async load(specs: readonly ModelSpec[]): Promise<ModelSet> {
    const loaded: ServedModel[] = [];
    try {
      for (const spec of specs) {
        // Raw logits from the engine; ServedModel.run applies the activation per request (raw_scores).
        const reranker = await Reranker.load(spec.id, { ...spec.options, activation: 'none' });
        loaded.push(new ServedModel(spec, reranker));
      }
    } catch (error) {
      await Promise.all(loaded.map((m) => m.reranker.close()));
      throw error;
    }
    return new ModelSet(loaded);
  }

  /**
   * The model a request's `model` field names. With one model any name is accepted, so that clients
   * keep their own model strings; with several, the name must be an id or a served name.
   */
  select(name: string | undefined): ServedModel {
    if (name === undefined || this.models.length === 1) return this.models[0];
    const found = this.models.find((m) => m.name === name || m.id === name);
    if (!found) {
      const served = this.models.map((m) => `'${m.name}'`).join(', ');
      throw new ApiError('notFound', `model '${name}' is not served here; served models: ${served}`);
    }
    return found;
  }

  async close(): Promise<void> {
    await Promise.all(this.models.map((m) => m.reranker.close()));
  }
}
