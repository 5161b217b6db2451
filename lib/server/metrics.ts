import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

import type { CallTimings, RerankerStats } from '../reranker';

/** What the metrics read from the models at scrape time. */
export interface StatsSource {
  models(): ReadonlyArray<{ name: string; stats(): RerankerStats | undefined }>;
  pairsInFlight(): number;
}

// TEI's duration buckets: 35 geometric steps from 15 µs (router/src/prometheus.rs).
const DURATION_BUCKETS = Array.from({ length: 35 }, (_, i) => Number((1.5e-5 * 1.5 ** i).toPrecision(6)));
const powersOfTwo = (count: number) => Array.from({ length: count }, (_, i) => 2 ** i);
const RATE_WINDOW_S = 10;

/**
 * Prometheus metrics under TEI's names where TEI has one (so its dashboards and autoscaling rules
 * work unchanged), crossrank's own under `crossrank_`. One Registry per server, so that two servers
 * in one process (tests) never share counters.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requestCount: Counter<'method'>;
  readonly #requestSuccess: Counter<'method'>;
  readonly #requestFailure: Counter<'err'>;
  readonly #duration: Histogram;
  readonly #queueDuration: Histogram;
  readonly #inferenceDuration: Histogram;
  readonly #tokenizationDuration: Histogram;
  readonly #inputLength: Histogram;
  readonly #batchSize: Histogram;
  readonly #samples = new Map<string, Array<{ t: number; pairs: number }>>();
  readonly #sampler: NodeJS.Timeout;

  constructor(source: StatsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requestCount = new Counter({ name: 'te_request_count', help: 'Rerank requests received', labelNames: ['method'], registers });
    this.#requestSuccess = new Counter({ name: 'te_request_success', help: 'Rerank requests answered 200', labelNames: ['method'], registers });
    this.#requestFailure = new Counter({
      name: 'te_request_failure',
      help: 'Requests that failed, by reason (validation, batch_size, overloaded, dropped, ...)',
      labelNames: ['err'],
      registers,
    });
    const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, registers });
    this.#duration = histogram('te_request_duration', 'Rerank request time in seconds, body read to answer', DURATION_BUCKETS);
    this.#queueDuration = histogram('te_request_queue_duration', "Seconds a request's pairs waited for a batch", DURATION_BUCKETS);
    this.#inferenceDuration = histogram('te_request_inference_duration', 'Seconds of inference for a request', DURATION_BUCKETS);
    this.#tokenizationDuration = histogram('te_request_tokenization_duration', 'Seconds of tokenization for a request', DURATION_BUCKETS);
    this.#inputLength = histogram('te_request_input_length', "Mean tokens per pair of a request's pairs", powersOfTwo(20));
    this.#batchSize = histogram('te_batch_next_size', 'Mean pairs per inference batch a request ran in', powersOfTwo(13));

    const perModel = (read: (stats: RerankerStats) => number) => (gauge: Gauge<'model'>) => {
      gauge.reset();
      for (const model of source.models()) {
        const stats = model.stats();
        if (stats) gauge.set({ model: model.name }, read(stats));
      }
    };
    new Gauge({
      name: 'te_queue_size',
      help: 'Pairs accepted by the engines and not yet scored',
      registers,
      collect() {
        this.set(source.models().reduce((sum, m) => sum + (m.stats()?.queuedPairs ?? 0), 0));
      },
    });
    const modelGauge = (name: string, help: string, read: (stats: RerankerStats) => number) => {
      const collect = perModel(read);
      return new Gauge({ name, help, labelNames: ['model'], registers, collect() { collect(this); } });
    };
    modelGauge('crossrank_padding_ratio', 'Share of computed tokens that were padding, since load', (s) => s.paddingRatio);
    modelGauge('crossrank_pairs_scored_total', 'Pairs scored since load (a counter: use rate())', (s) => s.pairsScored);
    modelGauge('crossrank_batches_total', 'Inference batches run since load', (s) => s.batches);
    modelGauge('crossrank_calls_aborted_total', 'Calls aborted since load (clients gone, shutdown)', (s) => s.callsAborted);
    const samples = this.#samples;
    new Gauge({
      name: 'crossrank_pairs_per_second',
      help: `Pairs scored per second over the last ${RATE_WINDOW_S} s`,
      labelNames: ['model'],
      registers,
      // From a rolling window sampled each second, so that the rate is readable without a PromQL rate().
      collect() {
        for (const [model, list] of samples) {
          const first = list[0];
          const last = list[list.length - 1];
          this.set({ model }, last.t > first.t ? (last.pairs - first.pairs) / ((last.t - first.t) / 1000) : 0);
        }
      },
    });
    new Gauge({
      name: 'crossrank_pairs_in_flight',
      help: 'Pairs admitted and not yet answered (admission counts these against --max-concurrent-requests)',
      registers,
      collect() {
        this.set(source.pairsInFlight());
      },
    });
    const sample = () => {
      const now = Date.now();
      for (const model of source.models()) {
        const stats = model.stats();
        if (!stats) continue;
        const list = samples.get(model.name) ?? [];
        list.push({ t: now, pairs: stats.pairsScored });
        while (list.length > RATE_WINDOW_S + 1) list.shift();
        samples.set(model.name, list);
      }
    };
    this.#sampler = setInterval(sample, 1000);
    this.#sampler.unref();
  }

  requestReceived(): void {
    this.#requestCount.inc({ method: 'batch' });
  }

  requestSucceeded(seconds: number): void {
    this.#requestSuccess.inc({ method: 'batch' });
    this.#duration.observe(seconds);
  }

  requestFailed(err: string): void {
    this.#requestFailure.inc({ err });
  }

  /** One rerank call's timings, as the engine measured them. */
  observeCall(timings: CallTimings, pairs: number): void {
    this.#queueDuration.observe(timings.queueMs / 1000);
    this.#inferenceDuration.observe(timings.inferenceMs / 1000);
    this.#tokenizationDuration.observe(timings.tokenizeMs / 1000);
    if (pairs > 0) this.#inputLength.observe(timings.tokens / pairs);
    if (timings.batches > 0) this.#batchSize.observe(pairs / timings.batches);
  }

  close(): void {
    clearInterval(this.#sampler);
  }
}
