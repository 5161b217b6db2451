import { randomUUID } from 'node:crypto';

import type { Admission } from './admission';
import { ApiError, overloaded } from './errors';
import type { Metrics } from './metrics';
import type { JobOutcome, ModelSet, ServedModel } from './models';
import {
  type CohereMeta,
  type CohereResult,
  type CohereV1RerankResponse,
  type CohereV2RerankResponse,
  parseCohereV1Rerank,
  parseCohereV2Rerank,
  parseTeiRerank,
  type RerankJob,
  type TeiRerankResponse,
} from './wire';

/** The server's limits as handlers see them (from the CLI flags). */
export interface ServingLimits {
  maxClientBatchSize: number;
  maxConcurrentRequests: number;
  autoTruncate: boolean;
}

/** What a handler may use of the server. */
export interface ServerContext {
  readonly state: 'loading' | 'ready' | 'draining';
  /** Undefined while loading. */
  readonly models: ModelSet | undefined;
  readonly admission: Admission;
  readonly metrics: Metrics;
  readonly limits: ServingLimits;
  readonly version: string;
}

export interface HandlerInput {
  server: ServerContext;
  /** The parsed JSON body (POST routes). */
  body: unknown;
  /** Aborts when the client goes away (or the server stops waiting at shutdown). */
  signal: AbortSignal;
  /** performance.now() when the request arrived. */
  receivedAt: number;
}

export interface Reply {
  status: number;
  /** JSON-serialised unless a string; undefined for an empty body. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Set on rerank replies, for the request's log line. */
  outcome?: JobOutcome;
}

export type Handler = (input: HandlerInput) => Promise<Reply>;

function readyModels(server: ServerContext): ModelSet {
  if (server.state !== 'ready' || !server.models) {
    throw new ApiError('unhealthy', server.state === 'loading' ? 'the models are still loading' : 'the server is shutting down');
  }
  return server.models;
}

const ms = (value: number) => String(Math.round(value));

/** The common part of every rerank route: pick the model, admit the pairs, run, report timings. */
async function runJob(input: HandlerInput, job: RerankJob): Promise<{ model: ServedModel; outcome: JobOutcome; headers: Record<string, string> }> {
  const { server } = input;
  const model = readyModels(server).select(job.model);
  const pairs = job.documents.length;
  if (!server.admission.tryAcquire(pairs)) {
    throw overloaded(
      `Model is overloaded: ${server.admission.inFlight} texts in flight, ${pairs} more would pass --max-concurrent-requests ${server.admission.limit}`,
    );
  }
  const started = performance.now();
  let outcome: JobOutcome;
  try {
    outcome = await model.run(job, { ...server.limits, signal: input.signal });
  } finally {
    server.admission.release(pairs);
  }
  server.metrics.observeCall(outcome.timings, pairs);
  const now = performance.now();
  const { timings } = outcome;
  // TEI's response headers (router/src/lib.rs, ResponseMetadata), in milliseconds.
  const headers = {
    'x-compute-type': model.reranker.info.device === 'cpu' ? 'cpu' : 'gpu',
    'x-compute-time': ms(now - started),
    'x-compute-characters': String(outcome.characters),
    'x-compute-tokens': String(timings.tokens),
    'x-total-time': ms(now - input.receivedAt),
    'x-tokenization-time': ms(timings.tokenizeMs),
    'x-queue-time': ms(timings.queueMs),
    'x-inference-time': ms(timings.inferenceMs),
  };
  return { model, outcome, headers };
}

export const teiRerank: Handler = async (input) => {
  const job = parseTeiRerank(input.body);
  const { outcome, headers } = await runJob(input, job);
  const body: TeiRerankResponse = outcome.results.map(({ index, score }) =>
    job.returnDocuments ? { index, score, text: job.documents[index] as string } : { index, score },
  );
  return { status: 200, body, headers, outcome };
};

function cohereResults(job: RerankJob, outcome: JobOutcome): CohereResult[] {
  return outcome.results.map(({ index, score }) => {
    const result: CohereResult = { index, relevance_score: score };
    if (job.returnDocuments) {
      const doc = job.documents[index];
      result.document = typeof doc === 'string' ? { text: doc } : (doc as Record<string, unknown>);
    }
    return result;
  });
}

function cohereMeta(version: string, outcome: JobOutcome): CohereMeta {
  // Cohere bills one search unit per query with up to 100 documents.
  return {
    api_version: { version },
    billed_units: { search_units: Math.max(1, Math.ceil(outcome.pairs / 100)) },
    tokens: { input_tokens: outcome.timings.tokens },
  };
}

export const cohereV2Rerank: Handler = async (input) => {
  const job = parseCohereV2Rerank(input.body);
  const { outcome, headers } = await runJob(input, job);
  const body: CohereV2RerankResponse = { id: randomUUID(), results: cohereResults(job, outcome), meta: cohereMeta('2', outcome) };
  return { status: 200, body, headers, outcome };
};

export const cohereV1Rerank: Handler = async (input) => {
  const job = parseCohereV1Rerank(input.body);
  const { model, outcome, headers } = await runJob(input, job);
  const tokens = outcome.timings.tokens;
  const body: CohereV1RerankResponse = {
    id: randomUUID(),
    model: job.model ?? model.name,
    results: cohereResults(job, outcome),
    meta: cohereMeta('1', outcome),
    usage: { total_tokens: tokens, prompt_tokens: tokens },
  };
  return { status: 200, body, headers, outcome };
};

export const health: Handler = async ({ server }) => {
  if (server.state === 'ready') return { status: 200 };
  throw new ApiError('unhealthy', server.state === 'loading' ? 'loading' : 'draining');
};

export const info: Handler = async ({ server }) => {
  const models = readyModels(server).models.map((model) => {
    const { info: i } = model.reranker;
    const id2label = Object.fromEntries(i.labels.map((label, n) => [String(n), label]));
    const label2id = Object.fromEntries(i.labels.map((label, n) => [label, n]));
    return {
      model_id: model.id,
      model_sha: null,
      model_dtype: model.dtype,
      served_model_name: model.name,
      model_type: i.numLabels === 1 ? { reranker: { id2label, label2id } } : { classifier: { id2label, label2id } },
      max_input_length: i.maxLength,
      max_batch_tokens: i.maxBatchTokens,
      max_batch_requests: i.maxBatchSize,
      device: i.device,
      ort_version: i.ortVersion,
    };
  });
  const { limits } = server;
  return {
    status: 200,
    body: {
      // TEI's fields describe one model: the default one. Every served model is under `models`.
      ...models[0],
      max_concurrent_requests: limits.maxConcurrentRequests,
      max_client_batch_size: limits.maxClientBatchSize,
      auto_truncate: limits.autoTruncate,
      tokenization_workers: null,
      version: server.version,
      sha: null,
      docker_label: null,
      models,
    },
  };
};

export const metrics: Handler = async ({ server }) => ({
  status: 200,
  body: await server.metrics.registry.metrics(),
  contentType: server.metrics.registry.contentType,
});
